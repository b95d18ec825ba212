"""How a question is searched by its words: in the graph's passage index (Lucene's BM25 on Neo4j,
SQLite FTS5's on FalkorDB: graph/passage_index.py), by its content words.

The usual English stop words go (bm25s's NLTK-style list of 179, not Lucene's 33, which keeps "what",
"did" and "about"), and so do the words that frame a question rather than say what it is about
("summarize the discussion about …", "what did Priya think about …"). Spoken transcripts rarely say
"summarize" or "discussion", so BM25 gave those words a high weight and put whatever chunk said them
first. Chosen on the tuning half: full-text recall@10 0.595 -> 0.651 (reporting half 0.536 -> 0.572;
docs/architecture.md); with the engines' indexes the same query form was again the best on the tuning
half.
"""

from __future__ import annotations

import re

from bm25s.stopwords import STOPWORDS_EN_PLUS

# Words that ask for a kind of answer (a summary, an opinion, what was said) rather than name a topic.
QUESTION_FRAMING = frozenset(
    "summarize summarise summary discuss discussed discussion discussions discussing talk talked talking "
    "think thought say said opinion opinions".split()
)
_STOP = frozenset(STOPWORDS_EN_PLUS)
_WORD = re.compile(r"[\w'’-]+")


def lexical_query(question: str) -> str:
    """The question without the words that only frame it."""
    return " ".join(w for w in _WORD.findall(question) if w.lower() not in QUESTION_FRAMING)


def search_text(question: str) -> str:
    """The words of the question a lexical search looks for: no framing words, no stop words."""
    return " ".join(w for w in _WORD.findall(lexical_query(question)) if w.lower() not in _STOP)

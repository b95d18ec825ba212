"""A namespace's chunks as passages, held in memory for retrieval: BM25 over each chunk together with
its neighbours (bm25s, Lucene's BM25 formula, Snowball English stemming), the neighbours that widen a
hit into a citation, and the vocabulary that tells whether a name occurs at all.

A question is searched by its content words: the tokenizer drops the usual English stop words (bm25s's
NLTK-style list of 179, not Lucene's 33, which keeps "what", "did" and "about") and the words that
frame a question rather than say what it is about ("summarize the discussion about …", "what did Priya
think about …"). Spoken transcripts rarely say "summarize" or "discussion", so BM25 gave those words
a high weight and put whatever chunk said them first. Chosen on the tuning half: full-text recall@10
0.595 -> 0.651 (reporting half 0.536 -> 0.572; docs/architecture.md).

Why not the database's full-text index: FalkorDB's (RediSearch TF-IDF) gives coarse scores that put
short chunks such as "Mm - hmm." first; over the same chunks of 35 meetings in one namespace it found
0.262 of the tuning half's spans at 10 against 0.496 for BM25 (docs/architecture.md). The graph stays
the one source of truth: a namespace's passages are rebuilt from it whenever its chunk version moves
(a counter every chunk write or delete bumps: `GraphStore.chunk_version`), so every process sees what
any process wrote.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cached_property

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS
from bm25s.tokenization import Tokenizer

from backend.domain import normalise_key
from backend.graph import GraphStore
from backend.graph.results import ScoredChunk

from .titles import Titles

# bm25s sets its own logger to DEBUG when imported (a line per index build, whatever KW_LOG_LEVEL says)
logging.getLogger("bm25s").setLevel(logging.WARNING)

# A passage is a chunk and this many chunks either side of it: BM25 over ~220-word passages found
# 0.599 of the tuning half's spans at 10 against 0.496 over single ~75-word chunks (same words of
# context in the citations); two either side would pass 3,000 words for 10 citations.
REACH = 1

# Words that ask for a kind of answer (a summary, an opinion, what was said) rather than name a topic.
QUESTION_FRAMING = frozenset(
    "summarize summarise summary discuss discussed discussion discussions discussing talk talked talking "
    "think thought say said opinion opinions".split()
)
_WORD = re.compile(r"[\w'’-]+")


_stemmer = Stemmer.Stemmer("english")
_stem_lock = threading.Lock()  # the stemmer is not safe to share between threads


def _stem(word: str) -> str:
    with _stem_lock:
        return _stemmer.stemWord(word)


def _tokenizer() -> Tokenizer:
    return Tokenizer(stemmer=Stemmer.Stemmer("english"), stopwords=list(STOPWORDS_EN_PLUS))


def lexical_query(question: str) -> str:
    """The question without the words that only frame it."""
    return " ".join(w for w in _WORD.findall(question) if w.lower() not in QUESTION_FRAMING)


@dataclass
class Passages:
    """One namespace's chunks (ordered by transcript and index) and the BM25 index of their passages."""

    chunks: list[ScoredChunk]
    version: object
    _tokenizer: Tokenizer
    _bm25: bm25s.BM25 | None
    _lock: threading.Lock  # the stemmer is not safe to share between threads

    def __post_init__(self) -> None:
        self._position = {c.id: n for n, c in enumerate(self.chunks)}
        # chunks are ordered by transcript: each transcript's are one slice
        self._by_transcript: dict[str, slice] = {}
        for n, c in enumerate(self.chunks):
            first = self._by_transcript.get(c.transcript_id, slice(n, n))
            self._by_transcript[c.transcript_id] = slice(first.start, n + 1)
        self.titles = Titles({c.transcript_id: c.title or "" for c in self.chunks})
        # a speaker is named by the whole name or by its first word ("Priya" for "Priya Raman")
        self._speakers: dict[str, set[str]] = {}
        for speaker in {s for c in self.chunks for s in c.speakers}:
            for form in {speaker, speaker.split()[0]} if speaker.split() else ():
                self._speakers.setdefault(form.lower(), set()).add(speaker)

    def around(self, chunk: ScoredChunk, reach: int = REACH) -> list[ScoredChunk]:
        """The chunk and up to `reach` chunks either side of it in its transcript."""
        n = self._position.get(chunk.id)
        if n is None:
            return [chunk]
        lo, hi = max(0, n - reach), min(len(self.chunks), n + reach + 1)
        return [c for c in self.chunks[lo:hi] if c.transcript_id == chunk.transcript_id]

    def beside(self, chunk: ScoredChunk, step: int) -> ScoredChunk | None:
        """The chunk just after (step 1) or before (step -1) this one in its transcript, if any."""
        n = self._position.get(chunk.id)
        if n is None or not 0 <= n + step < len(self.chunks):
            return None
        other = self.chunks[n + step]
        return other if other.transcript_id == chunk.transcript_id else None

    def _query_ids(self, text: str) -> list[int]:
        with self._lock:
            [ids] = self._tokenizer.tokenize([text], update_vocab=False, return_as="ids", show_progress=False)
        empty = self._tokenizer.get_vocab_dict().get("")
        return [i for i in ids if i != empty]

    def transcripts(self) -> set[str]:
        return set(self._by_transcript)

    def search(self, text: str, k: int, within: Collection[str] = ()) -> list[ScoredChunk]:
        """The chunks whose passages best match the content words of `text` (BM25), best first; with
        `within`, only chunks of those transcripts."""
        if self._bm25 is None or not (ids := self._query_ids(lexical_query(text))):
            return []
        if within:
            # every passage's score, then the chosen transcripts' slices: 0.08 ms at 20k chunks where
            # bm25s's weight_mask took 2.6 ms
            slices = [self._by_transcript[t] for t in within if t in self._by_transcript]
            if not slices:
                return []
            positions = np.concatenate([np.arange(s.start, s.stop) for s in slices])
            scores = self._bm25.get_scores(ids)[positions]
            best = np.argsort(-scores, kind="stable")[:k]
            docs, found = positions[best], scores[best]
        else:
            [docs], [found] = self._bm25.retrieve([ids], k=min(k, len(self.chunks)), show_progress=False)
        return [
            self.chunks[int(d)].model_copy(update={"score": float(s)})
            for d, s in zip(docs, found, strict=True)
            if s > 0
        ]

    def speakers_named(self, question: str) -> set[str]:
        """The namespace's speakers the question names, by full name or first name."""
        words = re.findall(r"[\w'’-]+", question.lower())
        named: set[str] = set()
        for size in (1, 2, 3, 4):
            for start in range(len(words) - size + 1):
                named |= self._speakers.get(" ".join(words[start : start + size]), set())
        return named

    def mentions(self, word: str) -> bool:
        """Whether any chunk has this word (after the same stemming the search uses), accents aside:
        "Tomas" is mentioned where the transcripts say "Tomás" (it was "I found nothing about Tomas")."""
        if self._query_ids(word):
            return True
        plain = normalise_key(word)
        return plain in self._plain_vocab or _stem(plain) in self._plain_vocab

    @cached_property
    def _plain_vocab(self) -> frozenset[str]:
        """The index's words without their accents, as they are and stemmed."""
        plain = {normalise_key(token) for token in self._tokenizer.get_vocab_dict() if token}
        return frozenset(plain | {_stem(p) for p in plain})


def build_passages(chunks: list[ScoredChunk], version: object, reach: int = REACH) -> Passages:
    chunks = sorted(chunks, key=lambda c: (c.transcript_id, c.index))
    tokenizer = _tokenizer()
    bm25 = None
    if chunks:
        texts = []
        for n, chunk in enumerate(chunks):
            around = chunks[max(0, n - reach) : n + reach + 1]
            texts.append("\n".join(c.text for c in around if c.transcript_id == chunk.transcript_id))
        ids = tokenizer.tokenize(texts, return_as="ids", show_progress=False)
        bm25 = bm25s.BM25(dtype=np.float32)
        bm25.index(ids, show_progress=False)
    return Passages(chunks, version, tokenizer, bm25, threading.Lock())


class PassageCache:
    """The passages of the namespaces asked about most recently, each rebuilt when the graph says its
    chunks changed. One build per namespace at a time; a build runs in a worker thread."""

    def __init__(self, store: GraphStore, *, namespaces: int = 8, build: Callable = build_passages) -> None:
        self.store = store
        self.namespaces = namespaces
        self._build = build
        self._cache: OrderedDict[str, Passages] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, namespace: str) -> Passages:
        version = await self.store.chunk_version(namespace)
        cached = self._cache.get(namespace)
        if cached is None or cached.version != version:
            async with self._locks.setdefault(namespace, asyncio.Lock()):
                cached = self._cache.get(namespace)
                if cached is None or cached.version != version:
                    chunks = await self.store.namespace_chunks(namespace)
                    cached = await asyncio.to_thread(self._build, chunks, version)
                    self._cache[namespace] = cached
        self._cache.move_to_end(namespace)
        while len(self._cache) > self.namespaces:
            self._cache.popitem(last=False)
        return cached

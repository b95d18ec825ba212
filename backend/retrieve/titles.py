"""Transcripts a question names by their title ("what did Marketing say about the buttons in ES2006c?",
"what was decided in the board review?"): the question is then asked within them, as with
`Question.transcripts`. With many alike meetings in one namespace, naming one is how people say which
they mean; and a title is not something the transcripts say, so left in the question it read as a
name nothing mentions ("I found nothing about ES2006c").

A title is named when its words occur in the question in order, whole, in any case (punctuation and
separators ignored: "board-review" is named by "the board review"), the longest title first. A
one-word title counts only when written as a name — with a capital (not just as the question's first
word) or a digit — so a transcript titled "Budget" is not what every question about the budget means.
Titles made only of stop words ("All of them") are never taken as named."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bm25s.stopwords import STOPWORDS_EN_PLUS

_WORD = re.compile(r"\w+")
_STOP = frozenset(STOPWORDS_EN_PLUS)


@dataclass(frozen=True)
class Named:
    transcripts: frozenset[str]  # ids of the transcripts whose titles the question names
    rest: str  # the question without those titles, as the retrievers search it


class Titles:
    """The titles of one namespace's transcripts, by their words."""

    def __init__(self, titles: Mapping[str, str]) -> None:  # transcript id -> title
        self._ids: dict[tuple[str, ...], set[str]] = {}
        for transcript, title in titles.items():
            words = tuple(w.casefold() for w in _WORD.findall(title or ""))
            if words and not all(w in _STOP for w in words):
                self._ids.setdefault(words, set()).add(transcript)
        self._longest = max(map(len, self._ids), default=0)

    def named(self, question: str) -> Named:
        words = list(_WORD.finditer(question))
        folded = [w.group(0).casefold() for w in words]
        found: set[str] = set()
        cuts: list[tuple[int, int]] = []
        i = 0
        while i < len(words):
            for size in range(min(self._longest, len(words) - i), 0, -1):
                ids = self._ids.get(tuple(folded[i : i + size]))
                if ids and (size > 1 or _written_as_name(words[i])):
                    found |= ids
                    cuts.append((words[i].start(), words[i + size - 1].end()))
                    i += size
                    break
            else:
                i += 1
        rest = question
        for start, end in reversed(cuts):
            rest = rest[:start] + rest[end:]
        return Named(frozenset(found), " ".join(rest.split()))


def _written_as_name(word: re.Match) -> bool:
    text = word.group(0)
    if any(ch.isdigit() for ch in text):
        return True
    capitals = sum(ch.isupper() for ch in text)
    # the question's first word is capitalised anyway: there it takes a second capital ("ES")
    return capitals > 1 if word.start() == 0 else capitals > 0

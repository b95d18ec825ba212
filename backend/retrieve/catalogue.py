"""What retrieval needs to know of a namespace besides its text: its transcripts' titles (a question
may name one) and who speaks in them (a question may name a speaker). Read from the graph, and kept
per process until the namespace's chunks change (its chunk version): a few hundred titles and names,
never the text, so nothing large is held or rebuilt on a question's path."""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from dataclasses import dataclass, field

from backend.graph import GraphStore
from backend.graph.results import TranscriptCard

from .titles import Titles

_WORD = re.compile(r"[\w'’-]+")


@dataclass
class Catalogue:
    transcripts: list[TranscriptCard]
    version: object = None
    titles: Titles = field(init=False)
    _speakers: dict[str, set[str]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.titles = Titles({t.id: t.title or "" for t in self.transcripts})
        # a speaker is named by the whole name or by its first word ("Priya" for "Priya Raman")
        for speaker in {s for t in self.transcripts for s in t.speakers}:
            for form in {speaker, speaker.split()[0]} if speaker.split() else ():
                self._speakers.setdefault(form.lower(), set()).add(speaker)

    def ids(self) -> set[str]:
        return {t.id for t in self.transcripts}

    @property
    def chunks(self) -> int:
        return sum(t.chunk_count for t in self.transcripts)

    def speakers_named(self, question: str) -> set[str]:
        """The namespace's speakers the question names, by full name or first name."""
        words = _WORD.findall(question.lower())
        named: set[str] = set()
        for size in (1, 2, 3, 4):
            for start in range(len(words) - size + 1):
                named |= self._speakers.get(" ".join(words[start : start + size]), set())
        return named


class CatalogueCache:
    """The catalogues of the namespaces asked about most recently, each read again when the graph says
    its chunks changed."""

    def __init__(self, store: GraphStore, *, namespaces: int = 64) -> None:
        self.store = store
        self.namespaces = namespaces
        self._cache: OrderedDict[str, Catalogue] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, namespace: str) -> Catalogue:
        version = await self.store.chunk_version(namespace)
        cached = self._cache.get(namespace)
        if cached is None or cached.version != version:
            async with self._locks.setdefault(namespace, asyncio.Lock()):
                cached = self._cache.get(namespace)
                if cached is None or cached.version != version:
                    cached = Catalogue(await self.store.namespace_transcripts(namespace), version)
                    self._cache[namespace] = cached
        self._cache.move_to_end(namespace)
        while len(self._cache) > self.namespaces:
            self._cache.popitem(last=False)
        return cached

"""An embedder that remembers: texts it has embedded before come from memory.

The offline answerer embeds every sentence of the passages it quotes, per question; the same passages
answer many questions (the same meetings, asked about again and again, by the UI, a conversation's
follow-ups, the eval), so most sentences were embedded before. Bounded (least recently used first)
and per process; vectors are exactly the model's, so answers do not change.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from .port import Embedder


class RememberingEmbedder:
    def __init__(self, inner: Embedder, *, capacity: int = 50_000) -> None:
        self.inner = inner
        self.name, self.provider, self.dim = inner.name, inner.provider, inner.dim
        self.query_prefix = inner.query_prefix
        self._capacity = capacity
        self._memory: OrderedDict[str, list[float]] = OrderedDict()

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._memory))
        if missing:
            for text, vector in zip(missing, await self.inner.embed(missing), strict=True):
                self._memory[text] = vector
        found = []
        for text in texts:
            self._memory.move_to_end(text)
            found.append(self._memory[text])
        while len(self._memory) > self._capacity:
            self._memory.popitem(last=False)
        return found

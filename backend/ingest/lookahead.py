"""Work that resolution needs, started while extraction is still running.

Resolution needs every entity name's embedding and, for each name, the namespace's existing entities
close to it. Neither depends on the other windows, so both are fetched as each extraction window
lands; when the last window is in, only its own names are still on the way. Without this, a job spent
~200 ms after its last LLM answer on one embedding call and two or three graph reads per name, one
after another (measured on the peer benchmark's meetings).

What the lookahead found is what the namespace held while the job extracted. Another job of the same
namespace (this process or another) may have written since; `refresh` asks once, just before
resolution, whether the namespace's entities changed since the job began, and if so looks every name
up again (one batch), so resolution joins what those jobs wrote as it would have had they run one
after another. Only jobs resolving and writing at the very same moment still miss each other; the
same name and type then still meet on one node, because its id hashes them (`clusters.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from backend.domain import EntityType
from backend.embed.port import Embedder
from backend.graph import GraphStore

from .existing_entities import Existing

Report = Callable[[str, float, float], Awaitable[None]]


class EmbedProgress:
    """Counts embedded texts (chunks, then entity names) for the job's progress."""

    def __init__(self, report: Report, total: int) -> None:
        self.report, self.total, self.done = report, total, 0

    async def expect(self, n: int) -> None:
        """`n` more texts to embed (the names, once resolution found them)."""
        self.total += n
        await self.report("embed", self.done, self.total)

    async def advance(self, n: int) -> None:
        self.done += n
        await self.report("embed", self.done, self.total)


class EmbedMemo:
    """Embeds each distinct text once per job, however many callers ask for it and when: a text
    already on its way is awaited, not embedded again."""

    def __init__(self, embedder: Embedder, batch: int = 64) -> None:
        self._embedder = embedder
        self._batch = batch
        self._vectors: dict[str, asyncio.Future[list[float]]] = {}

    async def __call__(self, texts: Sequence[str]) -> list[list[float]]:
        return await self.all(texts, None)

    async def all(self, texts: Sequence[str], progress: EmbedProgress | None) -> list[list[float]]:
        loop = asyncio.get_running_loop()
        # by length: each batch then holds texts of similar length (padding is wasted work)
        missing = sorted((t for t in dict.fromkeys(texts) if t not in self._vectors), key=len)
        for text in missing:
            self._vectors[text] = loop.create_future()
        try:
            for start in range(0, len(missing), self._batch):
                batch = missing[start : start + self._batch]
                for text, vector in zip(batch, await self._embedder.embed(batch), strict=True):
                    self._vectors[text].set_result(vector)
                if progress:
                    await progress.advance(len(batch))
        except BaseException as exc:
            # Another caller waiting on these texts gets the same error; a later call tries again.
            for text in missing:
                future = self._vectors.pop(text)
                if not future.done():
                    future.set_exception(exc if isinstance(exc, Exception) else asyncio.CancelledError())
                    future.exception()  # retrieved here, so no "never retrieved" warning
            raise
        if progress:
            await progress.advance(len(texts) - len(missing))
        return [await self._vectors[t] for t in texts]


class ExistingLookups:
    """The namespace's entities close to each name (by vector and by full-text), fetched once per
    name, in one batch per extraction window from the moment the window lands."""

    def __init__(self, store: GraphStore, embed: EmbedMemo) -> None:
        self._store = store
        self._embed = embed
        self._found: dict[tuple[str, str], asyncio.Future[list[Existing]]] = {}
        self._warming: list[asyncio.Task] = []
        self._entities_at_start: int | None = None

    async def begin(self, namespace: str) -> None:
        """Note how many entities the namespace holds before the first look-up."""
        self._entities_at_start = await self._store.entity_count(namespace)

    async def refresh(self, namespace: str) -> bool:
        """Forget what was found if the namespace's entities changed since `begin` (another job wrote);
        whether it did. Stops the warm-ups still running: resolution asks for what it needs."""
        if self._entities_at_start is None:
            return False
        if await self._store.entity_count(namespace) == self._entities_at_start:
            return False
        await self.close()
        self._warming.clear()
        self._found = {k: v for k, v in self._found.items() if k[0] != namespace}
        return True

    def warm(self, namespace: str, names: Sequence[str]) -> None:
        """Start embedding and looking up these names; returns at once."""
        if names:
            self._warming.append(asyncio.create_task(self._warm(namespace, list(dict.fromkeys(names)))))

    async def _warm(self, namespace: str, names: list[str]) -> None:
        await self(namespace, list(zip(names, await self._embed(names), strict=True)))

    async def __call__(
        self, namespace: str, probes: Sequence[tuple[str, list[float]]]
    ) -> list[list[Existing]]:
        loop = asyncio.get_running_loop()
        missing = [(n, v) for n, v in dict(probes).items() if (namespace, n) not in self._found]
        for name, _ in missing:
            self._found[(namespace, name)] = loop.create_future()
        if missing:
            try:
                near = await self._store.search.entities_near(namespace, missing)
            except BaseException as exc:
                for name, _ in missing:  # whoever waits on these names gets the error; a later call retries
                    future = self._found.pop((namespace, name))
                    future.set_exception(exc if isinstance(exc, Exception) else asyncio.CancelledError())
                    future.exception()
                raise
            for (name, _), (close, named) in zip(missing, near, strict=True):
                self._found[(namespace, name)].set_result(
                    [Existing(h.id, h.name, EntityType(h.type), h.score) for h in close]
                    + [Existing(h.id, h.name, EntityType(h.type), None) for h in named]
                )
        return [await self._found[(namespace, name)] for name, _ in probes]

    async def close(self) -> None:
        """Stop warm-ups resolution did not need; their errors surfaced where resolution asked."""
        for task in self._warming:
            task.cancel()
        await asyncio.gather(*self._warming, return_exceptions=True)

"""Resolution's look-ups started during extraction: each name embedded once and looked up once, in a
batch per window, on the real graph store; errors reach the caller and a later call tries again."""

from __future__ import annotations

import asyncio
import hashlib
from types import SimpleNamespace

import pytest

from backend.domain import EntityType
from backend.errors import ProviderUnavailable
from backend.ingest.lookahead import EmbedMemo, ExistingLookups
from tests.conftest import TEST_DIM
from tests.support.graph_data import entity

pytestmark = pytest.mark.integration


class CountingEmbedder:
    """A hosted embedder's behaviour (one call per batch, a short wait) with its calls counted."""

    name, provider, dim = "counting", "test", TEST_DIM

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.fail = False

    async def embed(self, texts):
        self.batches.append(list(texts))
        await asyncio.sleep(0.01)
        if self.fail:
            raise ProviderUnavailable("embeddings failed: APIConnectionError")
        return [self.vector(t) for t in texts]

    @staticmethod
    def vector(text: str) -> list[float]:
        raw = [b - 127.5 for b in hashlib.sha256(text.encode()).digest()[:TEST_DIM]]
        norm = sum(v * v for v in raw) ** 0.5
        return [v / norm for v in raw]


async def test_each_text_is_embedded_once_however_many_callers_ask_at_once():
    embedder = CountingEmbedder()
    memo = EmbedMemo(embedder)
    first, second = await asyncio.gather(memo(["Priya", "Atlas"]), memo(["Atlas", "Northwind", "Priya"]))
    assert sorted(t for batch in embedder.batches for t in batch) == ["Atlas", "Northwind", "Priya"]
    assert second[0] == first[1] == CountingEmbedder.vector("Atlas")


async def test_a_failed_embedding_reaches_every_waiter_and_the_next_call_retries():
    embedder = CountingEmbedder()
    embedder.fail = True
    memo = EmbedMemo(embedder)
    results = await asyncio.gather(memo(["Priya"]), memo(["Priya"]), return_exceptions=True)
    assert all(isinstance(r, ProviderUnavailable) for r in results)
    embedder.fail = False
    assert await memo(["Priya"]) == [CountingEmbedder.vector("Priya")]


class CountingSearch:
    """The store's index searches with each `entities_near` call's names counted, and an event set
    when the first call has answered."""

    def __init__(self, search) -> None:
        self._search, self.calls, self.first_answered = search, [], asyncio.Event()

    async def entities_near(self, namespace, probes, **kw):
        self.calls.append([name for name, _ in probes])
        near = await self._search.entities_near(namespace, probes, **kw)
        self.first_answered.set()
        return near


async def test_names_warmed_during_extraction_are_not_looked_up_again(graph_store, namespace):
    northwind = entity(namespace, "Northwind Logistics", EntityType.ORGANIZATION, TEST_DIM, 0)
    await graph_store.upsert_entities([northwind])
    search = CountingSearch(graph_store.search)
    embedder = CountingEmbedder()
    memo = EmbedMemo(embedder)
    lookups = ExistingLookups(SimpleNamespace(search=search), memo)  # the store as resolution sees it
    try:
        lookups.warm(namespace, ["Northwind", "Priya", "Northwind"])  # one window's names
        lookups.warm(namespace, [])
        await asyncio.wait_for(
            search.first_answered.wait(), timeout=60
        )  # while the next window is with the LLM
        names = ["Northwind", "Priya", "Tomás"]
        found = await lookups(namespace, list(zip(names, await memo(names), strict=True)))
    finally:
        await lookups.close()
    assert search.calls == [["Northwind", "Priya"], ["Tomás"]]  # one batch per window, each name once
    named = [[e.id for e in candidates if e.similarity is None] for candidates in found]
    assert named == [[northwind.id], [], []]  # "Northwind" matches in full-text, the others do not
    assert all(e.similarity is not None for e in found[2])  # the nearest vectors are still offered
    assert sorted(t for batch in embedder.batches for t in batch) == names


async def test_names_are_looked_up_again_when_another_job_wrote_meanwhile(graph_store, namespace):
    """A job that extracted while another job of its namespace wrote resolves against what was written."""
    search = CountingSearch(graph_store.search)
    memo = EmbedMemo(CountingEmbedder())
    store = SimpleNamespace(search=search, entity_count=graph_store.entity_count)
    lookups = ExistingLookups(store, memo)
    names = ["Northwind", "Priya"]
    try:
        await lookups.begin(namespace)
        lookups.warm(namespace, names)
        await asyncio.wait_for(search.first_answered.wait(), timeout=60)
        assert not await lookups.refresh(namespace)  # nobody wrote: what was found stands
        northwind = entity(namespace, "Northwind Logistics", EntityType.ORGANIZATION, TEST_DIM, 0)
        await graph_store.upsert_entities([northwind])  # the other job
        assert await lookups.refresh(namespace)
        found = await lookups(namespace, list(zip(names, await memo(names), strict=True)))
    finally:
        await lookups.close()
    assert search.calls == [names, names]
    assert [[e.id for e in candidates if e.similarity is None] for candidates in found] == [
        [northwind.id],
        [],
    ]

"""The graph retriever (retrieve/search.by_graph) on both engines: whose chunks it reads, and when."""

from __future__ import annotations

import pytest

from backend.domain import EntityType
from backend.graph.results import ScoredEntity
from backend.retrieve import search
from tests.conftest import TEST_DIM
from tests.support.graph_data import chunks, entity, mention, related, transcript, unit

pytestmark = pytest.mark.integration


async def _talk(store, ns: str):
    """Alice discussed the remote control (c0); Bob wants one (c1); they met in Berlin (c2)."""
    t = transcript(ns, "design review", "Design review")
    c = chunks(t, ["Alice on the remote.", "Bob wants a remote.", "Bob and Berlin."], TEST_DIM)
    alice = entity(ns, "Alice", EntityType.PERSON, TEST_DIM, 0)
    remote = entity(ns, "remote control", EntityType.CONCEPT, TEST_DIM, 1)
    berlin = entity(ns, "Berlin", EntityType.PLACE, TEST_DIM, 2)
    await store.upsert_transcripts([t])
    await store.upsert_chunks(c)
    await store.upsert_entities([alice, remote, berlin])
    await store.upsert_mentions([mention(alice, c[0]), mention(remote, c[0]), mention(remote, c[1])])
    await store.upsert_mentions([mention(berlin, c[2])])
    await store.upsert_relations([related(alice, remote, "DISCUSSED", c[0])])
    return c, alice, remote


def _seed(e) -> ScoredEntity:
    return ScoredEntity(id=e.id, name=e.name, type=e.type, mention_count=1, score=1.0)


async def test_a_neighbours_chunks_follow_the_seeds_and_are_read_only_when_needed(
    graph_store, namespace, monkeypatch
):
    c, alice, remote = await _talk(graph_store, namespace)
    read: list[list[str]] = []
    chunks_mentioning = graph_store.chunks_mentioning

    async def counted(ns, ids, vector, k=10):
        read.append(sorted(ids))
        return await chunks_mentioning(ns, ids, vector, k)

    monkeypatch.setattr(graph_store, "chunks_mentioning", counted)

    def ask(pool: int) -> search.Ask:
        return search.Ask(namespace=namespace, text="the remote", vector=unit(TEST_DIM, 1), pool=pool)

    found, around = await search.by_graph(graph_store, ask(3), [_seed(alice)], hubs=10)
    assert [x.id for x in found] == [c[0].id, c[1].id]  # Alice's chunk, then the remote's other one
    assert read == [[alice.id], [remote.id]]
    assert {n.id for n in around.nodes} == {alice.id, remote.id}
    assert [(e.source, e.target) for e in around.edges] == [(alice.id, remote.id)]

    read.clear()  # Alice's one chunk fills a pool of one: the remote's are not read
    found, around = await search.by_graph(graph_store, ask(1), [_seed(alice)], hubs=10)
    assert [x.id for x in found] == [c[0].id]
    assert read == [[alice.id]]
    assert {n.id for n in around.nodes} == {alice.id, remote.id}  # the answer's graph is whole

    read.clear()  # the remote in 2 chunks is a hub when 1 is the most: a seed of the view, not read
    found, _ = await search.by_graph(graph_store, ask(3), [_seed(alice)], hubs=1)
    assert [x.id for x in found] == [c[0].id]
    assert read == [[alice.id]]


async def test_neighbourhood_edges_say_how_often_each_end_is_mentioned(graph_store, namespace):
    _, alice, remote = await _talk(graph_store, namespace)
    edges, mentions = await graph_store.neighbourhood_edges(namespace, [alice.id], hops=1)
    assert [(e.source, e.target, e.type) for e in edges] == [(alice.id, remote.id, "DISCUSSED")]
    assert mentions == {alice.id: 1, remote.id: 2}


def test_hubs_grow_with_the_namespace_between_a_floor_and_a_ceiling():
    assert search.hub_limit(100) == search.HUB_FLOOR  # a small namespace has no hubs
    assert search.hub_limit(5_000) == 100  # 2 % of its chunks
    assert search.hub_limit(25_863) == search.HUB_CEILING  # the 197 QMSum meetings: not 517
    assert search.hub_limit(1_000_000) == search.HUB_CEILING

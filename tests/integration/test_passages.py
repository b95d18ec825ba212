"""Lexical search over passages in the engines' own indexes (Neo4j's Lucene, FalkorDB's SQLite FTS5),
run on both: BM25 finds the passage with the question's words whatever their endings and accents,
a write is searchable at once and a delete forgets, namespaces never see each other's, and a graph
written before passages were indexed is indexed when it is opened."""

from __future__ import annotations

import pytest

from backend.domain import Chunk
from backend.retrieve.lexical import search_text
from tests.conftest import TEST_DIM
from tests.support.graph_data import chunks, transcript

pytestmark = pytest.mark.integration

MEETING = [
    "Ann: Welcome everyone, let us start.",
    "Ann: The battery lasts two days on the prototype remote.",
    "Ann: Batteries are expensive, so we chose a kinetic charger.",
    "Ann: Next week we present the case design.",
]
OTHER = ["Ben: Mm - hmm.", "Ben: The budget for the university estates is fixed, Tomás said."]


async def write(store, namespace: str) -> tuple[list[Chunk], list[Chunk]]:
    a, b = transcript(namespace, "meeting a", "A"), transcript(namespace, "meeting b", "B")
    await store.upsert_transcripts([a, b])
    first, second = chunks(a, MEETING, TEST_DIM), chunks(b, OTHER, TEST_DIM)
    await store.upsert_chunks(first + second)
    return first, second


async def search(store, namespace: str, question: str, k: int = 6, **kw):
    return await store.search.fulltext_search_chunks(namespace, search_text(question), k=k, **kw)


async def test_bm25_finds_the_passage_with_the_words_whatever_their_endings(graph_store, namespace):
    a, _ = await write(graph_store, namespace)
    hits = await search(graph_store, namespace, "What did they decide about the batteries?")
    # a-0's passage holds "battery" only through its neighbour a-1; a-1's and a-2's hold both forms
    assert {h.id for h in hits} == {c.id for c in a}
    assert {h.id for h in hits[:2]} == {a[1].id, a[2].id}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].title == "A" and hits[0].text.startswith("Ann: ")  # the chunk, read from the graph
    assert await search(graph_store, namespace, "the of what") == []  # stop words only: no query


async def test_names_are_found_with_or_without_their_accents(graph_store, namespace):
    _, b = await write(graph_store, namespace)
    for name in ("Tomás", "Tomas", "tomas", "Estates"):  # said in b-1, so in b-0's passage too
        assert {h.id for h in await search(graph_store, namespace, name)} == {b[0].id, b[1].id}, name
    assert await search(graph_store, namespace, "Rotterdam") == []


async def test_a_question_is_searched_by_what_it_is_about_not_how_it_asks(graph_store, namespace):
    t = transcript(namespace, "talk", "Talk")
    await graph_store.upsert_transcripts([t])
    said = ["Let us summarize what we said. Good discussion, I think.", "Mm - hmm.", "Yeah.", "Okay."]
    talk = chunks(t, [*said, "Right.", "The kinetic battery is cheaper than the solar cell."], TEST_DIM)
    await graph_store.upsert_chunks(talk)
    question = "Summarize the discussion about the battery. What did they think?"
    # "summarize", "discussion", "think" only frame the question: the battery's passages are found
    assert {h.id for h in await search(graph_store, namespace, question)} == {talk[4].id, talk[5].id}
    assert await search(graph_store, namespace, "What did they discuss?") == []


async def test_within_transcripts_ranks_only_their_chunks(graph_store, namespace):
    a, b = await write(graph_store, namespace)
    everywhere = await search(graph_store, namespace, "the budget for the battery")
    assert {h.transcript_id for h in everywhere} == {a[0].transcript_id, b[0].transcript_id}
    within = await search(
        graph_store, namespace, "the budget for the battery", transcripts=[b[0].transcript_id]
    )
    assert {h.transcript_id for h in within} == {b[0].transcript_id}
    assert await search(graph_store, namespace, "battery", transcripts=["tr_nowhere"]) == []


async def test_a_new_meeting_is_searchable_at_once_and_a_deleted_one_is_not(graph_store, namespace):
    await write(graph_store, namespace)
    t = transcript(namespace, "budget review", "Budget")
    await graph_store.upsert_transcripts([t])
    [new] = chunks(t, ["The kinetic charger doubles the budget."], TEST_DIM)
    await graph_store.upsert_chunks([new])
    await graph_store.upsert_chunks([new])  # written again: still one passage
    assert [h.id for h in await search(graph_store, namespace, "kinetic charger budget", k=1)] == [new.id]
    assert [h.id for h in await search(graph_store, namespace, "doubles")] == [new.id]
    assert await search(graph_store, "elsewhere" + namespace, "kinetic charger") == []  # other tenants
    await graph_store.delete_transcript(namespace, t.id)
    assert await search(graph_store, namespace, "doubles") == []


async def test_a_graph_written_before_passages_were_indexed_is_indexed_when_opened(graph_store, namespace):
    a, _ = await write(graph_store, namespace)
    if graph_store.system == "neo4j":
        await graph_store.run(
            "forget", "MATCH (c:Chunk) WHERE c.namespace = $ns REMOVE c.passage_text", {"ns": namespace}
        )
    else:
        graph_store.passages._execute("DELETE FROM passages")
        graph_store.passages._backfill_after = None
    assert await search(graph_store, namespace, "kinetic charger") == []
    await graph_store.setup_schema()
    assert a[2].id in {h.id for h in await search(graph_store, namespace, "kinetic charger")}


async def test_the_chunks_around_hits_are_their_neighbours_within_four_places(graph_store, namespace):
    t, other = transcript(namespace, "long", "Long"), transcript(namespace, "other", "Other")
    await graph_store.upsert_transcripts([t, other])
    long, elsewhere = (
        chunks(t, [f"Ann: part {i}." for i in range(12)], TEST_DIM),
        chunks(other, ["Ben: hi."], TEST_DIM),
    )
    await graph_store.upsert_chunks(long + elsewhere)
    around = await graph_store.chunks_around(namespace, [long[0].id, long[8].id])
    assert sorted(c.index for c in around) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]  # 0..4 and 4..11
    around = await graph_store.chunks_around(namespace, [long[6].id])
    assert sorted(c.index for c in around) == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert {c.transcript_id for c in around} == {t.id} and around[0].title == "Long"
    assert await graph_store.chunks_around("elsewhere" + namespace, [long[6].id]) == []

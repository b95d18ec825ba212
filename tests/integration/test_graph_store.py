"""GraphStore behaviour, run on both engines: the embedded FalkorDB and a real Neo4j."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from backend.domain import Chunk, Entity, EntityType, Transcript
from backend.errors import Forbidden, InvalidInput, QueryFailed, QueryTimeout, ReadOnlyViolation
from backend.graph.console import run_read_only
from tests.conftest import TEST_DIM
from tests.support.graph_data import chunks, entity, mention, related, transcript, unit

pytestmark = pytest.mark.integration


@dataclass
class Meeting:
    t1: Transcript
    t2: Transcript
    c: list[Chunk]
    d: list[Chunk]
    alice: Entity
    bob: Entity
    acme: Entity
    berlin: Entity
    remote: Entity


async def seed(store, ns: str, dim: int = TEST_DIM) -> Meeting:
    t1 = transcript(ns, "design meeting", "Design kick-off")
    t2 = transcript(ns, "office news", "Office news")
    c = chunks(
        t1,
        [
            "Alice said the battery of the remote control lasts a week.",
            "Bob from Acme Corp wants a cheaper remote control.",
            "They met in Berlin to discuss the launch.",
        ],
        dim,
    )
    d = chunks(t2, ["ACME corp opened an office in Berlin."], dim)
    for x in d:
        x.embedding = unit(dim, 7)
    alice = entity(ns, "Alice", EntityType.PERSON, dim, 0)
    bob = entity(ns, "Bob", EntityType.PERSON, dim, 1)
    acme = entity(ns, "Acme Corp", EntityType.ORGANIZATION, dim, 2, aliases=["ACME corp"])
    berlin = entity(ns, "Berlin", EntityType.PLACE, dim, 3)
    remote = entity(ns, "remote control", EntityType.CONCEPT, dim, 4)
    await store.upsert_transcripts([t1, t2])
    await store.upsert_chunks(c + d)
    await store.upsert_entities([alice, bob, acme, berlin, remote])
    await store.upsert_mentions(
        [
            mention(alice, c[0]),
            mention(remote, c[0]),
            mention(remote, c[1]),
            mention(bob, c[1]),
            mention(acme, c[1]),
            mention(berlin, c[2]),
            mention(bob, c[2]),
            mention(acme, d[0]),
            mention(berlin, d[0]),
        ]
    )
    await store.upsert_relations(
        [
            related(alice, remote, "DISCUSSED", c[0]),
            related(bob, remote, "WANTS", c[1]),
            related(bob, acme, "WORKS_FOR", c[1]),
            related(bob, berlin, "VISITED", c[2]),
            related(acme, berlin, "LOCATED_IN", d[0]),
        ]
    )
    return Meeting(t1, t2, c, d, alice, bob, acme, berlin, remote)


async def test_schema_setup_is_idempotent(graph_store):
    await graph_store.setup_schema()
    await graph_store.setup_schema()
    assert await graph_store.ping()


# The full-text index on chunk text that each engine kept before passages were searched elsewhere,
# how to make it, and how to list the full-text indexes on chunks.
RETIRED = {
    "falkordb": (
        "CALL db.idx.fulltext.createNodeIndex('Chunk', 'text')",
        "CALL db.indexes() YIELD label, types WITH label, types WHERE label = 'Chunk' "
        "UNWIND keys(types) AS property WITH property, types[property] AS kinds "
        "WHERE 'FULLTEXT' IN kinds RETURN collect(property) AS properties",
    ),
    "neo4j": (
        "CREATE FULLTEXT INDEX chunk_text IF NOT EXISTS FOR (n:Chunk) ON EACH [n.text]",
        "SHOW FULLTEXT INDEXES YIELD labelsOrTypes, properties WHERE 'Chunk' IN labelsOrTypes "
        "RETURN properties",
    ),
}


async def test_schema_setup_drops_the_retired_chunk_text_index(graph_store):
    """A graph made before passages were kept had every chunk's text in a full-text index that nothing
    reads any more; each write kept it current for nothing."""
    engine = "neo4j" if graph_store.cypher.__name__.endswith("neo4j_cypher") else "falkordb"
    make, listing = RETIRED[engine]
    await graph_store.runner.apply_schema([make], ())

    async def indexed() -> set[str]:
        rows = (await graph_store.run("list", listing, {}, read_only=True)).rows
        return {name for row in rows for name in row["properties"]}

    assert "text" in await indexed()
    await graph_store.setup_schema()
    assert "text" not in await indexed()


async def test_upserts_build_the_graph_and_reingesting_changes_nothing(graph_store, namespace):
    m = await seed(graph_store, namespace)
    first = await graph_store.stats(namespace)
    assert first.model_dump() == {
        "transcripts": 2,
        "chunks": 4,
        "entities": 5,
        "relations": 5,
        "entities_by_type": {"Person": 2, "Organization": 1, "Place": 1, "Concept": 1},
    }
    await seed(graph_store, namespace)
    assert await graph_store.stats(namespace) == first
    # counts are derived from MENTIONED_IN edges, so the second ingest did not inflate them
    [acme] = await graph_store.get_entities(namespace, [m.acme.id])
    assert acme.mention_count == 2
    assert acme.aliases == ["ACME corp"]


async def test_entities_merge_aliases_and_keep_first_description(graph_store, namespace):
    first = entity(namespace, "Acme Corp", EntityType.ORGANIZATION, TEST_DIM, 2, aliases=["ACME"])
    first.description = "maker of remote controls"
    again = first.model_copy(update={"aliases": ["Acme Corporation", "ACME"], "description": "other"})
    await graph_store.upsert_entities([first])
    await graph_store.upsert_entities([again])
    [stored] = await graph_store.get_entities(namespace, [first.id])
    assert stored.aliases == ["ACME", "Acme Corporation"]
    assert stored.description == "maker of remote controls"
    # aliases are searchable as well as the name
    hits = await graph_store.search.fulltext_search_entities(namespace, "corporation", k=5)
    assert [h.id for h in hits] == [first.id]


async def test_relation_evidence_accumulates_without_duplicates(graph_store, namespace):
    m = await seed(graph_store, namespace)
    await graph_store.upsert_relations([related(m.bob, m.acme, "WORKS_FOR", m.c[1], m.c[2])])
    graph = await graph_store.neighbourhood(namespace, [m.acme.id], hops=1)
    [works_for] = [e for e in graph.edges if e.type == "WORKS_FOR"]
    assert sorted(works_for.evidence_chunk_ids) == sorted([m.c[1].id, m.c[2].id])
    assert works_for.weight == 2


async def test_chunks_mentioning_rank_most_entities_then_nearest_the_question(graph_store, namespace):
    m = await seed(graph_store, namespace)
    ids = [m.bob.id, m.berlin.id]  # both in c[2]; Bob alone in c[1], Berlin alone in d[0]

    async def order(axis: int) -> list[str]:
        found = await graph_store.chunks_mentioning(namespace, ids, unit(TEST_DIM, axis), k=10)
        return [c.id for c in found]

    assert await order(7) == [m.c[2].id, m.d[0].id, m.c[1].id]  # the question near d[0]'s meaning
    assert await order(1) == [m.c[2].id, m.c[1].id, m.d[0].id]  # near c[1]'s
    found = await graph_store.chunks_mentioning(namespace, ids, unit(TEST_DIM, 1), k=1)
    assert [c.id for c in found] == [m.c[2].id]
    with pytest.raises(InvalidInput):
        await graph_store.chunks_mentioning(namespace, ids, [1.0, 0.0], k=3)


async def test_vector_search_returns_similarities_nearest_first(graph_store, namespace):
    m = await seed(graph_store, namespace)
    hits = await graph_store.search.vector_search_chunks(namespace, unit(TEST_DIM, 1), k=3)
    assert hits[0].id == m.c[1].id
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].title == "Design kick-off"
    assert (hits[0].turn_start, hits[0].turn_end, hits[0].speakers) == (2, 3, ["Bob"])
    opposite = await graph_store.search.vector_search_entities(namespace, unit(TEST_DIM, 3, -1.0), k=5)
    berlin = next(h for h in opposite if h.id == m.berlin.id)
    assert berlin.score == pytest.approx(0.0, abs=1e-4)  # opposite direction: similarity 0


async def test_vector_search_within_transcripts_keeps_only_theirs(graph_store, namespace):
    m = await seed(graph_store, namespace)
    search = graph_store.search
    office = m.d[0].transcript_id
    everywhere = await search.vector_search_chunks(namespace, unit(TEST_DIM, 1), k=4)
    assert {h.transcript_id for h in everywhere} == {m.c[0].transcript_id, office}
    within = await search.vector_search_chunks(namespace, unit(TEST_DIM, 1), k=4, transcripts=[office])
    assert [h.id for h in within] == [m.d[0].id]  # the far one, now the only one
    assert within[0].title == "Office news"
    # asked from another namespace, the same transcript id holds nothing of this one's
    other = namespace + "-other"
    assert await search.vector_search_chunks(other, unit(TEST_DIM, 1), k=4, transcripts=[office]) == []


async def test_vector_search_rejects_wrong_dimensions(graph_store, namespace):
    with pytest.raises(InvalidInput, match="dimensions"):
        await graph_store.search.vector_search_chunks(namespace, [1.0, 0.0], k=3)


async def test_fulltext_search_survives_punctuation_and_operators(graph_store, namespace):
    m = await seed(graph_store, namespace)
    hits = await graph_store.search.fulltext_search_chunks(
        namespace, "What's -the @battery | life?* (remote)", k=5
    )
    assert hits[0].id == m.c[0].id  # the battery's own chunk; its neighbour's passage holds it too
    assert m.d[0].id not in [h.id for h in hits]  # shares only the stop word "the"
    battery = await graph_store.search.fulltext_search_chunks(namespace, "battery?", k=5)
    assert [h.id for h in battery] == [m.c[0].id, m.c[1].id]  # its chunk, then its neighbour's passage
    assert await graph_store.search.fulltext_search_chunks(namespace, "?! what is the", k=5) == []


async def test_neighbourhood_grows_with_hops(graph_store, namespace):
    m = await seed(graph_store, namespace)
    one = await graph_store.neighbourhood(namespace, [m.alice.id], hops=1)
    assert {n.name for n in one.nodes} == {"Alice", "remote control"}
    two = await graph_store.neighbourhood(namespace, [m.alice.id], hops=2)
    assert {n.name for n in two.nodes} == {"Alice", "remote control", "Bob"}
    three = await graph_store.neighbourhood(namespace, [m.alice.id], hops=3)
    assert {n.name for n in three.nodes} == {"Alice", "remote control", "Bob", "Acme Corp", "Berlin"}
    with pytest.raises(InvalidInput):
        await graph_store.neighbourhood(namespace, [m.alice.id], hops=4)


async def test_talk_never_crowds_real_relations_out_of_a_neighbourhood(graph_store, namespace):
    speaker = entity(namespace, "Lena Fischer", EntityType.PERSON, TEST_DIM, 0)
    export = entity(namespace, "sap export", EntityType.CONCEPT, TEST_DIM, 1)
    topics = [entity(namespace, f"topic {i}", EntityType.CONCEPT, TEST_DIM, 2 + i % 6) for i in range(30)]
    await graph_store.upsert_entities([speaker, export, *topics])
    await graph_store.upsert_relations(
        [related(speaker, t, "TALKED_ABOUT") for t in topics] + [related(speaker, export, "BUILD")]
    )
    view = await graph_store.neighbourhood(namespace, [speaker.id], hops=1, path_limit=10)
    assert "BUILD" in {e.type for e in view.edges}
    assert len(view.edges) <= 11  # the limit still bounds the talk


async def test_shortest_path_follows_edges_in_either_direction(graph_store, namespace):
    m = await seed(graph_store, namespace)
    path = await graph_store.shortest_path(namespace, m.alice.id, m.acme.id)
    assert [e.type for e in path.edges] == ["DISCUSSED", "WANTS", "WORKS_FOR"]
    assert {n.name for n in path.nodes} == {"Alice", "remote control", "Bob", "Acme Corp"}
    lonely = entity(namespace, "Nobody", EntityType.PERSON, TEST_DIM, 5)
    await graph_store.upsert_entities([lonely])
    assert (await graph_store.shortest_path(namespace, m.alice.id, lonely.id)).edges == []


async def test_delete_transcript_removes_its_chunks_evidence_and_orphans(graph_store, namespace):
    m = await seed(graph_store, namespace)
    result = await graph_store.delete_transcript(namespace, m.t1.id)
    assert result.transcript_deleted and result.chunks_deleted == 3
    assert result.entities_deleted == 3  # Alice, Bob and the remote control were only in the first meeting
    stats = await graph_store.stats(namespace)
    assert (stats.transcripts, stats.chunks, stats.entities, stats.relations) == (1, 1, 2, 1)
    acme, berlin = await graph_store.get_entities(namespace, [m.acme.id, m.berlin.id])
    assert (acme.mention_count, berlin.mention_count) == (1, 1)
    assert await graph_store.get_transcript(namespace, m.t1.id) is None
    again = await graph_store.delete_transcript(namespace, m.t1.id)
    assert not again.transcript_deleted and again.chunks_deleted == 0


async def test_delete_prunes_evidence_but_keeps_relations_with_other_evidence(graph_store, namespace):
    m = await seed(graph_store, namespace)
    await graph_store.upsert_relations([related(m.acme, m.berlin, "LOCATED_IN", m.c[2])])
    await graph_store.delete_transcript(namespace, m.t2.id)
    graph = await graph_store.neighbourhood(namespace, [m.acme.id], hops=1)
    [located] = [e for e in graph.edges if e.type == "LOCATED_IN"]
    assert located.evidence_chunk_ids == [m.c[2].id] and located.weight == 1


async def test_namespaces_never_see_each_other(graph_store, namespace):
    other = namespace + "-other"
    m = await seed(graph_store, namespace)
    assert (await graph_store.stats(other)).entities == 0
    assert await graph_store.search.vector_search_chunks(other, unit(TEST_DIM, 1), k=5) == []
    assert await graph_store.search.fulltext_search_chunks(other, "battery remote", k=5) == []
    assert await graph_store.get_entities(other, [m.alice.id]) == []
    assert (await graph_store.neighbourhood(other, [m.alice.id], hops=2)).edges == []
    assert (await graph_store.shortest_path(other, m.alice.id, m.acme.id)).edges == []
    assert not (await graph_store.delete_transcript(other, m.t1.id)).transcript_deleted
    assert (await graph_store.stats(namespace)).transcripts == 2


WRITES = [
    "CREATE (:Entity {namespace: $ns, name: 'Mallory'})",
    "MERGE (:Entity {namespace: $ns, name: 'Mallory'})",
    "MATCH (e:Entity {namespace: $ns}) SET e.name = 'Mallory'",
    "MATCH (e:Entity {namespace: $ns}) DELETE e",
    "MATCH (e:Entity {namespace: $ns}) DETACH DELETE e",
    "MATCH (e:Entity {namespace: $ns}) REMOVE e.name",
    "MATCH (e:Entity {namespace: $ns}) WITH e LIMIT 1 CREATE (e)-[:RELATED]->(e)",
]
WRITE_PROCEDURES = {
    "falkordb": "CALL db.idx.fulltext.createNodeIndex('Mallory', 'name')",
    "neo4j": "CALL db.createLabel('Mallory')",
}


@pytest.mark.parametrize("statement", WRITES, ids=lambda s: s.split()[0] + "-" + s.split()[-3])
async def test_read_only_console_refuses_writes(graph_store, namespace, statement):
    await seed(graph_store, namespace)
    before = await graph_store.stats(namespace)
    with pytest.raises(ReadOnlyViolation):
        await run_read_only(graph_store, statement, {"ns": namespace})
    assert await graph_store.stats(namespace) == before


async def test_read_only_console_refuses_write_procedures(graph_store):
    with pytest.raises(ReadOnlyViolation):
        await run_read_only(graph_store, WRITE_PROCEDURES[graph_store.system])


async def test_read_only_console_refuses_load_csv(graph_store):
    with pytest.raises(Forbidden, match="LOAD CSV"):
        await run_read_only(graph_store, "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row")


async def test_read_only_console_reads_with_a_row_limit(graph_store, namespace):
    await seed(graph_store, namespace)
    result = await run_read_only(
        graph_store,
        "MATCH (c:Chunk) WHERE c.namespace = $ns RETURN c.index AS i, c ORDER BY i",
        {"ns": namespace},
        limit=2,
    )
    assert result.columns == ["i", "c"] and result.truncated
    assert [row[0] for row in result.rows] == [0, 0]  # two transcripts each have a chunk 0
    assert result.rows[0][1]["embedding"] == f"<vector[{TEST_DIM}]>"


async def test_read_only_console_reports_bad_cypher_as_the_callers(graph_store):
    with pytest.raises(QueryFailed):
        await run_read_only(graph_store, "MATCH (n RETURN n")


async def test_read_only_console_stops_slow_queries(graph_store):
    with pytest.raises(QueryTimeout):
        await run_read_only(
            graph_store,
            "UNWIND range(1, 10000) AS a UNWIND range(1, 10000) AS b WITH a WHERE (a + b) % 7 = 0 "
            "RETURN count(a)",
            timeout_ms=100,
        )


@pytest.mark.parametrize(
    "name",
    ['O\'Brien "the \\ fixer"', '"}) MATCH (n) DETACH DELETE n //', "Zoë 東京 \n tab\there", "x" * 2000],
    ids=["quotes", "injection", "unicode", "long"],
)
async def test_values_travel_as_parameters_never_as_cypher(graph_store, namespace, name):
    await seed(graph_store, namespace)
    before = await graph_store.stats(namespace)
    odd = entity(namespace, name, EntityType.PERSON, TEST_DIM, 6, aliases=[name + "'s"])
    await graph_store.upsert_entities([odd])
    [stored] = await graph_store.get_entities(namespace, [odd.id])
    assert stored.name == name and stored.aliases == [name + "'s"]
    after = await graph_store.stats(namespace)
    assert after.entities == before.entities + 1 and after.chunks == before.chunks


async def test_vector_search_finds_a_small_namespace_among_crowded_neighbours(graph_store, namespace):
    crowd = [entity(namespace + "-crowd", f"crowd {i}", EntityType.CONCEPT, TEST_DIM, 0) for i in range(80)]
    mine = entity(namespace, "mine", EntityType.CONCEPT, TEST_DIM, 1)
    mine.embedding = [0.6, 0.8] + [0.0] * (TEST_DIM - 2)  # further from the query than every crowd vector
    await graph_store.upsert_entities([*crowd, mine])
    hits = await graph_store.search.vector_search_entities(namespace, unit(TEST_DIM, 0), k=3)
    assert [h.name for h in hits] == ["mine"]
    assert hits[0].score == pytest.approx((1 + 0.6) / 2, abs=1e-4)


async def test_entities_near_answers_many_names_as_one_name_searches_would(graph_store, namespace):
    m = await seed(graph_store, namespace)
    crowd = [
        entity(namespace + "-crowd", f"Acme crowd {i}", EntityType.CONCEPT, TEST_DIM, 2) for i in range(40)
    ]
    await graph_store.upsert_entities(crowd)  # other tenants' near-identical vectors and names
    probes = [("ACME", unit(TEST_DIM, 2)), ("Berlin office", unit(TEST_DIM, 3)), ("?!", unit(TEST_DIM, 9))]
    near = await graph_store.search.entities_near(namespace, probes, k_vector=3, k_text=5)
    assert len(near) == len(probes)
    for (name, vector), (close, named) in zip(probes, near, strict=True):
        one_close = await graph_store.search.vector_search_entities(namespace, vector, k=3)
        one_named = await graph_store.search.fulltext_search_entities(namespace, name, k=5)
        assert [(h.id, round(h.score, 4)) for h in close] == [(h.id, round(h.score, 4)) for h in one_close]
        assert sorted(h.id for h in named) == sorted(h.id for h in one_named)
    (acme_close, acme_named), (berlin_close, _), (_, nothing_named) = near
    assert acme_close[0].id == m.acme.id and acme_close[0].score == pytest.approx(1.0, abs=1e-4)
    assert [h.id for h in acme_named] == [m.acme.id]  # the crowd's "Acme" names are another namespace's
    assert berlin_close[0].id == m.berlin.id
    assert nothing_named == []  # no searchable words: no full-text query sent
    assert await graph_store.search.entities_near(namespace, []) == []

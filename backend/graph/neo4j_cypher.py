"""The Cypher that is Neo4j 5's own. Same names as `falkordb_cypher.py`; statements both accept come
from the shared modules (`cypher_shared` for reads, `cypher_writes`, `cypher_deletes`, `cypher_records`)
and are re-exported here. Every statement this module names is checked offline by Neo4j's own linter
(tests/integration/test_neo4j_cypher_lint.py). Neo4j's cosine vector scores are already similarities
in [0,1], so they are returned as they are.
"""

from __future__ import annotations

from .cypher_deletes import (  # noqa: F401  (re-exported, as below)
    DELETE_CHUNKS,
    DELETE_ORPHAN_ENTITIES,
    DELETE_TRANSCRIPT,
    ENTITIES_MENTIONED_IN,
    PRUNE_RELATION_EVIDENCE,
    TRANSCRIPT_CHUNK_IDS,
)
from .cypher_passages import *  # noqa: F403  (re-exported whole: its __all__ is both dialects')
from .cypher_records import (  # noqa: F401  (re-exported, as below)
    BUMP_CHUNK_VERSION,
    CHUNK_VERSION,
    COUNT_ALL_CHUNKS,
    GET_EMBEDDERS,
    SET_EMBEDDERS,
    TRANSCRIPTS_PER_NAMESPACE,
)
from .cypher_shared import (  # noqa: F401  (re-exported: the store reads every name from the dialect)
    COUNT_CHUNKS,
    COUNT_ENTITIES,
    COUNT_RELATIONS,
    COUNT_TRANSCRIPTS,
    ENTITIES_BY_TYPE,
    ENTITY_MENTIONS,
    GET_ENTITIES,
    GET_TRANSCRIPT,
    HOPS,
    KNOWN_NAMES,
    LIST_ENTITIES,
    LIST_TRANSCRIPTS,
    MAX_PATH_HOPS,
    PING,
    UNIQUE_KEYS,
    chunk_search,
    chunks_mentioning,
    entity_probes,
    entity_search,
    neighbourhood,
    path_edges,
    query_terms,
)
from .cypher_writes import (  # noqa: F401  (re-exported, as above)
    LINK_NEXT_CHUNKS,
    REFRESH_MENTION_COUNTS,
    UPSERT_MENTIONS,
    UPSERT_RELATIONS,
    UPSERT_TRANSCRIPTS,
    upsert_statements,
)

DIALECT = "neo4j"

RANGE_INDEXES = (
    ("Transcript", "namespace"),
    ("Chunk", "namespace"),
    ("Chunk", "transcript_id"),
    ("Entity", "namespace"),
)


def schema_statements(embedding_dim: int) -> list[str]:
    dim = int(embedding_dim)  # an int from Settings, validated there; DDL cannot take parameters
    statements = [
        f"CREATE CONSTRAINT {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE"
        for label, prop in UNIQUE_KEYS
    ]
    statements += [
        f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
        for label, prop in RANGE_INDEXES
    ]
    # Unquantised: Neo4j's default int8 index reports every negative cosine as 0.5 (measured), and its
    # scores then differ from the exact scan's (`vector.similarity.cosine`) that backs it up below.
    statements += [
        f"CREATE VECTOR INDEX {label.lower()}_embedding IF NOT EXISTS FOR (n:{label}) ON n.embedding "
        f"OPTIONS {{indexConfig: {{`vector.dimensions`: {dim}, `vector.similarity_function`: 'cosine', "
        "`vector.quantization.enabled`: false}}"
        for label in ("Chunk", "Entity")
    ]
    # Passages under Lucene's BM25, English stemming ("batteries" finds "battery"), accents folded
    # before they are written ("Tomas" finds "Tomás"); the namespace's key beside them lets the index
    # keep one namespace's hits (graph/passage_index.py). Why this analyzer: docs/architecture.md.
    statements += [
        "CREATE FULLTEXT INDEX chunk_passage IF NOT EXISTS FOR (n:Chunk) ON EACH [n.passage_text, n.ns_key] "
        "OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}",
        "CREATE FULLTEXT INDEX entity_search_text IF NOT EXISTS FOR (n:Entity) ON EACH [n.search_text]",
        "DROP INDEX chunk_text IF EXISTS",  # chunk text alone, searched before passages were kept
    ]
    return statements


UPSERT_CHUNKS, UPSERT_ENTITIES = upsert_statements(
    "coalesce(r.embedding, {node}.embedding)", "coalesce({node}.embedding, r.embedding)"
)
# A job writes its chunks' vectors after the rest of its graph (ingest/pipeline.py).
SET_CHUNK_EMBEDDINGS = """
UNWIND $rows AS r
MATCH (c:Chunk {id: r.id})
SET c.embedding = r.embedding
"""

_VECTOR_CALL = """CALL db.index.vector.queryNodes('{index}', $fetch, $vector) YIELD node, score
WITH node AS {var}, score"""
_FULLTEXT_CALL = """CALL db.index.fulltext.queryNodes('{index}', $query) YIELD node, score
WITH node AS {var}, score"""

VECTOR_SEARCH_CHUNKS = chunk_search(_VECTOR_CALL.format(index="chunk_embedding", var="c"))
VECTOR_SEARCH_ENTITIES = entity_search(_VECTOR_CALL.format(index="entity_embedding", var="e"))
FULLTEXT_SEARCH_ENTITIES = entity_search(_FULLTEXT_CALL.format(index="entity_search_text", var="e"))

SET_PASSAGES = """
UNWIND $rows AS r
MATCH (c:Chunk {id: r.id})
SET c.passage_text = r.passage, c.ns_key = r.ns_key
"""
UNINDEXED_CHUNK_IDS = "MATCH (c:Chunk) WHERE c.passage_text IS NULL RETURN c.id AS id LIMIT $limit"
# The index stops at $fetch hits of the namespace (the query names its key); the WHERE is the
# namespace rule every statement keeps.
SEARCH_PASSAGES = chunk_search(
    """CALL db.index.fulltext.queryNodes('chunk_passage', $query, {limit: $fetch}) YIELD node, score
WITH node AS c, score WHERE size($transcripts) = 0 OR c.transcript_id IN $transcripts
WITH c, score"""
)


def passage_query(namespace_key: str, terms: list[str]) -> str:
    """Lucene query syntax: the namespace's key, and any of the terms (words only: lower-case letters
    and digits, which the parser cannot read as syntax)."""
    return f"+ns_key:{namespace_key} +passage_text:({' '.join(terms)})"


# Exact search inside one namespace: the fallback when the shared index's nearest neighbours are
# mostly other tenants'.
_SCAN = """MATCH ({var}:{label}) WHERE {var}.namespace = $namespace AND {var}.embedding IS NOT NULL
WITH {var}, vector.similarity.cosine({var}.embedding, $vector) AS score"""
VECTOR_SCAN_CHUNKS = chunk_search(_SCAN.format(label="Chunk", var="c"))
VECTOR_SCAN_ENTITIES = entity_search(_SCAN.format(label="Entity", var="e"))
# Exact search inside chosen transcripts of a namespace (a question asked about some meetings).
VECTOR_SCAN_CHUNKS_IN = chunk_search("""MATCH (c:Chunk) WHERE c.namespace = $namespace
AND c.transcript_id IN $transcripts AND c.embedding IS NOT NULL
WITH c, vector.similarity.cosine(c.embedding, $vector) AS score""")

# The graph retriever's chunks, nearest the question first among equals.
CHUNKS_MENTIONING = chunks_mentioning("vector.similarity.cosine(c.embedding, $vector)")

# The same three searches for many entity names at once (entity resolution during ingest).
VECTOR_PROBE_ENTITIES = entity_probes("""
CALL db.index.vector.queryNodes('entity_embedding', $fetch, p.vector) YIELD node, score
WITH p, node AS e, score""")
VECTOR_SCAN_PROBE_ENTITIES = entity_probes("""
MATCH (e:Entity) WHERE e.namespace = $namespace AND e.embedding IS NOT NULL
WITH p, e, vector.similarity.cosine(e.embedding, p.vector) AS score""")
FULLTEXT_PROBE_ENTITIES = entity_probes("""
CALL db.index.fulltext.queryNodes('entity_search_text', p.query) YIELD node, score
WITH p, node AS e, score""")

# Variable-length bounds cannot be parameters; $max_hops is checked so both dialects take the same params.
SHORTEST_PATH = path_edges(
    "WITH a0, b0 WHERE $max_hops >= 1\nMATCH path = shortestPath((a0)-[:RELATED*..6]-(b0))"
)


# Lucene query syntax: our words only, ORed, so a question never reaches the parser as syntax.
def fulltext_query(text: str) -> str:
    return " OR ".join(query_terms(text))

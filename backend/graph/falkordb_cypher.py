"""The Cypher that is FalkorDB's own. `neo4j_cypher.py` has the same names for Neo4j; statements both
accept come from the shared modules (`cypher_shared` for reads, `cypher_writes`, `cypher_deletes`,
`cypher_records`) and are re-exported here, so this module names every statement.

FalkorDB differences that shape these statements (measured): vector scores are cosine *distances*
(we return 1 - d/2, the same [0,1] similarity Neo4j reports); no `IF NOT EXISTS` or named indexes
(re-running DDL raises "already indexed", which the runner ignores); unique constraints are a
separate command (the runner makes them from UNIQUE_KEYS); embeddings must be `vecf32`; shortest
paths come from `algo.SPpaths` (undirected `shortestPath` is unsupported).
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

DIALECT = "falkordb"

# Range indexes; FalkorDB needs one on a property before a unique constraint can use it.
RANGE_INDEXES = (
    ("Transcript", "id"),
    ("Transcript", "namespace"),
    ("Chunk", "id"),
    ("Chunk", "namespace"),
    ("Chunk", "transcript_id"),
    ("Entity", "id"),
    ("Entity", "namespace"),
)


def schema_statements(embedding_dim: int) -> list[str]:
    dim = int(embedding_dim)  # an int from Settings, validated there; DDL cannot take parameters
    statements = [f"CREATE INDEX FOR (n:{label}) ON (n.{prop})" for label, prop in RANGE_INDEXES]
    statements += [
        f"CREATE VECTOR INDEX FOR (n:{label}) ON (n.embedding) "
        f"OPTIONS {{dimension: {dim}, similarityFunction: 'cosine'}}"
        for label in ("Chunk", "Entity")
    ]
    # Passages are searched in SQLite FTS5 (graph/sqlite_passages.py): FalkorDB's full-text scorer
    # cannot be BM25. Entity names are short: its index serves them.
    statements += [
        "CALL db.idx.fulltext.createNodeIndex('Entity', 'search_text')",
        # chunk text, searched here before passages were kept: every write kept it current for nothing
        # (a drop of an index that is not there is no error; Chunk's range and vector indexes stay)
        "CALL db.idx.fulltext.drop('Chunk')",
    ]
    return statements


UPSERT_CHUNKS, UPSERT_ENTITIES = upsert_statements(
    "CASE WHEN r.embedding IS NULL THEN {node}.embedding ELSE vecf32(r.embedding) END",
    "CASE WHEN {node}.embedding IS NOT NULL OR r.embedding IS NULL THEN {node}.embedding "
    "ELSE vecf32(r.embedding) END",
)
# A job writes its chunks' vectors after the rest of its graph (ingest/pipeline.py).
SET_CHUNK_EMBEDDINGS = """
UNWIND $rows AS r
MATCH (c:Chunk {id: r.id})
SET c.embedding = vecf32(r.embedding)
"""

_VECTOR_CALL = """CALL db.idx.vector.queryNodes('{label}', 'embedding', $fetch, vecf32($vector))
YIELD node, score
WITH node AS {var}, 1.0 - score / 2.0 AS score"""
_FULLTEXT_CALL = """CALL db.idx.fulltext.queryNodes('{label}', $query) YIELD node, score
WITH node AS {var}, score"""

VECTOR_SEARCH_CHUNKS = chunk_search(_VECTOR_CALL.format(label="Chunk", var="c"))
VECTOR_SEARCH_ENTITIES = entity_search(_VECTOR_CALL.format(label="Entity", var="e"))
FULLTEXT_SEARCH_ENTITIES = entity_search(_FULLTEXT_CALL.format(label="Entity", var="e"))

# Exact search inside one namespace: the fallback when the shared index's nearest neighbours are
# mostly other tenants' (measured: 4 of 20 wanted hits with 35 meetings in 35 namespaces).
_SCAN = """MATCH ({var}:{label}) WHERE {var}.namespace = $namespace AND {var}.embedding IS NOT NULL
WITH {var}, 1.0 - vec.cosineDistance({var}.embedding, vecf32($vector)) / 2.0 AS score"""
VECTOR_SCAN_CHUNKS = chunk_search(_SCAN.format(label="Chunk", var="c"))
VECTOR_SCAN_ENTITIES = entity_search(_SCAN.format(label="Entity", var="e"))
# Exact search inside chosen transcripts of a namespace (a question asked about some meetings).
VECTOR_SCAN_CHUNKS_IN = chunk_search("""MATCH (c:Chunk) WHERE c.namespace = $namespace
AND c.transcript_id IN $transcripts AND c.embedding IS NOT NULL
WITH c, 1.0 - vec.cosineDistance(c.embedding, vecf32($vector)) / 2.0 AS score""")

# The graph retriever's chunks, nearest the question first among equals.
CHUNKS_MENTIONING = chunks_mentioning("1.0 - vec.cosineDistance(c.embedding, vecf32($vector)) / 2.0")

# The same three searches for many entity names at once (entity resolution during ingest).
VECTOR_PROBE_ENTITIES = entity_probes("""
CALL db.idx.vector.queryNodes('Entity', 'embedding', $fetch, vecf32(p.vector)) YIELD node, score
WITH p, node AS e, 1.0 - score / 2.0 AS score""")
VECTOR_SCAN_PROBE_ENTITIES = entity_probes("""
MATCH (e:Entity) WHERE e.namespace = $namespace AND e.embedding IS NOT NULL
WITH p, e, 1.0 - vec.cosineDistance(e.embedding, vecf32(p.vector)) / 2.0 AS score""")
FULLTEXT_PROBE_ENTITIES = entity_probes("""
CALL db.idx.fulltext.queryNodes('Entity', p.query) YIELD node, score
WITH p, node AS e, score""")

SHORTEST_PATH = path_edges(
    "CALL algo.SPpaths({sourceNode: a0, targetNode: b0, relTypes: ['RELATED'], maxLen: $max_hops, "
    "pathCount: 1, relDirection: 'both'}) YIELD path"
)


# RediSearch query syntax: our words only, ORed, so a question never reaches the parser as syntax.
def fulltext_query(text: str) -> str:
    return " | ".join(query_terms(text))

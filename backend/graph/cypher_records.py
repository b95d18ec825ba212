"""Statements both dialects share for the graph's own records rather than for what was said: which
models made its vectors, and each namespace's chunk version. Re-exported by each dialect module,
like `cypher_shared`."""

from __future__ import annotations

# Which models made the graph's vectors: one record for the whole graph, checked when a runtime
# opens it, so vectors of two models never meet in one index.
GET_EMBEDDERS = "MATCH (m:KWMeta {key: 'embedders'}) RETURN m.passages AS passages, m.names AS names"
SET_EMBEDDERS = "MERGE (m:KWMeta {key: 'embedders'}) SET m.passages = $passages, m.names = $names"
COUNT_ALL_CHUNKS = "MATCH (c:Chunk) RETURN count(c) AS n"
# Transcripts per namespace, across the graph: only for a caller who may see every namespace (auth off,
# or an admin key), to tell the web UI which namespace to open on.
TRANSCRIPTS_PER_NAMESPACE = (
    "MATCH (t:Transcript) RETURN t.namespace AS namespace, count(t) AS n ORDER BY n DESC, namespace"
)

# A counter per namespace, moved by every write or delete of its chunks: what a process's small record
# of a namespace's transcripts (titles, speakers: retrieve/catalogue.py) is checked against (one node
# read per query; counting 20k chunks per query cost 165 ms, measured with bench/retrieve.py).
BUMP_CHUNK_VERSION = """
UNWIND $namespaces AS ns
MERGE (v:KWChunkVersion {namespace: ns})
SET v.version = coalesce(v.version, 0) + 1
"""
CHUNK_VERSION = "MATCH (v:KWChunkVersion {namespace: $namespace}) RETURN v.version AS version"

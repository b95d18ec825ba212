"""Statements both dialects share for passages, what lexical search ranks: a chunk's text with its
neighbours' either side (one chunk each way: BM25 over such ~220-word passages found 0.599 of the
tuning half's spans at 10 where single ~75-word chunks found 0.496), and each transcript's speakers.
Re-exported by each dialect module, like `cypher_shared`. Where a passage is indexed is the dialect's:
Neo4j keeps it on the chunk under its own full-text index, FalkorDB's goes to a SQLite FTS5 file
(graph/sqlite_passages.py; docs/architecture.md says why)."""

from __future__ import annotations

from .cypher_shared import CHUNK_FIELDS

# what each dialect module re-exports (`from .cypher_passages import *`): one list, not one per dialect
__all__ = [
    "ADD_TRANSCRIPT_SPEAKERS",
    "ALL_CHUNK_IDS",
    "AROUND",
    "CHUNKS_AROUND",
    "GET_CHUNKS",
    "NAMESPACE_TRANSCRIPTS",
    "PASSAGE_ROWS",
    "TRANSCRIPTS_WITHOUT_SPEAKERS",
]

# The written chunks and their neighbours, whose passages take in the new text, each with the texts
# its passage is made of (joined by the store: FalkorDB 4.22 corrupted its heap concatenating them,
# crashing at the same meeting of bench/scale.py every time).
PASSAGE_ROWS = """
UNWIND $ids AS id
MATCH (w:Chunk {id: id})
OPTIONAL MATCH (w)-[:NEXT]-(x:Chunk)
WITH w, collect(x) AS beside
UNWIND [w] + beside AS c
WITH DISTINCT c
OPTIONAL MATCH (p:Chunk)-[:NEXT]->(c)
OPTIONAL MATCH (c)-[:NEXT]->(n:Chunk)
RETURN c.id AS id, c.namespace AS namespace, c.transcript_id AS transcript_id,
       p.text AS before, c.text AS text, n.text AS after
"""

# Chunks whose passage has not been indexed yet (a graph written before passages were kept).
UNINDEXED_CHUNK_IDS = "MATCH (c:Chunk) WHERE c.passage_key IS NULL RETURN c.id AS id LIMIT $limit"
ALL_CHUNK_IDS = "MATCH (c:Chunk) WHERE c.id > $after RETURN c.id AS id ORDER BY id LIMIT $limit"

# A transcript's speakers and chunk count, kept on it so a question's speaker names are looked up,
# and the namespace's size known, without reading its chunks: the speakers already known and those
# of the chunks just written.
ADD_TRANSCRIPT_SPEAKERS = """
UNWIND $rows AS r
MATCH (t:Transcript {id: r.transcript_id})
OPTIONAL MATCH (c:Chunk)-[:PART_OF]->(t)
WITH t, r, count(c) AS chunks, coalesce(t.speakers, []) AS known
SET t.speakers = known + [s IN r.speakers WHERE NOT s IN known], t.chunk_count = chunks
"""
TRANSCRIPTS_WITHOUT_SPEAKERS = """
MATCH (t:Transcript) WHERE t.speakers IS NULL OR t.chunk_count IS NULL
WITH t LIMIT $limit
OPTIONAL MATCH (c:Chunk)-[:PART_OF]->(t)
WITH t, count(c) AS chunks, collect(c.speakers) AS said
WITH t, chunks, reduce(all = [], s IN said | all + [x IN s WHERE NOT x IN all]) AS speakers
SET t.speakers = speakers, t.chunk_count = chunks
RETURN count(t) AS n
"""
NAMESPACE_TRANSCRIPTS = """
MATCH (t:Transcript) WHERE t.namespace = $namespace
RETURN t.id AS id, t.title AS title, coalesce(t.speakers, []) AS speakers,
       coalesce(t.chunk_count, 0) AS chunk_count
"""

GET_CHUNKS = f"""
UNWIND $ids AS id
MATCH (c:Chunk {{id: id}})
WHERE c.namespace = $namespace
OPTIONAL MATCH (c)-[:PART_OF]->(t:Transcript)
RETURN {CHUNK_FIELDS}
"""

# The chunks within AROUND places of each of these in its transcript: what a citation widens into.
# Walked along NEXT (a few hops from each) rather than matched by index range, which read each
# transcript's every chunk: 70 -> 17 ms for 30 hits in the 35 meetings' graph. A variable-length
# bound cannot be a parameter, hence the literal.
AROUND = 4
CHUNKS_AROUND = f"""
UNWIND $ids AS id
MATCH (x:Chunk {{id: id}})
WHERE x.namespace = $namespace
OPTIONAL MATCH (x)-[:NEXT*1..{AROUND}]-(n:Chunk)
WITH x, collect(n) AS near
UNWIND [x] + near AS c
WITH DISTINCT c
OPTIONAL MATCH (c)-[:PART_OF]->(t:Transcript)
RETURN {CHUNK_FIELDS}
"""

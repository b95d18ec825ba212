"""The statements of a transcript's delete, shared by both dialects word for word, in the order the
store runs them (`GraphStore.delete_transcript` says why that order). Re-exported by each dialect
module, like `cypher_shared`."""

from __future__ import annotations

TRANSCRIPT_CHUNK_IDS = """
MATCH (c:Chunk)
WHERE c.transcript_id = $transcript_id AND c.namespace = $namespace
RETURN c.id AS id
"""

ENTITIES_MENTIONED_IN = """
UNWIND $chunk_ids AS cid
MATCH (e:Entity)-[:MENTIONED_IN]->(c:Chunk {id: cid})
RETURN DISTINCT e.id AS id
"""

PRUNE_RELATION_EVIDENCE = """
MATCH (a:Entity)-[x:RELATED]->(:Entity)
WHERE a.namespace = $namespace AND any(c IN x.evidence_chunk_ids WHERE c IN $chunk_ids)
WITH x, [c IN x.evidence_chunk_ids WHERE NOT c IN $chunk_ids] AS evidence
SET x.evidence_chunk_ids = evidence, x.weight = size(evidence)
WITH x, evidence
WHERE size(evidence) = 0
DELETE x
"""

DELETE_CHUNKS = """
UNWIND $chunk_ids AS cid
MATCH (c:Chunk {id: cid})
WHERE c.namespace = $namespace
DETACH DELETE c
"""

DELETE_TRANSCRIPT = """
MATCH (t:Transcript {id: $transcript_id})
WHERE t.namespace = $namespace
DETACH DELETE t
RETURN count(t) AS deleted
"""

DELETE_ORPHAN_ENTITIES = """
MATCH (e:Entity)
WHERE e.namespace = $namespace AND NOT (e)-[:MENTIONED_IN]->(:Chunk)
DETACH DELETE e
RETURN count(e) AS deleted
"""

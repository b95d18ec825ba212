"""Writes both dialects accept word for word: the batched UNWIND … MERGE upserts of transcripts,
chunks, entities, mentions and relations. Chunks and entities store their embedding through an
expression each dialect supplies (`upsert_statements`). Re-exported by each dialect module, like
`cypher_shared`."""

from __future__ import annotations

UPSERT_TRANSCRIPTS = """
UNWIND $rows AS r
MERGE (t:Transcript {id: r.id})
ON CREATE SET t.created_at = r.created_at
SET t += r.props
"""

LINK_NEXT_CHUNKS = """
UNWIND $rows AS r
MATCH (a:Chunk {id: r.from_id}), (b:Chunk {id: r.to_id})
MERGE (a)-[:NEXT]->(b)
"""

# FalkorDB evaluates a later SET clause against the values from before the earlier one (measured),
# so derived properties are computed once in a WITH and every SET reads from there.
# Entities: the embedding expression differs per dialect (FalkorDB stores vecf32), the rest is shared.
_UPSERT_ENTITIES = """
UNWIND $rows AS r
MERGE (e:Entity {id: r.id})
ON CREATE SET e.namespace = r.namespace, e.name = r.name, e.type = r.type, e.mention_count = 0
WITH e, r, coalesce(e.aliases, []) AS known, coalesce(e.name, r.name) AS name
WITH e, r, known + [a IN r.aliases + [r.name] WHERE NOT a IN known AND a <> name] AS aliases
SET e.aliases = aliases,
    e.search_text = reduce(s = coalesce(e.name, r.name), a IN aliases | s + ' ' + a),
    e.description = CASE WHEN coalesce(e.description, '') = '' THEN r.description ELSE e.description END,
    e.embedding = {embedding}
"""

_UPSERT_CHUNKS = """
UNWIND $rows AS r
MERGE (c:Chunk {id: r.id})
SET c += r.props
SET c.embedding = {embedding}
WITH c, r
MATCH (t:Transcript {id: r.props.transcript_id})
MERGE (c)-[:PART_OF]->(t)
"""


def upsert_statements(replace_expr: str, keep_expr: str) -> tuple[str, str]:
    """(UPSERT_CHUNKS, UPSERT_ENTITIES) with the dialect's expressions for storing `r.embedding`:
    a chunk takes the new vector; an entity keeps its first one, which embeds the name it keeps
    (a later transcript's surface form becomes an alias, not the name)."""
    return (
        _UPSERT_CHUNKS.replace("{embedding}", replace_expr.replace("{node}", "c")),
        _UPSERT_ENTITIES.replace("{embedding}", keep_expr.replace("{node}", "e")),
    )


UPSERT_MENTIONS = """
UNWIND $rows AS r
MATCH (e:Entity {id: r.entity_id}), (c:Chunk {id: r.chunk_id})
MERGE (e)-[m:MENTIONED_IN]->(c)
SET m.count = r.count, m.heard = r.heard
"""

REFRESH_MENTION_COUNTS = """
UNWIND $ids AS id
MATCH (e:Entity {id: id})
OPTIONAL MATCH (e)-[m:MENTIONED_IN]->(:Chunk)
WITH e, toInteger(sum(m.count)) AS n
SET e.mention_count = n
"""

UPSERT_RELATIONS = """
UNWIND $rows AS r
MATCH (a:Entity {id: r.source_id}), (b:Entity {id: r.target_id})
MERGE (a)-[x:RELATED {type: r.type}]->(b)
ON CREATE SET x.namespace = r.namespace, x.description = r.description
WITH x, r, coalesce(x.evidence_chunk_ids, []) AS known
WITH x, known + [c IN r.evidence_chunk_ids WHERE NOT c IN known] AS evidence
SET x.evidence_chunk_ids = evidence,
    x.weight = CASE WHEN size(evidence) = 0 THEN 1 ELSE size(evidence) END
"""

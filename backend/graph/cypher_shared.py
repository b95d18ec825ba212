"""Cypher that both dialects accept word for word: the reads (searches around a dialect's index call,
lookups, listings, neighbourhoods, counts) and the fields they return. Writes live in
`cypher_writes`, a transcript's delete in `cypher_deletes`, the graph's own records in
`cypher_records`. Each dialect module re-exports what it uses from these, so a dialect module still
names every statement its store runs, and a statement that differs lives only in its dialect's module.
"""

from __future__ import annotations

import re

MAX_PATH_HOPS = 6
HOPS = (1, 2, 3)
UNIQUE_KEYS = (("Transcript", "id"), ("Chunk", "id"), ("Entity", "id"))

PING = "RETURN 1 AS ok"

CHUNK_FIELDS = """
c.id AS id, c.transcript_id AS transcript_id, t.title AS title, c.index AS index, c.text AS text,
c.start_s AS start_s, c.end_s AS end_s, c.speakers AS speakers, c.turn_start AS turn_start,
c.turn_end AS turn_end"""

ENTITY_FIELDS = """
e.id AS id, e.name AS name, e.type AS type, e.aliases AS aliases, e.description AS description,
e.mention_count AS mention_count"""

RELATION_FIELDS = """
a.id AS source, b.id AS target, x.type AS type, x.description AS description,
x.weight AS weight, x.evidence_chunk_ids AS evidence_chunk_ids"""


def chunk_search(call: str) -> str:
    """Namespace-filtered chunk search around a dialect's index call that yields `c` and `score`."""
    # the limit before the join and the projection: only the k kept rows pay for them; ties broken by
    # id, so equal scores come back in one order whichever engine or plan found them
    return f"""
{call}
WHERE c.namespace = $namespace
WITH c, score ORDER BY score DESC, c.id LIMIT $k
OPTIONAL MATCH (c)-[:PART_OF]->(t:Transcript)
RETURN {CHUNK_FIELDS}, score
ORDER BY score DESC, id
"""


def entity_search(call: str) -> str:
    """Namespace-filtered entity search around a dialect's index call that yields `e` and `score`."""
    return f"""
{call}
WHERE e.namespace = $namespace
WITH e, score ORDER BY score DESC, e.id LIMIT $k
RETURN {ENTITY_FIELDS}, score
ORDER BY score DESC, id
"""


def entity_probes(call: str) -> str:
    """Entity search for many probes in one statement, around a dialect's index call that reads the
    probe `p` (`p.vector`, `p.query`) and yields `p`, `e` and `score`: each probe's best $k of this
    namespace, one row per hit, tagged with the probe's index."""
    return f"""
UNWIND $probes AS p
{call}
WHERE e.namespace = $namespace
WITH p, e, score ORDER BY score DESC, e.id
WITH p, collect(e)[..$k] AS es, collect(score)[..$k] AS scores
UNWIND range(0, size(es) - 1) AS n
WITH p, es[n] AS e, scores[n] AS score
RETURN p.i AS probe, {ENTITY_FIELDS}, score
"""


GET_ENTITIES = f"""
UNWIND $ids AS id
MATCH (e:Entity {{id: id}})
WHERE e.namespace = $namespace
RETURN {ENTITY_FIELDS}
"""


def chunks_mentioning(similarity: str) -> str:
    """Chunks that mention some of the entities $ids: those naming most of them first, and among those
    the closest in meaning to the question ($vector; `similarity` is the dialect's cosine of
    `c.embedding` and it, in [0,1]). Ties are most chunks: one mention of one entity."""
    return f"""
UNWIND $ids AS id
MATCH (e:Entity {{id: id}})-[:MENTIONED_IN]->(c:Chunk)
WHERE e.namespace = $namespace AND c.namespace = $namespace
WITH c, count(DISTINCT e) AS entities
WITH c, toFloat(entities) + CASE WHEN c.embedding IS NULL THEN 0.0 ELSE {similarity} END AS score
ORDER BY score DESC, c.id LIMIT $k
OPTIONAL MATCH (c)-[:PART_OF]->(t:Transcript)
RETURN {CHUNK_FIELDS}, score
ORDER BY score DESC, id
"""


LIST_ENTITIES = f"""
MATCH (e:Entity)
WHERE e.namespace = $namespace AND ($type IS NULL OR e.type = $type)
RETURN {ENTITY_FIELDS}
ORDER BY e.mention_count DESC, e.name
SKIP $skip LIMIT $limit
"""

ENTITY_MENTIONS = f"""
MATCH (e:Entity {{id: $id}})-[m:MENTIONED_IN]->(c:Chunk)
WHERE e.namespace = $namespace
OPTIONAL MATCH (c)-[:PART_OF]->(t:Transcript)
RETURN {CHUNK_FIELDS}, toFloat(m.count) AS score, coalesce(m.heard, []) AS heard
ORDER BY c.transcript_id, c.index
LIMIT $limit
"""

# The names a recording's transcription is biased towards and checked against: the namespace's
# entities of the given types, most-mentioned first.
KNOWN_NAMES = f"""
MATCH (e:Entity)
WHERE e.namespace = $namespace AND e.type IN $types
RETURN {ENTITY_FIELDS}
ORDER BY e.mention_count DESC, e.name
LIMIT $limit
"""

# Paths of real relations first, up to the limit, then any paths up to the limit: a speaker's hundreds
# of TALKED_ABOUT edges never crowd out who builds what (UNION drops the repeats).
_NEIGHBOURHOOD_PART = f"""
MATCH (s:Entity)
WHERE s.id IN $ids AND s.namespace = $namespace
MATCH p = (s)-[:RELATED*1..{{hops}}]-(:Entity)
{{only_real}}WITH p LIMIT $path_limit
UNWIND relationships(p) AS x
WITH DISTINCT x
WITH x, startNode(x) AS a, endNode(x) AS b
WHERE a.namespace = $namespace AND b.namespace = $namespace
RETURN {RELATION_FIELDS}, a.mention_count AS source_mentions, b.mention_count AS target_mentions
"""
_NEIGHBOURHOOD = (
    _NEIGHBOURHOOD_PART.replace(
        "{only_real}", "WHERE none(r IN relationships(p) WHERE r.type = 'TALKED_ABOUT')\n"
    )
    + "UNION"
    + _NEIGHBOURHOOD_PART.replace("{only_real}", "")
)


def neighbourhood(hops: int) -> str:
    if hops not in HOPS:  # variable-length bounds cannot be parameters: only these literals are allowed
        raise ValueError(f"hops must be one of {HOPS}")
    return _NEIGHBOURHOOD.replace("{hops}", str(hops))


def path_edges(path_clause: str) -> str:
    """Edges of the one path a dialect's `path_clause` binds to `path`, endpoints in the namespace."""
    return f"""
MATCH (a0:Entity {{id: $from_id}}), (b0:Entity {{id: $to_id}})
WHERE a0.namespace = $namespace AND b0.namespace = $namespace
{path_clause}
UNWIND relationships(path) AS x
WITH x, startNode(x) AS a, endNode(x) AS b
RETURN {RELATION_FIELDS}
"""


GET_TRANSCRIPT = """
MATCH (t:Transcript {id: $transcript_id})
WHERE t.namespace = $namespace
RETURN t.id AS id, t.title AS title, t.source AS source, t.language AS language,
       t.recorded_at AS recorded_at, t.duration_s AS duration_s, t.content_hash AS content_hash,
       t.created_at AS created_at, t.segment_count AS segment_count
"""

LIST_TRANSCRIPTS = """
MATCH (t:Transcript)
WHERE t.namespace = $namespace
RETURN t.id AS id, t.title AS title, t.source AS source, t.language AS language,
       t.recorded_at AS recorded_at, t.duration_s AS duration_s, t.content_hash AS content_hash,
       t.created_at AS created_at, t.segment_count AS segment_count
ORDER BY t.created_at DESC
SKIP $skip LIMIT $limit
"""


COUNT_TRANSCRIPTS = "MATCH (t:Transcript) WHERE t.namespace = $namespace RETURN count(t) AS n"
COUNT_CHUNKS = "MATCH (c:Chunk) WHERE c.namespace = $namespace RETURN count(c) AS n"
COUNT_RELATIONS = (
    "MATCH (a:Entity)-[x:RELATED]->(:Entity) WHERE a.namespace = $namespace RETURN count(x) AS n"
)
ENTITIES_BY_TYPE = "MATCH (e:Entity) WHERE e.namespace = $namespace RETURN e.type AS type, count(e) AS n"
# Whether another job wrote entities into the namespace while this one extracted (ingest/lookahead.py).
COUNT_ENTITIES = "MATCH (e:Entity) WHERE e.namespace = $namespace RETURN count(e) AS n"


# Question words and fillers match nearly every chunk and only add noise to a full-text query.
_STOP_WORDS = frozenset(
    "a an and are as at be but by can could did do does for from had has have how i if in into is it its "
    "me my of on or our so than that the their them then there these they this to was we were what when "
    "where which who whom why will with would you your about after before did said say says".split()
)
_WORD = re.compile(r"[^\W_]{2,}", re.UNICODE)


def query_terms(text: str) -> list[str]:
    """Words of a question fit for a full-text query: no operators, no stop words, no repeats."""
    return list(dict.fromkeys(w for w in (m.lower() for m in _WORD.findall(text)) if w not in _STOP_WORDS))

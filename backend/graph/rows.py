"""Domain objects → the parameter rows the UNWIND … MERGE statements take. Plain functions, no I/O:
one place decides what a node or edge stores, and the checks that protect the vector indexes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise

from backend.domain import Chunk, Entity, Mention, Relation, Transcript
from backend.errors import InvalidInput


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def check_dimensions(kind: str, item_id: str, embedding: list[float] | None, dim: int) -> None:
    if embedding is not None and len(embedding) != dim:
        raise InvalidInput(f"{kind} {item_id} has a {len(embedding)}-d embedding; expected {dim}")


def transcript_rows(transcripts: Sequence[Transcript]) -> list[dict]:
    rows = []
    for t in transcripts:
        props = t.model_dump(mode="json", exclude={"id", "segments", "created_at"}, exclude_none=True)
        props["segment_count"] = len(t.segments)
        rows.append({"id": t.id, "created_at": t.created_at.isoformat(), "props": props})
    return rows


def chunk_rows(chunks: Sequence[Chunk], dim: int) -> list[dict]:
    for c in chunks:
        check_dimensions("chunk", c.id, c.embedding, dim)
    return [
        {
            "id": c.id,
            "embedding": c.embedding,
            "props": c.model_dump(exclude={"id", "embedding"}, exclude_none=True),
        }
        for c in chunks
    ]


def speaker_rows(chunks: Sequence[Chunk]) -> list[dict]:
    """Each transcript's speakers among these chunks, in the order they first speak."""
    by_transcript: dict[str, dict[str, None]] = defaultdict(dict)
    for c in sorted(chunks, key=lambda c: (c.transcript_id, c.index)):
        by_transcript[c.transcript_id].update(dict.fromkeys(c.speakers))
    return [{"transcript_id": t, "speakers": list(s)} for t, s in by_transcript.items()]


def next_links(chunks: Sequence[Chunk]) -> list[dict]:
    """(:Chunk)-[:NEXT]->(:Chunk) between consecutive chunks of each transcript."""
    by_transcript: dict[str, list[Chunk]] = defaultdict(list)
    for c in chunks:
        by_transcript[c.transcript_id].append(c)
    return [
        {"from_id": a.id, "to_id": b.id}
        for group in by_transcript.values()
        for a, b in pairwise(sorted(group, key=lambda c: c.index))
        if b.index == a.index + 1
    ]


def entity_rows(entities: Sequence[Entity], dim: int) -> list[dict]:
    rows = []
    for e in entities:
        check_dimensions("entity", e.id, e.embedding, dim)
        rows.append(
            {
                "id": e.id,
                "namespace": e.namespace,
                "name": e.name,
                "type": str(e.type),
                "aliases": unique(a for a in e.aliases if a != e.name),
                "description": e.description,
                "embedding": e.embedding,
            }
        )
    return rows


def mention_rows(mentions: Sequence[Mention]) -> list[dict]:
    # `heard` is null (no property) unless a recording's name was linked by sound and spelling
    return [
        {"entity_id": m.entity_id, "chunk_id": m.chunk_id, "count": m.count, "heard": unique(m.heard) or None}
        for m in mentions
    ]


def relation_rows(relations: Sequence[Relation]) -> list[dict]:
    return [
        {
            "namespace": r.namespace,
            "source_id": r.source_id,
            "target_id": r.target_id,
            "type": r.type,
            "description": r.description,
            "evidence_chunk_ids": unique(r.evidence_chunk_ids),
        }
        for r in relations
    ]


def batches(rows: Sequence[dict], size: int) -> Iterable[Sequence[dict]]:
    """Rows in slices of `size`: one statement (one transaction) per slice."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]

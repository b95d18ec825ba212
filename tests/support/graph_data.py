"""Build small, hand-checkable graphs from the domain types (the same ones the pipeline writes)."""

from __future__ import annotations

from backend.domain import Chunk, Entity, EntityType, Mention, Relation, Transcript, content_hash


def unit(dim: int, axis: int, sign: float = 1.0) -> list[float]:
    v = [0.0] * dim
    v[axis % dim] = sign
    return v


def transcript(namespace: str, text: str, title: str = "Meeting") -> Transcript:
    digest = content_hash(text)
    return Transcript(
        id=Transcript.id_for(namespace, digest), namespace=namespace, title=title, content_hash=digest
    )


def chunks(t: Transcript, texts: list[str], dim: int) -> list[Chunk]:
    return [
        Chunk(
            id=Chunk.id_for(t.namespace, t.id, i),
            namespace=t.namespace,
            transcript_id=t.id,
            index=i,
            text=text,
            start_s=i * 10.0,
            end_s=i * 10.0 + 9.5,
            speakers=["Alice" if i % 2 == 0 else "Bob"],
            turn_start=i * 2,
            turn_end=i * 2 + 1,
            token_count=len(text.split()),
            embedding=unit(dim, i),
        )
        for i, text in enumerate(texts)
    ]


def entity(namespace: str, name: str, kind: EntityType, dim: int, axis: int, aliases=()) -> Entity:
    return Entity(
        id=Entity.id_for(namespace, kind, name),
        namespace=namespace,
        name=name,
        type=kind,
        aliases=list(aliases),
        embedding=unit(dim, axis),
    )


def mention(e: Entity, c: Chunk, count: int = 1) -> Mention:
    return Mention(entity_id=e.id, chunk_id=c.id, count=count)


def related(a: Entity, b: Entity, kind: str, *evidence: Chunk) -> Relation:
    return Relation(
        namespace=a.namespace,
        source_id=a.id,
        target_id=b.id,
        type=kind,
        evidence_chunk_ids=[c.id for c in evidence],
    )

"""Relations after resolution: each extracted relation's ends looked up among the resolved entities
(as extracted in its chunk, else by name elsewhere in the job, else a speaker), merged per
(source, target, type) with every chunk that evidences it."""

from __future__ import annotations

from collections import defaultdict

from backend.domain import EntityType, Relation

from .names import canonical_key


def _endpoint(chunk_id, name, surface, named, owner) -> tuple[EntityType, str] | None:
    # The entity as extracted in this chunk; else as extracted elsewhere in the job (an extraction
    # window names a relation's ends in neighbouring chunks); else a speaker.
    return surface.get((chunk_id, name.lower())) or named.get(name.lower()) or _speaker_key(name, owner)


def relations_between(namespace, extractions, surface, owner) -> list[Relation]:
    """Extracted relations as Relations between resolved entities, each with the chunks that evidence it."""
    named: dict[str, tuple[EntityType, str]] = {}
    for (_, name), key in surface.items():
        named.setdefault(name, key)
    evidence: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    descriptions: dict[tuple[str, str, str], str] = {}
    for ex in extractions:
        for r in ex.extraction.relations if ex.extraction else []:
            source_key = _endpoint(ex.chunk_id, r.source, surface, named, owner)
            target_key = _endpoint(ex.chunk_id, r.target, surface, named, owner)
            if not source_key or not target_key or source_key not in owner or target_key not in owner:
                continue  # an endpoint was a dropped candidate or not an extracted entity
            source, target = owner[source_key].id, owner[target_key].id
            if source == target:
                continue
            key = (source, target, r.type)
            if ex.chunk_id not in evidence[key]:
                evidence[key].append(ex.chunk_id)
            descriptions.setdefault(key, r.description)
    return [
        Relation(
            namespace=namespace,
            source_id=s,
            target_id=t,
            type=kind,
            description=descriptions[(s, t, kind)],
            evidence_chunk_ids=chunk_ids,
        )
        for (s, t, kind), chunk_ids in evidence.items()
    ]


def _speaker_key(name: str, owner) -> tuple[EntityType, str] | None:

    key = (EntityType.PERSON, canonical_key(name, EntityType.PERSON))
    return key if key in owner else None

"""Entity resolution: many surface forms, one entity.

In order: (1) a canonical key per (type, name) — case, accents, punctuation, possessives, a leading
"the" and corporate suffixes (Inc, Corp, Ltd, …) do not count (`names.py`); the deterministic id
hashes the type and the key of the entity's *name* once merged, so the same name meets the same node
in every transcript, even in jobs writing at once that cannot see each other's entities; (2) one name, one
entity, whatever types its mentions were given: the same key under several named types is one entity,
and a one-word name that is the first or last name of exactly one person is that person ("Priya",
even when the model called it an organisation, → "Priya Raman"; speakers included), as is an
organisation's first word ("Northwind" → "Northwind Logistics"); (3) names of the same type whose
embeddings are closer than the threshold merge (`merges.py`); (4) the merged entity's type is decided
by its mentions: a speaker is a person, otherwise the type most mentions were given (each mention's
type is the model's label, or the context's where the extractor read one, e.g. "the Atlas tracker" →
product) (`clusters.py`); (5) a new entity that an existing one in the namespace names the same (any
type: the existing type stays) or, for anything but people, means the same, joins the existing one
(`existing_entities.py`). Concept *candidates* (offline noun phrases) are kept only when they recur
in two or more chunks. Every fold counts as a merge.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from backend.domain import Entity, EntityType, Mention, Relation
from backend.llm.port import ChunkExtraction

from .clusters import Cluster
from .existing_entities import Existing, FindExisting, adopt_existing
from .merges import merge_pairs, union
from .names import canonical_key
from .relations import relations_between

__all__ = ["Embed", "Existing", "FindExisting", "Resolved", "resolve"]

Embed = Callable[[Sequence[str]], Awaitable[list[list[float]]]]
_Typed = tuple[EntityType, str]  # (type, canonical key) of a cluster, or (type, name as said) of a form


@dataclass
class Resolved:
    entities: list[Entity]
    mentions: list[Mention]
    relations: list[Relation]
    merged: int  # surface forms folded into another entity
    dropped_candidates: int

    def add_mention(self, entity_id: str, chunk_id: str, count: int) -> Mention:
        mention = Mention(entity_id=entity_id, chunk_id=chunk_id, count=count)
        self.mentions.append(mention)
        return mention


async def resolve(
    namespace: str,
    extractions: Sequence[ChunkExtraction],
    *,
    chunk_speakers: Mapping[str, Sequence[str]],
    embed: Embed,
    find_existing: FindExisting | None = None,
    threshold: float = 0.9,
) -> Resolved:
    weak = _weak_candidates(extractions)
    clusters, surface, forms = _gather(extractions, chunk_speakers, weak)

    ordered = list(clusters.values())
    if ordered:
        vectors = np.array(await embed([c.name for c in ordered]), dtype=np.float32)
        merged_clusters = union(ordered, merge_pairs(ordered, vectors, threshold))
        for cluster in merged_clusters:
            cluster.settle_type()
    else:
        vectors, merged_clusters = np.zeros((0, 0)), []

    # a surface key → the cluster that now holds it
    owner: dict[_Typed, Cluster] = {}
    for cluster in merged_clusters:
        for typed_key in cluster.votes:
            owner[typed_key] = cluster
    index_of = {id(c): i for i, c in enumerate(ordered)}
    for cluster in merged_clusters:
        cluster.id = Entity.id_for(namespace, cluster.kind, cluster.key)
    adopted = 0
    if find_existing is not None:
        found = await find_existing(
            namespace, [(c.name, vectors[index_of[id(c)]].tolist()) for c in merged_clusters]
        )
        adopted = adopt_existing(merged_clusters, found, threshold)

    entities = [
        Entity(
            id=c.id,
            namespace=namespace,
            name=c.name,
            type=c.kind,
            aliases=sorted(n for n in c.names if n != c.name),
            description=c.description,
            mention_count=sum(c.chunk_counts.values()),
        )
        for c in merged_clusters
    ]
    # two clusters of one id (both adopted one existing entity, or one name and type) add up
    counts: Counter = Counter()
    for c in merged_clusters:
        for chunk_id, n in c.chunk_counts.items():
            counts[(c.id, chunk_id)] += n
    mentions = [Mention(entity_id=e, chunk_id=chunk_id, count=n) for (e, chunk_id), n in counts.items()]
    relations = relations_between(namespace, extractions, surface, owner)
    return Resolved(
        entities=_dedupe(entities),
        mentions=mentions,
        relations=relations,
        merged=len(forms) - len(merged_clusters) + adopted,
        dropped_candidates=len(weak),
    )


def _weak_candidates(extractions: Sequence[ChunkExtraction]) -> set[str]:
    """The concept candidates' keys to drop: said in one chunk only, and no relation's end."""
    candidate_chunks: dict[str, set[str]] = defaultdict(set)
    for ex in extractions:
        for name in ex.candidates:
            candidate_chunks[canonical_key(name, EntityType.CONCEPT)].add(ex.chunk_id)
    # a noun phrase said once is kept when it is what someone named does or asks for ("Aisha → MODEL →
    # sap integration cost"): the extractor keeps only relations with a named end
    related = {
        canonical_key(name, EntityType.CONCEPT)
        for ex in extractions
        for r in (ex.extraction.relations if ex.extraction else [])
        if r.type != "TALKED_ABOUT"
        for name in (r.source, r.target)
    }
    return {key for key, chunk_ids in candidate_chunks.items() if len(chunk_ids) < 2 and key not in related}


def _gather(
    extractions: Sequence[ChunkExtraction], chunk_speakers: Mapping[str, Sequence[str]], weak: set[str]
) -> tuple[dict[_Typed, Cluster], dict[tuple[str, str], _Typed], set[_Typed]]:
    """One cluster per (type, key) of the speakers and the extracted entities; where each chunk's
    names went; and the distinct surface forms."""
    clusters: dict[_Typed, Cluster] = {}
    surface: dict[tuple[str, str], _Typed] = {}  # (chunk id, name lower) -> cluster key
    forms: set[_Typed] = set()  # distinct surface forms: merges = forms - entities
    for chunk_id, speakers in chunk_speakers.items():
        for speaker in speakers:  # every speaker is a Person, "mentioned" where they speak
            key = (EntityType.PERSON, canonical_key(speaker, EntityType.PERSON))
            cluster = clusters.setdefault(key, Cluster(*key, description="a speaker in the conversation"))
            cluster.names[speaker] += 1
            cluster.chunk_counts[chunk_id] += 1
            cluster.speaker = True
            cluster.votes[key] += 1
            cluster.type_descriptions.setdefault(EntityType.PERSON, cluster.description)
            forms.add((EntityType.PERSON, speaker.lower()))
    for ex in extractions:
        for e in ex.extraction.entities if ex.extraction else []:
            key = (e.type, canonical_key(e.name, e.type))
            if not key[1] or (e.type is EntityType.CONCEPT and key[1] in weak):
                continue
            cluster = clusters.setdefault(key, Cluster(*key))
            cluster.names[e.name] += 1
            cluster.chunk_counts[ex.chunk_id] += 1
            cluster.description = cluster.description or e.description
            cluster.votes[key] += 1
            cluster.type_descriptions.setdefault(e.type, e.description)
            surface[(ex.chunk_id, e.name.lower())] = key
            forms.add((e.type, e.name.lower()))
    return clusters, surface, forms


def _dedupe(entities: list[Entity]) -> list[Entity]:
    # two clusters that adopted the same existing entity become one row
    by_id: dict[str, Entity] = {}
    for e in entities:
        if e.id in by_id:
            kept = by_id[e.id]
            kept.aliases = sorted(set(kept.aliases) | set(e.aliases) | {e.name} - {kept.name})
        else:
            by_id[e.id] = e
    return list(by_id.values())

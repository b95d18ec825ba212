"""Entity resolution: many surface forms, one entity.

In order: (1) a canonical key per (type, name) — case, accents, punctuation, possessives, a leading
"the" and corporate suffixes (Inc, Corp, Ltd, …) do not count — which is also what the deterministic
id hashes, so the same key meets the same node in every transcript; (2) one name, one entity, whatever
types its mentions were given: the same key under several named types is one entity, and a one-word
name that is the first or last name of exactly one person is that person ("Priya", even when the
model called it an organisation, → "Priya Raman"; speakers included), as is an organisation's first
word ("Northwind" → "Northwind Logistics"); (3) names of the same type whose embeddings are closer
than the threshold merge; (4) the merged entity's type is decided by its mentions: a speaker is a
person, otherwise the type most mentions were given (each mention's type is the model's label, or
the context's where the extractor read one, e.g. "the Atlas tracker" → product); (5) a new entity
that an existing one in the namespace names the same (any type: the existing type stays) or, for
anything but people, means the same, joins the existing one. Concept *candidates* (offline noun
phrases) are kept only when they recur in two or more chunks. Every fold counts as a merge.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from backend.domain import Entity, EntityType, Mention, Relation
from backend.llm.port import ChunkExtraction

from .names import canonical_key
from .relations import relations_between


@dataclass
class Existing:
    """An entity already in the namespace that a new one might be."""

    id: str
    name: str
    type: EntityType
    similarity: float | None  # cosine similarity of the names' embeddings; None for a name match


# (namespace, [(name, name vector)]) -> for each name, existing entities close in name or in meaning
FindExisting = Callable[[str, Sequence[tuple[str, list[float]]]], Awaitable[list[list[Existing]]]]
Embed = Callable[[Sequence[str]], Awaitable[list[list[float]]]]


_NAMED = frozenset(
    {EntityType.PERSON, EntityType.ORGANIZATION, EntityType.PLACE, EntityType.PRODUCT, EntityType.EVENT}
)
# On a tied vote: a one-word name the model calls a person is as often a product or a company.
_TIE_ORDER = (
    EntityType.ORGANIZATION,
    EntityType.PRODUCT,
    EntityType.PLACE,
    EntityType.EVENT,
    EntityType.PERSON,
    EntityType.CONCEPT,
)


@dataclass
class _Cluster:
    kind: EntityType
    key: str
    names: Counter = field(default_factory=Counter)
    description: str = ""
    chunk_counts: Counter = field(default_factory=Counter)  # chunk id -> mentions
    id: str = ""
    speaker: bool = False
    votes: Counter = field(default_factory=Counter)  # (type, key) -> mentions given that type
    type_descriptions: dict = field(default_factory=dict)  # type -> first description of that type

    @property
    def name(self) -> str:
        # the form said most often; ties go to the longest (the fuller name); a person is named by a
        # full name when one was said ("Priya Raman", not "Priya")
        full = self.kind is EntityType.PERSON and any(" " in n for n in self.names)
        return max(
            (item for item in self.names.items() if not full or " " in item[0]),
            key=lambda item: (item[1], len(item[0])),
        )[0]

    def absorb(self, other: _Cluster) -> None:
        self.names.update(other.names)
        self.chunk_counts.update(other.chunk_counts)
        self.description = self.description or other.description
        self.speaker = self.speaker or other.speaker
        self.votes.update(other.votes)
        for kind, text in other.type_descriptions.items():
            self.type_descriptions.setdefault(kind, text)

    def settle_type(self) -> None:
        """The type its mentions decide (a speaker is a person), and the key it is known by."""
        by_type: Counter = Counter()
        for (kind, _), n in self.votes.items():
            by_type[kind] += n
        if self.speaker:
            kind = EntityType.PERSON
        else:
            kind = max(by_type, key=lambda k: (k is not EntityType.CONCEPT, by_type[k], -_TIE_ORDER.index(k)))
        if kind is not self.kind:
            self.kind = kind
            keyed = [(key, n) for (t, key), n in self.votes.items() if t is kind]
            self.key = max(keyed, key=lambda item: (item[1], len(item[0])))[0]
            self.description = self.type_descriptions.get(kind, self.description)


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


def _union(clusters: list[_Cluster], pairs: list[tuple[int, int]]) -> list[_Cluster]:
    parent = list(range(len(clusters)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    merged: dict[int, _Cluster] = {}
    for i, cluster in enumerate(clusters):
        r = root(i)
        if r in merged:
            merged[r].absorb(cluster)
        else:
            merged[r] = cluster
    return list(merged.values())


# A one-word name joins the one longer name it abbreviates: people by first or last name ("Bob" →
# "Bob Smith"), organisations by their first word ("Northwind" → "Northwind Logistics").
_SHORT_FORMS = {EntityType.PERSON: (0, -1), EntityType.ORGANIZATION: (0,)}


def abbreviates(short_key: str, long_key: str, kind: EntityType) -> bool:
    words = long_key.split()
    return (
        " " not in short_key
        and len(words) > 1
        and any(words[i] == short_key for i in _SHORT_FORMS.get(kind, ()))
    )


def _short_name_pairs(clusters: list[_Cluster]) -> list[tuple[int, int]]:
    pairs = []
    people = [j for j, c in enumerate(clusters) if c.kind is EntityType.PERSON]
    for i, short in enumerate(clusters):
        if " " in short.key or short.kind not in _NAMED:
            continue
        # a one-word name of any type that is one person's first or last name is that person
        longer = [j for j in people if abbreviates(short.key, clusters[j].key, EntityType.PERSON)]
        if short.kind in _SHORT_FORMS and short.kind is not EntityType.PERSON and not longer:
            longer = [
                j
                for j, c in enumerate(clusters)
                if c.kind is short.kind and abbreviates(short.key, c.key, c.kind)
            ]
        if len(longer) == 1:  # ambiguous short names ("Alex" with two Alexes) stay apart
            pairs.append((i, longer[0]))
            if clusters[longer[0]].kind is EntityType.PERSON and short.kind is not EntityType.PERSON:
                # "Priya" called an organisation is Priya Raman's first name: its mentions are hers
                # (its own typed keys stay, at no weight, so its relations still find it)
                said = short.votes.total()
                short.votes = Counter(dict.fromkeys(short.votes, 0))
                short.votes[(EntityType.PERSON, short.key)] += said
    return pairs


def _same_name_pairs(clusters: list[_Cluster]) -> list[tuple[int, int]]:
    """One key under several named types ("Atlas" a person and a product) is one entity."""
    first: dict[str, int] = {}
    pairs = []
    for i, c in enumerate(clusters):
        if c.kind in _NAMED:
            if c.key in first:
                pairs.append((first[c.key], i))
            else:
                first[c.key] = i
    return pairs


def _similar_pairs(clusters: list[_Cluster], vectors: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    # People are left out: "Grad A" and "Grad B", "Jen" and "Ken" are close as strings and as
    # vectors, and merging two people is the worst mistake resolution can make.
    pairs = []
    by_type: dict[EntityType, list[int]] = defaultdict(list)
    for i, c in enumerate(clusters):
        if c.kind is not EntityType.PERSON:
            by_type[c.kind].append(i)
    for members in by_type.values():
        if len(members) < 2:
            continue
        sims = vectors[members] @ vectors[members].T
        rows, cols = np.nonzero(np.triu(sims, k=1) >= threshold)
        pairs += [(members[r], members[c]) for r, c in zip(rows, cols, strict=True)]
    return pairs


async def resolve(
    namespace: str,
    extractions: Sequence[ChunkExtraction],
    *,
    chunk_speakers: Mapping[str, Sequence[str]],
    embed: Embed,
    find_existing: FindExisting | None = None,
    threshold: float = 0.9,
) -> Resolved:
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
    weak = {key for key, chunk_ids in candidate_chunks.items() if len(chunk_ids) < 2 and key not in related}

    clusters: dict[tuple[EntityType, str], _Cluster] = {}
    surface: dict[tuple[str, str], tuple[EntityType, str]] = {}  # (chunk id, name lower) -> cluster key
    forms: set[tuple[EntityType, str]] = set()  # distinct surface forms: merges = forms - entities
    for chunk_id, speakers in chunk_speakers.items():
        for speaker in speakers:  # every speaker is a Person, "mentioned" where they speak
            key = (EntityType.PERSON, canonical_key(speaker, EntityType.PERSON))
            cluster = clusters.setdefault(key, _Cluster(*key, description="a speaker in the conversation"))
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
            cluster = clusters.setdefault(key, _Cluster(*key))
            cluster.names[e.name] += 1
            cluster.chunk_counts[ex.chunk_id] += 1
            cluster.description = cluster.description or e.description
            cluster.votes[key] += 1
            cluster.type_descriptions.setdefault(e.type, e.description)
            surface[(ex.chunk_id, e.name.lower())] = key
            forms.add((e.type, e.name.lower()))

    ordered = list(clusters.values())
    if ordered:
        vectors = np.array(await embed([c.name for c in ordered]), dtype=np.float32)
        pairs = (
            _same_name_pairs(ordered)
            + _short_name_pairs(ordered)
            + _similar_pairs(ordered, vectors, threshold)
        )
        merged_clusters = _union(ordered, pairs)
        for cluster in merged_clusters:
            cluster.settle_type()
    else:
        vectors, merged_clusters = np.zeros((0, 0)), []

    # a surface key → the cluster that now holds it
    owner: dict[tuple[EntityType, str], _Cluster] = {}
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
        for cluster, candidates in zip(merged_clusters, found, strict=True):
            match = _match_existing(cluster, candidates, threshold)
            if match and match.id != cluster.id:
                adopted += 1
                cluster.id, cluster.kind = match.id, match.type

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
    mentions = [
        Mention(entity_id=c.id, chunk_id=chunk_id, count=n)
        for c in merged_clusters
        for chunk_id, n in c.chunk_counts.items()
    ]
    relations = relations_between(namespace, extractions, surface, owner)
    return Resolved(
        entities=_dedupe(entities),
        mentions=mentions,
        relations=relations,
        merged=len(forms) - len(merged_clusters) + adopted,
        dropped_candidates=len(weak),
    )


def _match_existing(cluster: _Cluster, candidates: list[Existing], threshold: float) -> Existing | None:
    """The existing entity this cluster is: one named by the same key, of any named type (its id may
    differ when its first transcript merged two forms; its type stays: the namespace decided it
    first), the one longer name it abbreviates, or — for anything but people — a name that means
    the same."""
    named = cluster.kind in _NAMED and not cluster.speaker  # a speaker stays a person
    same_key = [
        c
        for c in candidates
        if (c.type is cluster.kind or (named and c.type in _NAMED))
        and canonical_key(c.name, c.type) == cluster.key
    ]
    if same_key:
        return next((c for c in same_key if c.type is cluster.kind), same_key[0])
    if named and " " not in cluster.key:  # a first or last name of one person is that person
        people = {
            c.id: c
            for c in candidates
            if c.type is EntityType.PERSON
            and abbreviates(cluster.key, canonical_key(c.name, c.type), EntityType.PERSON)
        }
        if len(people) == 1:
            return next(iter(people.values()))
    same_type = [c for c in candidates if c.type is cluster.kind]
    longer = {c.id: c for c in same_type if abbreviates(cluster.key, canonical_key(c.name, c.type), c.type)}
    if len(longer) == 1:
        return next(iter(longer.values()))
    if cluster.kind is not EntityType.PERSON:
        close = [c for c in same_type if c.similarity is not None and c.similarity >= threshold]
        if close:
            return max(close, key=lambda c: c.similarity)
    return None


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

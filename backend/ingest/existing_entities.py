"""A job's clusters against the entities its namespace already holds: a cluster that names the same
(any named type: the existing type stays, the namespace decided it first) or, for anything but people,
means the same, joins the existing entity instead of becoming a second one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from backend.domain import EntityType

from .clusters import NAMED, Cluster
from .merges import abbreviates
from .names import canonical_key


@dataclass
class Existing:
    """An entity already in the namespace that a new one might be."""

    id: str
    name: str
    type: EntityType
    similarity: float | None  # cosine similarity of the names' embeddings; None for a name match


# (namespace, [(name, name vector)]) -> for each name, existing entities close in name or in meaning
FindExisting = Callable[[str, Sequence[tuple[str, list[float]]]], Awaitable[list[list[Existing]]]]


def adopt_existing(clusters: list[Cluster], found: list[list[Existing]], threshold: float) -> int:
    """Each cluster that is an existing entity takes its id and type; how many did. `found`: for each
    cluster, the namespace's entities close to it."""
    adopted = 0
    for cluster, candidates in zip(clusters, found, strict=True):
        match = _match_existing(cluster, candidates, threshold)
        if match and match.id != cluster.id:
            adopted += 1
            cluster.id, cluster.kind = match.id, match.type
    return adopted


def _match_existing(cluster: Cluster, candidates: list[Existing], threshold: float) -> Existing | None:
    """The existing entity this cluster is: one named by the cluster's name's key, else by the key of
    another form it holds, of any named type (its id may differ: written before ids hashed the name,
    or of another type; its type stays: the namespace decided it first), the one longer name it
    abbreviates, or — for anything but people — a name that means the same."""
    named = cluster.kind in NAMED and not cluster.speaker  # a speaker stays a person
    keys = cluster.keys
    same_key = [
        c
        for c in candidates
        if (c.type is cluster.kind or (named and c.type in NAMED)) and canonical_key(c.name, c.type) in keys
    ]
    if same_key:
        return min(
            same_key,
            key=lambda c: (canonical_key(c.name, c.type) != cluster.key, c.type is not cluster.kind, c.id),
        )
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

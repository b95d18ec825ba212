"""Which clusters of one job are one entity, and their union: the same key under several named
types, a one-word name and the one longer name it abbreviates, and names of the same type whose
embeddings are closer than the threshold (never two people)."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from backend.domain import EntityType

from .clusters import NAMED, Cluster

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


def merge_pairs(clusters: list[Cluster], vectors: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Index pairs of clusters that are one entity, by name first and then by meaning."""
    return (
        _same_name_pairs(clusters)
        + _short_name_pairs(clusters)
        + _similar_pairs(clusters, vectors, threshold)
    )


def union(clusters: list[Cluster], pairs: list[tuple[int, int]]) -> list[Cluster]:
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
    merged: dict[int, Cluster] = {}
    for i, cluster in enumerate(clusters):
        r = root(i)
        if r in merged:
            merged[r].absorb(cluster)
        else:
            merged[r] = cluster
    return list(merged.values())


def _short_name_pairs(clusters: list[Cluster]) -> list[tuple[int, int]]:
    pairs = []
    people = [j for j, c in enumerate(clusters) if c.kind is EntityType.PERSON]
    for i, short in enumerate(clusters):
        if " " in short.key or short.kind not in NAMED:
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


def _same_name_pairs(clusters: list[Cluster]) -> list[tuple[int, int]]:
    """One key under several named types ("Atlas" a person and a product) is one entity."""
    first: dict[str, int] = {}
    pairs = []
    for i, c in enumerate(clusters):
        if c.kind in NAMED:
            if c.key in first:
                pairs.append((first[c.key], i))
            else:
                first[c.key] = i
    return pairs


def _similar_pairs(clusters: list[Cluster], vectors: np.ndarray, threshold: float) -> list[tuple[int, int]]:
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

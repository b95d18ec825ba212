"""A cluster: the surface forms resolution holds as one entity, with the mentions that vote on its
type. A speaker is a person; otherwise the type most mentions were given wins, and a tie goes to the
type the offline model confuses least often for the others. Once settled, a cluster is known by the
key of its name (what its entity's id hashes)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from backend.domain import EntityType

from .names import canonical_key

NAMED = frozenset(
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
class Cluster:
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

    def absorb(self, other: Cluster) -> None:
        self.names.update(other.names)
        self.chunk_counts.update(other.chunk_counts)
        self.description = self.description or other.description
        self.speaker = self.speaker or other.speaker
        self.votes.update(other.votes)
        for kind, text in other.type_descriptions.items():
            self.type_descriptions.setdefault(kind, text)

    def settle_type(self) -> None:
        """The type its mentions decide (a speaker is a person), and the key it is known by: its
        name's. Not the key it was gathered under — after a merge that is whichever form came first
        in this job ("testing" for a cluster named "test"), which another job holding the same name
        need not share: two jobs writing at once would then MERGE two nodes of one name and type."""
        by_type: Counter = Counter()
        for (kind, _), n in self.votes.items():
            by_type[kind] += n
        if self.speaker:
            kind = EntityType.PERSON
        else:
            kind = max(by_type, key=lambda k: (k is not EntityType.CONCEPT, by_type[k], -_TIE_ORDER.index(k)))
        if kind is not self.kind:
            self.kind = kind
            self.description = self.type_descriptions.get(kind, self.description)
        self.key = canonical_key(self.name, self.kind)

    @property
    def keys(self) -> set[str]:
        """The keys of every form it holds, under its type."""
        return {canonical_key(n, self.kind) for n in self.names}

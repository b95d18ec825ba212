"""The names a recording is listened for: the speaker given with it, the names the request carries
(`hints`), then the namespace's people, organisations, places and products, most-mentioned first,
each followed later by its aliases. The first few bias the recogniser (`vocabulary`); the whole book
is what a transcription's near-miss names are checked against (`near_misses.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from backend.domain import EntityType, normalise_key
from backend.graph import GraphStore
from backend.speech.port import Vocabulary

# What people say names of; concepts and events are phrases, not names.
NAME_TYPES = (EntityType.PERSON, EntityType.ORGANIZATION, EntityType.PLACE, EntityType.PRODUCT)
BOOK_ENTITIES = 500  # entities read for the check after transcription (the bias takes the first few)
HINTS_MAX = 100
HINT_CHARS = 100


@dataclass(frozen=True)
class KnownName:
    name: str
    entity_id: str | None = None  # None: a name the request gave that no entity has yet
    type: EntityType | None = None


@dataclass
class NameBook:
    namespace: str
    names: list[KnownName] = field(default_factory=list)  # most worth hearing first

    def phrases(self, limit: int) -> list[str]:
        return [n.name for n in self.names[:limit]]

    def vocabulary(self, limit: int) -> Vocabulary | None:
        phrases = self.phrases(limit)
        return Vocabulary(namespace=self.namespace, phrases=phrases) if phrases else None


def split_hints(values: Sequence[str]) -> list[str]:
    """Names from form fields: each value may hold several, separated by commas or new lines."""
    return [name.strip() for value in values for name in value.replace("\n", ",").split(",") if name.strip()]


def book_from(
    namespace: str,
    *,
    speaker: str | None,
    hints: Sequence[str],
    entities: Sequence[tuple[str, str, str, Sequence[str]]],
) -> NameBook:
    """(id, name, type, aliases) of entities, most-mentioned first → the book, one entry per name
    (a hint that is an entity's name takes the entity's id)."""
    given = [KnownName(n) for n in [speaker or "", *hints] if n.strip()]
    named = [KnownName(name, id_, EntityType(kind)) for id_, name, kind, _ in entities]
    aliases = [KnownName(a, id_, EntityType(kind)) for id_, _, kind, al in entities for a in al]
    by_key: dict[str, KnownName] = {}
    for entry in [*given, *named, *aliases]:
        key = normalise_key(entry.name)
        if not key:
            continue
        first = by_key.get(key)
        if first is None:
            by_key[key] = entry
        elif first.entity_id is None and entry.entity_id is not None:
            by_key[key] = KnownName(first.name, entry.entity_id, entry.type)  # keep its place
    return NameBook(namespace, list(by_key.values()))


async def read_name_book(
    store: GraphStore, namespace: str, *, speaker: str | None, hints: Sequence[str]
) -> NameBook:
    found = await store.known_names(namespace, [str(t) for t in NAME_TYPES], BOOK_ENTITIES)
    entities = [(e.id, e.name, e.type, e.aliases) for e in found]
    return book_from(namespace, speaker=speaker, hints=hints, entities=entities)

"""Which of the namespace's entities a piece of text names — a question, or an answer — by name or
alias, found with the graph's full-text index on names and confirmed by the words themselves.

The graph may hold one name under two types (an extraction error: "Northwind" as an Organization and,
once, as a Person); the type with the most mentions wins, as it does for a reader."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from backend.domain import normalise_key
from backend.graph import GraphStore
from backend.graph.results import EntitySummary

_CAPITALISED = re.compile(r"\b[A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*)*")
CONCEPT = "Concept"


@dataclass(frozen=True)
class Named:
    entity: EntitySummary
    start: int  # where the text first names it
    end: int
    surface: str  # the words as written


class Nameable(Protocol):  # an EntitySummary, or a TurnEntity kept in a session
    name: str
    type: str
    aliases: list[str]


def _pattern(entity: Nameable) -> re.Pattern[str]:
    forms = sorted({entity.name, *entity.aliases}, key=len, reverse=True)
    body = "|".join(re.escape(f) for f in forms if len(f) >= 2)
    flags = re.IGNORECASE if entity.type == CONCEPT else 0  # names are written capitalised
    return re.compile(rf"(?<![\w'’-])(?:{body})(?![\w-])", flags)


def find(entity: Nameable, text: str) -> list[re.Match[str]]:
    return list(_pattern(entity).finditer(text))


def best_typed(entities: list[EntitySummary]) -> list[EntitySummary]:
    """One entity per name: where names or aliases coincide ("Northwind" the Person, "Northwind
    Logistics Inc" the Organization with alias "Northwind"), the one with the most mentions."""
    ranked = sorted(entities, key=lambda e: -e.mention_count)
    chosen: list[EntitySummary] = []
    taken: set[str] = set()
    for entity in ranked:
        keys = {normalise_key(n) for n in (entity.name, *entity.aliases)}
        if not keys & taken:
            chosen.append(entity)
        taken |= keys
    return chosen


async def entities_named(
    store: GraphStore, namespace: str, text: str, *, concepts: bool = True, k: int = 20
) -> list[Named]:
    """The entities `text` names, in the order it names them. Without `concepts`, only proper names
    are looked up (what an answer's quotes name: people, organisations, places, products)."""
    query = text if concepts else " ".join(m.group(0) for m in _CAPITALISED.finditer(text))
    if not query.strip():
        return []
    candidates = await store.search.fulltext_search_entities(namespace, query, k=k)
    found: list[Named] = []
    for entity in best_typed([EntitySummary.model_validate(c.model_dump()) for c in candidates]):
        if entity.type == CONCEPT and not concepts:
            continue
        matches = find(entity, text)
        if matches:
            found.append(Named(entity, matches[0].start(), matches[0].end(), matches[0].group(0)))
    found.sort(key=lambda n: (n.start, -(n.end - n.start)))
    # a shorter name inside a longer one ("Northwind" in "Northwind Logistics") is the same mention
    kept: list[Named] = []
    for named in found:
        if not any(k.start <= named.start and named.end <= k.end for k in kept):
            kept.append(named)
    return kept

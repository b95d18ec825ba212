"""Who "they", "he", "she" or "it" stands for in a sentence of the evidence: the names of the
sentences just before it ("…the Northwind pilot…? The pilot starts in March. They want …"), and, for
a sentence that opens with the pronoun, the nearest of those names of the kind the pronoun takes —
an organisation for "they" (the graph's types), a speaker or person for "he"/"she"."""

from __future__ import annotations

import re

CONTEXT_SENTENCES = 2

_PRONOUN = re.compile(r"\b(?:they|them|their|he|him|his|she|her|it|its)\b", re.I)
_OPENING_PRONOUN = re.compile(r"^(?P<p>They|He|She|It)\b")
_PRONOUN_KINDS = {
    "They": ("Organization",),
    "It": ("Organization", "Product"),
    "He": ("Person",),
    "She": ("Person",),
}
_NOT_NAMES = frozenset(
    "I Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July "
    "August September October November December OK Okay Yes No".split()
)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-ZÀ-Ý][\w'’-]+")


def read_pronouns(sentence: str, before: list[str], kinds: dict[str, str]) -> tuple[str, str]:
    """(the names a pronoun of the sentence may stand for, the sentence with an opening pronoun
    replaced by its name); both "" when there is nothing to read. `before`: the sentences so far."""
    names = _names(before[-CONTEXT_SENTENCES:]) if _PRONOUN.search(sentence) else []
    return " ".join(names), _resolve_opening(sentence, names, kinds)


def _names(sentences: list[str]) -> list[str]:
    return [m.group(0) for s in sentences for m in _NAME.finditer(s) if m.group(0) not in _NOT_NAMES]


def _resolve_opening(sentence: str, names: list[str], kinds: dict[str, str]) -> str:
    """ "They want …" → "Northwind want …": the nearest earlier name of the kind the pronoun takes (the
    graph's entity types; speakers are people); "" when there is none."""
    opening = _OPENING_PRONOUN.match(sentence)
    if not opening or not names:
        return ""
    wanted = _PRONOUN_KINDS[opening.group("p")]
    for name in reversed(names):
        if kinds.get(name) in wanted:
            return name + sentence[opening.end() :]
    return ""


def kinds_of(entities) -> dict[str, str]:
    """Name (and alias) → entity type; a name the graph holds under two types takes the one with more
    mentions."""
    best: dict[str, tuple[int, str]] = {}
    for e in entities:
        for name in (e.name, *e.aliases):
            if name not in best or e.mention_count > best[name][0]:
                best[name] = (e.mention_count, e.type)
    return {name: kind for name, (_, kind) in best.items()}

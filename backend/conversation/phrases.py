"""Where a question names things — the phrases a follow-up's new words replace, whole and with one
determiner ("the *Diamond settlement*", never "settlement" inside it; "the case", never "the the
case"). Used by the offline follow-up rules (followup.py): "What about X?" and a pronoun said as the
whole phrase it stands for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .mentions import CONCEPT, find
from .session import Turn

QUESTION_START = re.compile(
    r"^(?:who|whom|whose|what|when|where|which|why|how|is|are|was|were|do|does|did|can|could|will|would|"
    r"should|has|have|had)\b",
    re.I,
)
WORD = re.compile(r"[\w'’-]+")
DETERMINER = frozenset("the a an this that these those my our your his her its their".split())
_PREPOSITION = frozenset(
    "about of on for with regarding to in at from into over against by after before during under".split()
)


@dataclass(frozen=True)
class Slot:
    """Where a question names something: its words (`start`..`end`), from its determiner (`lead`,
    `start` when it has none), and the type of what is named there."""

    lead: int
    start: int
    end: int
    type: str | None


def _name_word(word: re.Match[str], first: bool) -> bool:
    text = word.group(0)
    return text[:1].isupper() and not first and text != "I" and not QUESTION_START.fullmatch(text)


def phrase_at(text: str, start: int, end: int, type_: str | None) -> Slot:
    """The phrase a name or term found at start..end stands in: widened over the capitalised words
    next to it, so a multi-word name is never split ("the *Diamond settlement*", "*Lisbon* office")
    — to the left of a term only after a determiner ("gave Lena *feedback*" is two things)."""
    words = list(WORD.finditer(text))
    before = [w for w in words if w.end() <= start]
    after = [w for w in words if w.start() >= end]
    left = start
    while (
        before
        and _name_word(before[-1], before[-1] is words[0])
        and not text[before[-1].end() : left].strip()
    ):
        left = before.pop().start()
    determined = bool(before) and before[-1].group(0).lower() in DETERMINER
    if text[start:end][:1].isupper() or determined:
        start = left
    while after and _name_word(after[0], False) and not text[end : after[0].start()].strip():
        end = after.pop(0).end()
    lead = before[-1].start() if determined and not text[before[-1].end() : start].strip() else start
    return Slot(lead, start, end, type_)


def _tail(text: str) -> Slot | None:
    """The phrase a question ends on when it is what the question asks about, an object ("who will
    run *the office*?", "… think of *the battery*?"), not a subject ("when does the pilot start?")."""
    words = list(WORD.finditer(text))
    for i in range(len(words) - 1, max(len(words) - 6, 0), -1):
        word = words[i].group(0).lower()
        if word in _PREPOSITION or QUESTION_START.fullmatch(word):
            return None
        if word in DETERMINER and i + 1 < len(words):
            if QUESTION_START.fullmatch(words[i - 1].group(0)):
                return None
            return Slot(words[i].start(), words[i + 1].start(), words[-1].end(), CONCEPT)
    return None


def slots(turn: Turn) -> list[Slot]:
    """Where the turn's question named what it asked about, and its topic phrase; in order."""
    text = turn.standalone_question
    found = [
        phrase_at(text, m.start(), m.end(), e.type)
        for e in turn.entities
        if e.role in ("question", "carried") and (m := next(iter(find(e, text)), None))
    ]
    tail = _tail(text)
    return sorted([*found, *([tail] if tail else [])], key=lambda s: (s.end, s.end - s.lead))


def replaced(kind: str | None, slots: list[Slot]) -> Slot | None:
    """Which slot new words of this type take: the last of the same type (a question names who
    first, what it asks about last); else, for a thing or unknown words, the topic — the last thing
    named — or, with no thing, the first name ("what does Northwind want?"). A person only
    replaces a person: "what about Tomás?" after "who is building the export?" is not about the export."""
    same = [s for s in slots if s.type == kind]
    if same or kind == "Person":
        return same[-1] if same else None
    things = [s for s in slots if s.type != "Person"]
    return things[-1] if things else (slots[0] if slots and kind is None else None)


def takes_determiner(new: str, old: str, kind: str | None) -> bool:
    """Whether new words replace the old determiner too: when they bring their own ("the case"), or
    are a name where a common noun or a person was ("the battery" → "Voltra", "the Project Manager"
    → "Priya"); not a name for a name before a noun ("the Northwind pilot" → "the Maritime Mutual
    pilot")."""
    first = new.split()[0]
    if first.lower() in DETERMINER:
        return True
    return first[:1].isupper() and (kind == "Person" or not old.split()[-1][:1].isupper())

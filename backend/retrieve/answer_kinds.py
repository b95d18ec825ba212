"""The kind of thing that answers a question, and whether a sentence holds it: a duration for "how
long", an amount for "how much", a date or day for "when", a person for "who"."""

from __future__ import annotations

import re

_DURATION = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|a|an|"
    r"a few|couple of|several)\s+(?:more\s+)?"
    r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|quarters?|years?)\b|"
    r"\b(?:a|one|about a|within a)\s+(?:day|week|month|year)\b",
    re.I,
)
_DATE = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|"
    r"july|august|september|october|november|december|today|tomorrow|tonight|yesterday|next (?:week|month|"
    r"year|quarter)|this (?:week|month|afternoon|morning|quarter)|\d{1,2}(?:st|nd|rd|th)|first|second|"
    r"third|tenth|twentieth|thirtieth|q[1-4]|\d{4})\b",
    re.I,
)
_AMOUNT = re.compile(
    r"[$€£]|\b(?:\d[\d,.]*|hundred|thousand|million|billion)\b|\b(?:dollars?|euros?|pounds?|cents?|percent)\b",
    re.I,
)


def expects(question: str) -> re.Pattern[str] | str | None:
    """What kind of thing answers the question: a pattern to find in a sentence, "person", or None."""
    q = question.lower()
    if re.search(r"\bhow (?:long|many (?:days|weeks|months|hours|minutes))\b", q):
        return _DURATION
    if re.search(r"\bhow (?:much|many)\b|\b(?:price|cost|budget|revenue)\b", q):
        return _AMOUNT
    if re.search(r"\bwhen\b|\bwhat (?:date|day|time)\b", q):
        return _DATE
    if re.search(r"\b(?:who|whom|whose)\b", q):
        return "person"
    return None


def holds(kind: re.Pattern[str] | str | None, sentence: str, people: set[str]) -> bool:
    """The sentence holds the kind of thing `expects` found (a person: one of `people` by name)."""
    if kind == "person":
        return names_a_person(sentence, people)
    return kind is not None and bool(kind.search(sentence))


def names_a_person(sentence: str, people: set[str]) -> bool:
    return any(re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", sentence) for p in people)

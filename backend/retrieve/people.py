"""Whose statement a sentence is: the evidence's people, the ones the question names, a speaker's own
"our insurer" when the question asks for theirs, and a sentence that opens with someone other than the
one asked about."""

from __future__ import annotations

import re

from backend.domain import Citation

from .content_words import stem

_SUBJECT = re.compile(
    r"^\s*(?i:what|when|where|why|which|how(?:\s+\w+)?)\s+(?:\w+\s+)?(?i:does|did|do|is|was|are|were|will|"
    r"would|can|could|should|has|have|had)\s+(?P<subject>[A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*)*)"
)
_POSSESSIVE_PAIR = re.compile(r"([A-ZÀ-Ý][\w-]*(?:\s+[A-ZÀ-Ý][\w-]*)*)(?:'s|’s)\s+([a-z][\w-]*)")


def people_in(citations: list[Citation], person_names: list[str]) -> set[str]:
    """Who the evidence's people are: its speakers (full and first names) and the graph's persons."""
    names = {s for c in citations for s in c.speakers} | set(person_names)
    return {form for name in names for form in (name, name.split()[0]) if len(form) > 1}


def named_in(question: str, people: set[str]) -> set[str]:
    """The people (full names) the question names by full or first name."""
    full = {p for p in people if " " in p}
    return {
        p
        for p in full
        if re.search(rf"(?<![\w-])(?:{re.escape(p)}|{re.escape(p.split()[0])})(?![\w-])", question)
    }


def own(sentence: str, question: str, speaker: str) -> bool:
    """The speaker says "our insurer" and the question asks for "Sven Larsen's insurer", Sven
    speaking: the sentence is about the very thing asked for."""
    for owner, head in _POSSESSIVE_PAIR.findall(question):
        if owner.split()[-1] in speaker or owner in speaker:
            head_stem = stem(head.lower())
            if re.search(rf"\b(?:my|our)\s+(?:[\w-]+\s+)?{re.escape(head_stem)}", sentence, re.IGNORECASE):
                return True
    return False


def about_someone_else(sentence: str, question: str, people: set[str]) -> bool:
    """The question asks about a named subject ("what does Northwind want") and the sentence opens
    with another person ("Maria wants …")."""
    asked = _SUBJECT.match(question)
    if not asked:
        return False
    subject = asked.group("subject")
    opener = next(
        (p for p in sorted(people, key=len, reverse=True) if re.match(rf"{re.escape(p)}\b", sentence)), None
    )
    return opener is not None and opener not in subject and subject.split()[0] not in opener

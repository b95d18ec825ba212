"""A broad question of what someone wants ("what does Northwind want / ask for / need") and the
statements that answer it: a want verb (want, need, ask, request, require, remember, useless, …) in a
sentence that names them ("Northwind also asked whether …", "… useless to Northwind") or reads as them
("They want two hundred trackers")."""

from __future__ import annotations

import re

from .candidates import Candidate

_WANTS = re.compile(
    r"^\s*what\s+(?:else\s+)?(?:does|did|do|would)\s+(?P<subject>[A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*)*)"
    r"(?:'s\s+[\w-]+)?\s+(?:want|need|ask\s+for|ask|request|require|expect|care\s+about)\b",
    re.IGNORECASE,
)
_WANT_VERB = re.compile(
    r"\b(?:wants?|wanted|needs?|needed|ask(?:s|ed)?|requests?|requested|requires?|required|remember|"
    r"expects?|useless|must)\b",
    re.IGNORECASE,
)


def wanting(question: str) -> str | None:
    """Who a broad question asks the wants of ("What does Northwind want?" → "Northwind")."""
    found = _WANTS.match(question)
    return found.group("subject") if found else None


def states_want(candidate: Candidate, subject: str) -> bool:
    """A statement with a want verb that names the subject (or reads as it: "They want …")."""
    text = candidate.resolved or candidate.sentence
    if candidate.question or not _WANT_VERB.search(text):
        return False
    return bool(re.search(rf"\b{re.escape(subject.split()[0])}\b", text))

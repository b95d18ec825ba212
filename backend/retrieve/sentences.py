"""Sentences of a speaker's turn, split where one ends: "Northwind Logistics Inc. is ready to sign"
stays whole because the splitter knows abbreviations."""

from __future__ import annotations

import re

_ABBREVIATIONS = (
    "Inc Ltd Corp Co Dr Mr Mrs Ms Prof St Jr Sr vs etc approx Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct "
    "Nov Dec e.g i.e".split()
)
_BREAK = re.compile(r"(?<=[.!?])\s+(?=[\"“'‘(]?[A-Z0-9À-Ý])")
_ENDS_WITH_ABBREVIATION = re.compile(r"\b(?:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r")\.$")


def split_sentences(text: str) -> list[str]:
    pieces: list[str] = []
    for piece in _BREAK.split(text.strip()):
        if pieces and _ENDS_WITH_ABBREVIATION.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return [p.strip() for p in pieces if p.strip()]

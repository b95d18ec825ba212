"""Relations the graph holds that the question asks about ("who is *building* the export" → BUILD),
and whether a sentence states one: the graph read the evidence already, so its verbs point at the
sentence that answers ("Lena builds the SAP export next week")."""

from __future__ import annotations

import re

from .content_words import stem, stems


def relations_asked(question: str, relations, names: dict[str, str]) -> list[tuple[str, str]]:
    """(source, target) names of the graph's relations whose verb the question uses ("who is
    *building* …" → BUILD); `names`: entity id → name."""
    asked = stems(question)
    return [
        (names[r.source], names[r.target])
        for r in relations
        if r.type != "TALKED_ABOUT"
        and r.source in names
        and r.target in names
        and stem(r.type.split("_")[0].lower()) in asked
    ]


def states(sentence: str, relations: list[tuple[str, str]]) -> bool:
    """The sentence names both ends of one of the relations (a person by full or first name)."""
    lowered = sentence.lower()

    def said(name: str) -> bool:
        forms = {name.lower()}
        if " " in name and name[:1].isupper():  # a person: by first name too
            forms.add(name.split()[0].lower())
        return any(re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", lowered) for f in forms)

    return any(said(source) and said(target) for source, target in relations)

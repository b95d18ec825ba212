"""How much each of the question's words tells: rarer among the candidates, more (BM25's IDF); the
head of a possessive ("Sven Larsen's *insurer*") is what is asked about and counts twice, while the
words of a relative clause ("the export *that Northwind's planners asked for*") only say which thing
is meant and count half."""

from __future__ import annotations

import math
import re

from .candidates import Candidate, candidate_stems
from .content_words import stems

_POSSESSIVE_HEAD = re.compile(r"[\w-]+(?:'s|’s|s'|s’)\s+([a-z][\w-]*)")
_RELATIVE = re.compile(r"\s(?:that|which|whom|whose|who)\s", re.IGNORECASE)


def weights(found: list[Candidate], wanted: set[str], question: str = "") -> dict[str, float]:
    """Each question word's weight: rarer among the candidates, more telling (BM25's IDF); the head
    of a possessive ("Sven Larsen's *insurer*") twice."""
    counts = {w: 0 for w in wanted}
    for candidate in found:
        for w in candidate_stems(candidate) & wanted:
            counts[w] += 1
    n = len(found)
    clause = relative_clause_start(question)
    main, relative = (question, "") if clause is None else (question[:clause], question[clause:])
    heads = stems(" ".join(_POSSESSIVE_HEAD.findall(main)))
    background = stems(relative) - stems(main)
    return {
        w: math.log(1 + (n - c + 0.5) / (c + 0.5)) * (2.0 if w in heads else 0.5 if w in background else 1.0)
        for w, c in counts.items()
    }


def relative_clause_start(question: str) -> int | None:
    """Where the question's relative clause starts ("the export *that Northwind's planners asked
    for*"): it says which thing is meant, while the main clause says what is asked about it."""
    found = _RELATIVE.search(question, 1)
    return found.start() if found else None

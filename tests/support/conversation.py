"""The example conversation the product promises (issue #22), over the repo's own examples, and how a
user checks an answer: the fact is stated, and the citation its line points at says it."""

from __future__ import annotations

import re

# (what the user asks, the standalone question it must be understood as — None: as asked —, facts the
# answer must state, each with the words the cited passage must hold for it and that passage's transcript)
THREE_TURNS = [
    ("What does Northwind want?", None, [("two hundred trackers", "two hundred trackers", "product-sync")]),
    (
        "And who is building the export for them?",
        "Who is building the export for Northwind?",
        [("Lena builds the SAP export", "Lena builds the SAP export", "engineering-standup")],
    ),
    (
        "How long will it take her?",
        "How long will the export take Lena Fischer?",
        [("About a week", "Lena Fischer: About a week for a first version.", "engineering-standup")],
    ),
]


def citation_for(answer: str, fact: str) -> int:
    """The [n] on the answer's line that states `fact` (AssertionError when none does)."""
    for line in answer.splitlines():
        if fact.lower() in line.lower():
            numbers = re.findall(r"\[(\d+)\]", line)
            assert numbers, f"the line stating {fact!r} cites nothing: {line!r}"
            return int(numbers[-1])
    raise AssertionError(f"the answer does not state {fact!r}:\n{answer}")


def check_turn(answer: str, citations: list[dict], facts: list[tuple[str, str, str]]) -> None:
    for fact, source, title in facts:
        n = citation_for(answer, fact)
        assert 1 <= n <= len(citations), (n, len(citations))
        assert source in citations[n - 1]["text"], (fact, citations[n - 1]["text"])
        assert citations[n - 1]["title"] == title, (fact, citations[n - 1]["title"])

"""Names heard nearly right: what Whisper wrote for espeak-ng's memo (issue #23) is linked to the
names the namespace holds; names it does not hold, ordinary words and real meetings stay as heard."""

from __future__ import annotations

import json

import pytest

from backend.ingest.known_names import KnownName
from backend.ingest.near_misses import NameMatcher, corrected, corrections_in
from tests.support.qmsum import qmsum_dir

HELD = ["Priya Natarajan", "Henrik Olsen", "Nordlys Energy", "Trondheim", "Solvik", "Soylent", "Stavanger",
        "Montreal", "Marta Kowalczyk", "Vesper Logistics", "Daniel Brown", "Globex Corporation"]  # fmt: skip


def matcher(names=HELD) -> NameMatcher:
    return NameMatcher([KnownName(n, f"en_{i}") for i, n in enumerate(names)])


def fix(text: str, names=HELD) -> str:
    found = matcher(names).find([text])
    return corrected(text, corrections_in(text, found))


def test_the_issue_memo_as_heard_gets_the_names_the_namespace_holds():
    heard = "Priyanadarajan met Henry Coulson from Nordley's energy in Trondheim about the Solvic battery."
    assert fix(heard) == (
        "Priya Natarajan met Henrik Olsen from Nordlys Energy in Trondheim about the Solvik battery."
    )
    links = {m.heard: m.name.entity_id for m in matcher().find([heard])}
    assert links["Henry Coulson"] == "en_1" and links["Nordley's energy"] == "en_2"


@pytest.mark.parametrize(
    "heard",
    [
        "Priya Natarajan met Henrik Olsen from Nordlys Energy.",  # said right
        "The Kestrel's sensor is late, and Trondheim's office knows.",  # possessives of names
        "Nordic Energy bought the site.",  # another company: only the shared word is alike
        "Silent night, the stay longer the better; don't really mind.",  # ordinary words
        "we saw henry coulson yesterday",  # no capital: no evidence it is a name
        "Maria Lopez from Globex called Daniel Brown.",  # names not held, or held and right
    ],
)
def test_what_is_right_or_not_held_stays_as_heard(heard):
    assert fix(heard) == heard


def test_two_names_equally_close_leave_the_words_alone():
    names = ["Jon Peterson", "John Petersen"]
    assert fix("Yesterday Jon Petersen called.", names) == "Yesterday Jon Petersen called."


def test_the_best_of_overlapping_near_misses_wins_and_spans_do_not_cross_punctuation():
    text = "Priyanadarajan met us. Henry, Coulson came later."
    assert fix(text) == "Priya Natarajan met us. Henry, Coulson came later."


def test_thirty_five_real_meetings_change_nowhere():
    """The QMSum meetings' words (326k, real people's speech, properly capitalised) with these names
    held: a name heard nearly right would be a change; there must be none."""
    folder = qmsum_dir()
    if folder is None:
        pytest.skip("QMSum validation meetings not found (KW_QMSUM_DIR or shared/data/qmsum-val)")
    said = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        turns = data["meeting_transcripts"] if isinstance(data, dict) else data
        said += [t["content"] for t in turns]
    assert len(said) > 10_000
    assert matcher().find(said) == []


def test_names_said_exactly_are_found_longest_first_and_not_where_every_word_has_a_capital():
    found = matcher(["Reading", "Nordlys Energy", "Nordlys", "Trondheim"])
    said = "Reading the report, NORDLYS ENERGY and Nordlys said Trondheim. Trondheim agreed; in reading too."
    assert [n.name for n in found.said(said)] == ["Nordlys Energy", "Nordlys", "Trondheim"]
    assert [n.name for n in found.said("We moved to Reading.")] == ["Reading"]

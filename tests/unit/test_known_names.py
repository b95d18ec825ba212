"""What a recording is listened for: the speaker, the request's hints, then the namespace's names
most-mentioned first with their aliases after, each once; and how those names reach Amazon
Transcribe's custom vocabulary list format."""

from __future__ import annotations

from backend.ingest.known_names import book_from, split_hints
from backend.speech.custom_vocabulary import list_phrases

ENTITIES = [  # (id, name, type, aliases), most-mentioned first, as the graph returns them
    ("en_1", "Henrik Olsen", "Person", ["Henrik"]),
    ("en_2", "Nordlys Energy", "Organization", ["Nordlys Energy AS"]),
    ("en_3", "Priya Natarajan", "Person", []),
]


def test_the_speaker_and_hints_come_first_then_names_by_mentions_then_aliases():
    book = book_from("crm", speaker="Ben", hints=["Solvik", "priya natarajan"], entities=ENTITIES)
    assert [n.name for n in book.names] == [
        "Ben", "Solvik", "priya natarajan", "Henrik Olsen", "Nordlys Energy", "Henrik", "Nordlys Energy AS",
    ]  # fmt: skip
    hinted = next(n for n in book.names if n.name == "priya natarajan")
    assert hinted.entity_id == "en_3"  # a hint that is a held name links to its entity
    assert book.vocabulary(3).phrases == ["Ben", "Solvik", "priya natarajan"]
    assert book.vocabulary(0) is None
    assert book_from("crm", speaker=None, hints=[], entities=[]).vocabulary(25) is None


def test_hints_are_split_on_commas_and_lines():
    assert split_hints(["Nordlys Energy, Henrik Olsen", "Trondheim\nSolvik ", " "]) == [
        "Nordlys Energy", "Henrik Olsen", "Trondheim", "Solvik",
    ]  # fmt: skip


def test_transcribe_list_phrases_hyphenate_words_and_leave_out_what_cannot_be_written():
    phrases = ["Nordlys Energy", "Anika Sørensen", "José Álvarez", "O'Brien & Co.", "Route 66", "Ben", "Ben"]
    assert list_phrases(phrases) == ["Nordlys-Energy", "Jose-Alvarez", "O'Brien-Co", "Ben"]

"""Citations are whole passages (a chunk and its neighbours, as far as the question's window read
them), widen within their words and never repeat a moment; a question names speakers by full or first
name; a lexical search looks for what a question is about. (The search itself, in each engine:
tests/integration/test_passages.py.)"""

from __future__ import annotations

from backend.graph.results import ScoredChunk, TranscriptCard
from backend.retrieve.catalogue import Catalogue
from backend.retrieve.fuse import to_citations
from backend.retrieve.lexical import search_text
from backend.retrieve.window import Window


def chunk(transcript: str, index: int, text: str, speaker: str = "Ann") -> ScoredChunk:
    return ScoredChunk(
        id=f"{transcript}-{index}", transcript_id=transcript, title=transcript, index=index,
        text=f"{speaker}: {text}", speakers=[speaker], turn_start=index * 10, turn_end=index * 10 + 9,
    )  # fmt: skip


MEETING = [
    chunk("a", 0, "Welcome everyone, let us start."),
    chunk("a", 1, "The battery lasts two days on the prototype remote."),
    chunk("a", 2, "Batteries are expensive, so we chose a kinetic charger."),
    chunk("a", 3, "Next week we present the case design."),
    chunk("b", 0, "Mm - hmm."),
    chunk("b", 1, "The budget for the university estates is fixed."),
]


def test_a_passage_is_the_chunk_and_its_neighbours_in_its_own_transcript():
    passages = Window(MEETING)
    assert [c.id for c in passages.around(MEETING[3])] == ["a-2", "a-3"]
    assert [c.id for c in passages.around(MEETING[4])] == ["b-0", "b-1"]  # not the end of meeting a


def test_citations_are_passages_and_an_overlapping_hit_is_passed_over():
    passages = Window(MEETING)
    ranked = [MEETING[1], MEETING[2], MEETING[5]]
    citations = to_citations(ranked, k=2, around=passages.around)
    assert [c.chunk_id for c in citations] == ["a-1", "b-1"]  # a-2 lies inside a-1's passage
    first = citations[0]
    assert (first.turn_start, first.turn_end) == (0, 29)
    assert "Welcome" in first.text and "kinetic" in first.text


def test_a_question_naming_a_speaker_ranks_what_that_speaker_said():
    from backend.retrieve.search import Ask, by_speaker

    said = [
        chunk("m", 0, "The battery lasts two days.", speaker="Priya Raman"),
        chunk("m", 1, "The battery could last longer with a bigger cell.", speaker="Sven Larsen"),
        chunk("m", 2, "Lunch is at noon.", speaker="Priya Raman"),
    ]
    passages = Catalogue([TranscriptCard(id="m", title="M", speakers=["Priya Raman", "Sven Larsen"])])
    assert passages.speakers_named("What did priya say about the battery?") == {"Priya Raman"}
    assert passages.speakers_named("What did Sven Larsen think?") == {"Sven Larsen"}
    assert passages.speakers_named("What was said about the battery?") == set()
    ask = Ask(namespace="n", text="What did Priya say about the battery?", vector=[], pool=10)
    ranked = [[said[1], said[0], said[2]]]  # the other retrievers put Sven's chunk first
    assert [c.id for c in by_speaker(passages, ask, ranked)] == ["m-0", "m-2"]


def test_a_question_is_searched_by_what_it_is_about_not_how_it_asks():
    question = "Summarize the discussion about the battery. What did they think?"
    assert search_text(question) == "battery"  # "summarize", "discussion", "think" only frame it
    assert search_text("What did they discuss?") == ""
    assert search_text("What did Priya say about the kinetic charger?") == "Priya kinetic charger"


def test_citations_widen_with_neighbours_within_the_words_budget():
    from backend.retrieve import fuse

    words = " ".join(["word"] * 60)  # 60 words, plus the speaker's name
    long = [chunk("w", i, words) for i in range(12)]
    passages = Window(long)
    [one] = to_citations([long[5]], k=1, around=passages.around, beside=passages.beside)
    # its passage w-4..w-6 (183 words) takes w-7 after it; w-3 too would pass 300 words
    assert one.chunk_id == "w-5" and (one.turn_start, one.turn_end) == (40, 79)
    assert len(one.text.split()) <= fuse.WORDS_PER_CITATION
    two = to_citations([long[2], long[3], long[7]], k=2, around=passages.around, beside=passages.beside)
    assert len(two) == 2 and two[0].turn_end < two[1].turn_start  # never the same moment twice
    assert sum(len(c.text.split()) for c in two) <= 2 * fuse.WORDS_PER_CITATION
    assert to_citations([long[5]], k=1, around=passages.around)[0].turn_end == 69  # nothing beside: as found

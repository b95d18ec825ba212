"""Passages: BM25 ranks the chunk whose passage holds the question's words first, whatever their
endings; citations are whole passages and never repeat a moment. (The cache over the graph:
tests/integration/test_graph_store.py.)"""

from __future__ import annotations

from backend.graph.results import ScoredChunk
from backend.retrieve.fuse import to_citations
from backend.retrieve.passages import build_passages


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


def test_bm25_finds_the_passage_with_the_words_whatever_their_endings():
    passages = build_passages(list(reversed(MEETING)), version=("v",))
    hits = passages.search("What did they decide about the batteries?", k=6)
    # a-0's passage holds "battery" only through its neighbour a-1; a-1's and a-2's hold both forms
    assert {h.id for h in hits} == {"a-0", "a-1", "a-2", "a-3"}
    assert {h.id for h in hits[:2]} == {"a-1", "a-2"}
    assert passages.search("the of what", k=3) == []  # stop words only: no query, no noise
    assert passages.mentions("Estates") and not passages.mentions("Rotterdam")


def test_a_passage_is_the_chunk_and_its_neighbours_in_its_own_transcript():
    passages = build_passages(MEETING, version=("v",))
    assert [c.id for c in passages.around(MEETING[3])] == ["a-2", "a-3"]
    assert [c.id for c in passages.around(MEETING[4])] == ["b-0", "b-1"]  # not the end of meeting a


def test_citations_are_passages_and_an_overlapping_hit_is_passed_over():
    passages = build_passages(MEETING, version=("v",))
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
    passages = build_passages(said, version=("v",))
    assert passages.speakers_named("What did priya say about the battery?") == {"Priya Raman"}
    assert passages.speakers_named("What did Sven Larsen think?") == {"Sven Larsen"}
    assert passages.speakers_named("What was said about the battery?") == set()
    ask = Ask(namespace="n", text="What did Priya say about the battery?", vector=[], pool=10)
    ranked = [[said[1], said[0], said[2]]]  # the other retrievers put Sven's chunk first
    assert [c.id for c in by_speaker(passages, ask, ranked)] == ["m-0", "m-2"]


def test_a_question_is_searched_by_what_it_is_about_not_how_it_asks():
    talk = [
        chunk("t", 0, "Let us summarize what we said. Good discussion, I think."),
        chunk("t", 1, "Mm - hmm."),
        chunk("t", 2, "Yeah."),
        chunk("u", 0, "Okay."),
        chunk("u", 1, "The kinetic battery is cheaper than the solar cell."),
        chunk("u", 2, "Right."),
    ]
    passages = build_passages(talk, version=("v",), reach=0)
    hits = passages.search("Summarize the discussion about the battery. What did they think?", k=6)
    assert [h.id for h in hits] == ["u-1"]  # "summarize", "discussion", "think" only frame the question
    assert passages.search("What did they discuss?", k=3) == []


def test_citations_widen_with_neighbours_within_the_words_budget():
    from backend.retrieve import fuse

    words = " ".join(["word"] * 60)  # 60 words, plus the speaker's name
    long = [chunk("w", i, words) for i in range(12)]
    passages = build_passages(long, version=("v",), reach=0)
    [one] = to_citations([long[5]], k=1, around=passages.around, beside=passages.beside)
    # its passage w-4..w-6 (183 words) takes w-7 after it; w-3 too would pass 300 words
    assert one.chunk_id == "w-5" and (one.turn_start, one.turn_end) == (40, 79)
    assert len(one.text.split()) <= fuse.WORDS_PER_CITATION
    two = to_citations([long[2], long[3], long[7]], k=2, around=passages.around, beside=passages.beside)
    assert len(two) == 2 and two[0].turn_end < two[1].turn_start  # never the same moment twice
    assert sum(len(c.text.split()) for c in two) <= 2 * fuse.WORDS_PER_CITATION
    assert to_citations([long[5]], k=1, around=passages.around)[0].turn_end == 69  # nothing beside: as found


def test_bm25_within_transcripts_ranks_only_their_chunks():
    passages = build_passages(MEETING, version=("v",), reach=0)
    assert passages.transcripts() == {"a", "b"}
    everywhere = passages.search("the budget for the battery", k=6)
    assert {h.transcript_id for h in everywhere} == {"a", "b"}
    assert {h.id for h in passages.search("the budget for the battery", k=6, within={"b"})} == {"b-1"}
    assert passages.search("the budget for the battery", k=6, within={"nowhere"}) == []


def test_a_name_is_mentioned_whatever_its_accents():
    """ "Who is Tomas Silva?" was "I found nothing about Tomas": the transcripts say "Tomás"."""
    passages = build_passages(
        [chunk("a", 0, "Our engineer Tomás Silva finishes the firmware.", "Priya")], ("v",)
    )
    assert passages.mentions("Tomas") and passages.mentions("Tomás") and passages.mentions("TOMAS")
    assert not passages.mentions("Thomas")

"""Chunks respect the token budget, keep whole turns, overlap a little, and say which turns they hold."""

from __future__ import annotations

import json
from itertools import pairwise

from backend.domain import Segment
from backend.ingest.chunking import chunk_segments, count_tokens
from backend.ingest.formats import parse
from tests.support.qmsum import meeting_path


def turns(*texts: str) -> list[Segment]:
    return [
        Segment(index=i, speaker="Ann" if i % 2 == 0 else "Bob", text=t, start_s=i * 10.0, end_s=i * 10.0 + 8)
        for i, t in enumerate(texts)
    ]


def test_whole_turns_fill_a_chunk_with_speakers_times_and_turn_range():
    segments = turns(*(f"sentence number {i} about the remote control." for i in range(12)))
    chunks = chunk_segments("ns", "t", segments, max_tokens=40, overlap_tokens=9)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.token_count <= 40
        lines = chunk.text.split("\n")
        assert len(lines) == chunk.turn_end - chunk.turn_start + 1  # one whole turn per line
        assert lines[0].startswith(("Ann: ", "Bob: "))
        assert chunk.start_s == chunk.turn_start * 10.0 and chunk.end_s == chunk.turn_end * 10.0 + 8
        assert set(chunk.speakers) <= {"Ann", "Bob"}
    # consecutive chunks overlap by the last short turn, and together they cover every turn
    assert all(b.turn_start == a.turn_end for a, b in pairwise(chunks))
    assert chunks[0].turn_start == 0 and chunks[-1].turn_end == 11


def test_a_long_turn_is_split_on_sentences_and_keeps_its_turn_index():
    long_turn = " ".join(f"This is sentence {i} of a very long monologue." for i in range(30))
    chunks = chunk_segments(
        "ns", "t", turns("Short opener.", long_turn, "Short reply."), max_tokens=50, overlap_tokens=0
    )
    middle = [c for c in chunks if c.turn_start == c.turn_end == 1]
    assert len(middle) >= 5
    assert all(c.text.endswith(".") and c.token_count <= 50 for c in middle)
    assert " ".join(c.text.removeprefix("Bob: ") for c in middle) == long_turn


def test_chunk_ids_are_deterministic():
    segments = turns("one.", "two.", "three.")
    assert [c.id for c in chunk_segments("ns", "t", segments)] == [
        c.id for c in chunk_segments("ns", "t", segments)
    ]


def test_every_qmsum_turn_lands_in_a_chunk_within_budget():
    for path in sorted(meeting_path("ES2006a").parent.glob("*.json"))[:6]:
        parsed = parse(json.loads(path.read_text()))
        chunks = chunk_segments("ns", path.stem, parsed.segments, max_tokens=100, overlap_tokens=20)
        covered = {i for c in chunks for i in range(c.turn_start, c.turn_end + 1)}
        assert {s.index for s in parsed.segments} <= covered
        assert max(c.token_count for c in chunks) <= 100
        assert sum(count_tokens(s.text) for s in parsed.segments) <= sum(c.token_count for c in chunks)


def test_a_line_without_spaces_is_cut_so_no_chunk_outgrows_the_extractor():
    text = "x" * 1_999_995  # over spaCy's 1M-character limit, within KW_MAX_TRANSCRIPT_CHARS
    chunks = chunk_segments(
        "ns", "t", [Segment(index=0, speaker="Ann", text=text)], max_tokens=100, overlap_tokens=0
    )
    assert len(chunks) > 1 and max(len(c.text) for c in chunks) <= 100 * 101 + len("Ann: ")
    assert "".join(c.text.removeprefix("Ann: ").replace(" ", "") for c in chunks) == text  # nothing lost
    assert all(c.turn_start == c.turn_end == 0 for c in chunks)

"""The SSE reader follows the specification (as a browser's EventSource reads a stream), and reads back
what the writer writes."""

from __future__ import annotations

from backend import sse


def test_what_is_written_reads_back():
    written = sse.encode("token", {"text": "line one\nline two"}) + sse.KEEP_ALIVE + sse.encode("done", {})
    assert list(sse.events(written.split("\n"))) == [("token", {"text": "line one\nline two"}), ("done", {})]


def test_data_lines_are_joined_with_newlines_and_lose_one_leading_space():
    lines = ["event: token", 'data: {"text":', "data:  1}", "", "data:[2,", "data:3]", ""]
    assert list(sse.events(lines)) == [("token", {"text": 1}), ("message", [2, 3])]


def test_comments_and_unknown_fields_are_passed_over_and_an_unfinished_event_dropped():
    lines = [": keep-alive", "", "id: 7", "retry: 10", "event: stage", "data: 1", "", "event: x", "data: 2"]
    assert list(sse.events(lines)) == [("stage", 1)]


def test_reading_stops_after_the_last_event():
    lines = ["event: done", "data: {}", "", "event: token", "data: 1", ""]
    assert list(sse.events(lines)) == [("done", {})]
    assert list(sse.events(lines, until=frozenset())) == [("done", {}), ("token", 1)]

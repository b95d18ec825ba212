"""Every transcript format, from real files: speakers, times and source turn indices survive; bad
input gets an error that names the line or field to fix."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.ingest.formats import FORMATS, TranscriptFormatError, detect, parse
from tests.support.qmsum import meeting_path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
EXAMPLES = ROOT / "examples"


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        (EXAMPLES / "product-sync.vtt", "vtt"),
        (EXAMPLES / "customer-call.srt", "srt"),
        (EXAMPLES / "engineering-standup.txt", "text"),
        (EXAMPLES / "board-review.json", "turns"),
        (DATA / "transcribe-sample.json", "transcribe"),
        (DATA / "transcribe-legacy.json", "transcribe"),
        (DATA / "whisper-sample.json", "whisper"),
    ],
    ids=lambda v: v.name if isinstance(v, Path) else v,
)
def test_formats_are_detected_and_keep_speakers_and_times(path, fmt):
    content = path.read_text()
    assert detect(content) == fmt
    parsed = parse(content)
    assert parsed.format == fmt and parsed.segments
    assert [s.index for s in parsed.segments] == sorted(s.index for s in parsed.segments)
    timed = [s for s in parsed.segments if s.start_s is not None]
    assert timed and all(s.end_s is None or s.end_s >= s.start_s for s in timed)


def test_webvtt_voice_tags_become_speakers():
    parsed = parse((EXAMPLES / "product-sync.vtt").read_text())
    first = parsed.segments[0]
    assert (first.speaker, first.start_s, first.end_s) == ("Maria Chen", 1.0, 7.5)
    assert first.text.startswith("Morning everyone.")
    assert {s.speaker for s in parsed.segments} == {"Maria Chen", "David Okafor", "Priya Raman"}


def test_srt_speaker_prefixes_and_comma_milliseconds():
    parsed = parse((EXAMPLES / "customer-call.srt").read_text())
    assert (parsed.segments[0].speaker, parsed.segments[0].start_s) == ("Sven Larsen", 0.5)
    assert parsed.segments[-1].end_s == pytest.approx(113.0)


def test_text_with_timestamps_and_continuation_lines():
    parsed = parse(
        "[00:00:02] Ann Lee: Hello there\nand welcome.\n\n[00:01:05.5] Bob: Thanks, Ann.\n\nplain line\n"
    )
    assert [(s.speaker, s.text, s.start_s, s.end_s) for s in parsed.segments] == [
        ("Ann Lee", "Hello there and welcome.", 2.0, 65.5),
        ("Bob", "Thanks, Ann.", 65.5, None),
        (None, "plain line", None, None),
    ]


def test_transcribe_groups_words_into_speaker_turns_with_punctuation():
    for name in ("transcribe-sample.json", "transcribe-legacy.json"):
        parsed = parse((DATA / name).read_text())
        assert [(s.speaker, s.text) for s in parsed.segments] == [
            ("spk_0", "Hello Sven, this is Priya from Atlas."),
            ("spk_1", "Hi Priya. Northwind wants the pilot in Rotterdam."),
            ("spk_0", "Great, we ship from Eindhoven."),
        ]
        assert parsed.segments[1].start_s == pytest.approx(3.02)
        assert parsed.segments[1].end_s == pytest.approx(6.10)
        assert parsed.language == "en-US"


def test_whisper_segments_keep_times_and_language():
    parsed = parse((DATA / "whisper-sample.json").read_text())
    assert [(s.start_s, s.end_s, s.text) for s in parsed.segments][1] == (3.0, 3.7, "Hi Priya.")
    assert parsed.language == "en" and parsed.duration_s == pytest.approx(6.1)


def test_qmsum_turns_keep_their_source_index_after_cleaning():
    meeting = json.loads(meeting_path("ES2006a").read_text())
    parsed = parse(meeting)
    assert parsed.format == "turns"
    by_index = {s.index: s for s in parsed.segments}
    assert 0 not in by_index  # ".. ." has no words and is dropped, without renumbering the rest
    assert by_index[1].speaker == "Project Manager"
    assert "{disfmarker}" not in " ".join(s.text for s in parsed.segments)
    original = meeting["meeting_transcripts"][5]["content"]
    assert by_index[5].text.split()[0] in original


def test_explicit_format_overrides_detection():
    assert (
        parse('[{"speaker": "A", "text": "hi"}]', "text").segments[0].text
        == '[{"speaker": "A", "text": "hi"}]'
    )


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        ("", "auto", "empty"),
        ("   \n ", "auto", "empty"),
        ('{"speaker": "A", "text": "hi"', "auto", "line 1, column"),
        ('{"results": {"items": [{"type": "pronunciation"}]}}', "auto", r"results.items\[0\].alternatives"),
        ('[{"speaker": "A", "text": "hi"}, {"speaker": "B", "text": 3}]', "auto", r"\[1\]: needs a 'text'"),
        ('[{"speaker": "A", "text": "hi", "start": "soon"}]', "turns", r"\[0\].start"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:x\nhello\n", "vtt", "line 3"),
        ("WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nhello\n", "vtt", "ends .* before it starts"),
        ("hello\n", "vtt", "starts with 'WEBVTT'"),
        ("no cues here", "srt", "no cues found"),
        ('{"foo": 1}', "auto", "not a transcript format"),
        ("Ann: {disfmarker} .. .", "auto", "no spoken text"),
        ("hello", "mp3", "format must be one of"),
    ],
)
def test_bad_input_says_what_to_fix(content, fmt, message):
    with pytest.raises(TranscriptFormatError, match=message):
        parse(content, fmt)


def test_non_utf8_bytes_are_refused():
    with pytest.raises(TranscriptFormatError, match="not UTF-8"):
        parse(b"\xff\xfe\x00A\x00:", "auto")


# Each JSON format's skeleton with anything at its leaves, so generated files reach the parsers' rules.
_ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.just(10**400) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_MAYBE_TEXT = st.text(min_size=1, max_size=12) | _ANY


def _object(**fields):
    return st.fixed_dictionaries({}, optional=fields)


_TURNS = st.lists(_object(speaker=_MAYBE_TEXT, text=_MAYBE_TEXT, start=_ANY, end=_ANY) | _ANY, max_size=4)
_WHISPER = _object(
    segments=st.lists(_object(start=_ANY, end=_ANY, text=_MAYBE_TEXT, speaker=_ANY) | _ANY, max_size=4),
    language=_ANY,
)
_ITEM = _object(
    alternatives=st.lists(_object(content=_MAYBE_TEXT) | _ANY, max_size=2) | _ANY,
    start_time=_ANY, end_time=_ANY, speaker_label=_ANY, type=st.sampled_from(["pronunciation", "punctuation"])
)  # fmt: skip
_TRANSCRIBE = _object(
    results=_object(
        items=st.lists(_ITEM | _ANY, max_size=4) | _ANY,
        speaker_labels=_object(segments=st.lists(_object(items=_ANY) | _ANY, max_size=2) | _ANY) | _ANY,
        language_code=_ANY,
    )
)


@settings(
    max_examples=400,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    content=_TURNS | _WHISPER | _TRANSCRIBE | _object(turns=_TURNS, title=_ANY), fmt=st.sampled_from(FORMATS)
)
def test_any_json_is_parsed_or_refused_with_a_format_error(content, fmt):
    """Whatever the shape, the caller gets a transcript or a 422 (TranscriptFormatError), never a 500."""
    for value in (content, json.dumps(content)):
        with contextlib.suppress(TranscriptFormatError):
            parse(value, fmt)

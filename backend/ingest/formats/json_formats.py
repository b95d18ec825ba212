"""JSON transcripts: Amazon Transcribe output, Whisper output, and speaker-turn lists."""

from __future__ import annotations

import math
from typing import Any

from .base import Parsed, TranscriptFormatError, build_segments

_TEXT_KEYS = ("text", "content", "transcript", "utterance")
_SPEAKER_KEYS = ("speaker", "speaker_label", "name")
_START_KEYS = ("start", "start_s", "start_time")
_END_KEYS = ("end", "end_s", "end_time")


def _first(item: dict, keys: tuple[str, ...]) -> Any:
    return next((item[k] for k in keys if k in item and item[k] is not None), None)


def _seconds(value: Any, where: str) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        raise TranscriptFormatError(f"{where}: {str(value)[:40]!r} is not a number of seconds") from None
    if not math.isfinite(seconds):
        raise TranscriptFormatError(f"{where}: {str(value)[:40]!r} is not a number of seconds")
    if seconds < 0:
        raise TranscriptFormatError(f"{where}: times cannot be negative")
    return seconds


def _speaker(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TranscriptFormatError(f"{where}: a speaker is a name (a string), not {type(value).__name__}")


# --- speaker turns -------------------------------------------------------------------------------
def is_turn_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) for v in value[:5])
        and any(_first(v, _TEXT_KEYS) is not None for v in value[:5])
    )


def find_turns(data: Any) -> tuple[str, list] | None:
    """The turn list itself, or the first turn list an object holds (e.g. `{"turns": [...]}`)."""
    if is_turn_list(data):
        return "", data
    if isinstance(data, dict):
        for key, value in data.items():
            if is_turn_list(value):
                return key, value
    return None


def parse_turns(data: Any) -> Parsed:
    found = find_turns(data)
    if found is None and isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        found = ("", data)  # asked for turns explicitly: say which turn is wrong
    if found is None:
        raise TranscriptFormatError(
            'expected a list of turns like [{"speaker": "Ann", "text": "Hello"}] or an object holding one'
        )
    key, items = found
    turns = []
    for i, item in enumerate(items):
        where = f"{key}[{i}]" if key else f"[{i}]"
        if not isinstance(item, dict):
            raise TranscriptFormatError(f"{where}: each turn must be an object")
        text = _first(item, _TEXT_KEYS)
        if not isinstance(text, str):
            raise TranscriptFormatError(f"{where}: needs a 'text' (or 'content') string")
        speaker = _first(item, _SPEAKER_KEYS)
        if isinstance(speaker, int | float) and not isinstance(speaker, bool):
            speaker = str(speaker)  # "speaker": 1 in some exports
        start = _seconds(_first(item, _START_KEYS), f"{where}.start")
        end = _seconds(_first(item, _END_KEYS), f"{where}.end")
        turns.append((_speaker(speaker, f"{where}.speaker"), text, start, end))
    title = data.get("title") if isinstance(data, dict) and isinstance(data.get("title"), str) else None
    return Parsed(format="turns", segments=build_segments(turns), title=title)


# --- Whisper -------------------------------------------------------------------------------------
def is_whisper(data: Any) -> bool:
    segments = data.get("segments") if isinstance(data, dict) else None
    return (
        isinstance(segments, list)
        and bool(segments)
        and all(isinstance(s, dict) and "start" in s and "text" in s for s in segments[:5])
    )


def parse_whisper(data: Any) -> Parsed:
    if not is_whisper(data):
        raise TranscriptFormatError('Whisper JSON has \'segments\': [{"start", "end", "text"}, ...]')
    turns = []
    for i, seg in enumerate(data["segments"]):
        where = f"segments[{i}]"
        if not isinstance(seg.get("text"), str):
            raise TranscriptFormatError(f"{where}.text: must be a string")
        start, end = _seconds(seg.get("start"), f"{where}.start"), _seconds(seg.get("end"), f"{where}.end")
        turns.append((_speaker(seg.get("speaker"), f"{where}.speaker"), seg["text"], start, end))
    duration = max((t[3] or 0.0 for t in turns), default=None)
    language = data.get("language")
    if language is not None and not isinstance(language, str):
        raise TranscriptFormatError(f"language: must be a string like 'en', not {language!r}")
    return Parsed(format="whisper", segments=build_segments(turns), language=language, duration_s=duration)


# --- Amazon Transcribe ---------------------------------------------------------------------------
def is_transcribe(data: Any) -> bool:
    results = data.get("results") if isinstance(data, dict) else None
    return isinstance(results, dict) and ("items" in results or "transcripts" in results)


def parse_transcribe(data: Any) -> Parsed:
    if not is_transcribe(data):
        raise TranscriptFormatError("Amazon Transcribe JSON has 'results': {'items': [...], ...}")
    results = data["results"]
    items = results.get("items")
    if not isinstance(items, list):
        raise TranscriptFormatError("results.items: must be a list")
    speaker_at = _speaker_by_start(results)
    turns: list[list] = []
    last_speaker = None
    for i, item in enumerate(items):
        where = f"results.items[{i}]"
        if not isinstance(item, dict):
            raise TranscriptFormatError(f"{where}: each item must be an object")
        alternatives = item.get("alternatives")
        if (
            not isinstance(alternatives, list)
            or not alternatives
            or not isinstance(alternatives[0], dict)
            or not isinstance(alternatives[0].get("content"), str)
        ):
            raise TranscriptFormatError(f"{where}.alternatives[0].content: missing")
        word = alternatives[0]["content"]
        if item.get("type") == "punctuation":
            if turns:
                turns[-1][1] += word
            continue
        start = _seconds(item.get("start_time"), f"{where}.start_time")
        end = _seconds(item.get("end_time"), f"{where}.end_time")
        labelled = speaker_at.get(str(item["start_time"])) if "start_time" in item else None
        speaker = item.get("speaker_label") or labelled or last_speaker
        speaker = _speaker(speaker, f"{where}.speaker_label")
        if turns and speaker == turns[-1][0] and not _sentence_limit(turns[-1], speaker):
            turns[-1][1] += " " + word
            turns[-1][3] = end
        else:
            turns.append([speaker, word, start, end])
        last_speaker = speaker
    duration = max((t[3] or 0.0 for t in turns), default=None)
    language = results.get("language_code") or data.get("language_code")
    if language is not None and not isinstance(language, str):
        raise TranscriptFormatError(f"results.language_code: must be a string like 'en-US', not {language!r}")
    return Parsed(
        format="transcribe",
        segments=build_segments([tuple(t) for t in turns]),
        language=language,
        duration_s=duration,
    )


def _sentence_limit(turn: list, speaker: str | None) -> bool:
    # Without speaker labels everything is one "speaker": start a new turn at a sentence end once a
    # turn is long, so turns stay citable.
    return speaker is None and turn[1].endswith((".", "?", "!")) and len(turn[1]) > 200


def _speaker_by_start(results: dict) -> dict[str, str]:
    """Older Transcribe output puts speakers only in speaker_labels.segments[].items[]."""
    labels = results.get("speaker_labels") or {}
    segments = labels.get("segments") if isinstance(labels, dict) else None
    mapping = {}
    for i, segment in enumerate(segments if isinstance(segments, list) else []):
        items = segment.get("items") if isinstance(segment, dict) else None
        if not isinstance(items, list):
            raise TranscriptFormatError(f"results.speaker_labels.segments[{i}].items: must be a list")
        for item in items:
            if isinstance(item, dict) and "start_time" in item and "speaker_label" in item:
                mapping[str(item["start_time"])] = item["speaker_label"]
    return mapping

"""Transcript formats → `Parsed` (segments with speaker, times and source turn index).

`parse(content, format)` with format `auto` detects: JSON (Amazon Transcribe, Whisper, speaker turns),
WebVTT, SRT, else plain text.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from backend.domain import MAX_NAME_CHARS

from . import json_formats, subtitles, text
from .base import Parsed, TranscriptFormatError, clean_text

log = logging.getLogger(__name__)
FORMATS = ("auto", "text", "vtt", "srt", "transcribe", "whisper", "turns")

_SRT_START = re.compile(r"^\s*\d+\s*\r?\n\s*\S+\s+-->\s+\S+", re.MULTILINE)

_JSON_PARSERS: dict[str, Callable[[Any], Parsed]] = {
    "transcribe": json_formats.parse_transcribe,
    "whisper": json_formats.parse_whisper,
    "turns": json_formats.parse_turns,
}


def _as_json(content: str | dict | list, fmt: str) -> Any:
    if not isinstance(content, str):
        return content
    try:
        return json.loads(content)
    except json.JSONDecodeError as exc:
        raise TranscriptFormatError(
            f"line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None


def detect(content: str | dict | list) -> str:
    if not isinstance(content, str):
        data = content
    else:
        stripped = content.lstrip("\ufeff \t\r\n")
        if stripped.startswith("WEBVTT"):
            return "vtt"
        if _SRT_START.match(stripped):
            return "srt"
        if not stripped.startswith(("{", "[")):
            return "text"
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError:
            if stripped.startswith("["):  # "[00:00:02] Ann: …" is a timestamped text transcript
                return "text"
            data = _as_json(stripped, "auto")  # a broken JSON object: say where it breaks
    if json_formats.is_transcribe(data):
        return "transcribe"
    if json_formats.is_whisper(data):
        return "whisper"
    if json_formats.find_turns(data) is not None:
        return "turns"
    raise TranscriptFormatError(
        "JSON, but not a transcript format we know: Amazon Transcribe ('results'), Whisper ('segments'), "
        'or a list of speaker turns [{"speaker", "text"}]'
    )


def parse(content: str | bytes | dict | list, fmt: str = "auto") -> Parsed:
    if fmt not in FORMATS:
        raise TranscriptFormatError(f"format must be one of {', '.join(FORMATS)}")
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TranscriptFormatError("the file is not UTF-8 text") from None
    if isinstance(content, str) and not content.strip():
        raise TranscriptFormatError("the transcript is empty")
    chosen = detect(content) if fmt == "auto" else fmt
    try:
        parsed = _parse_as(content, chosen)
    except TranscriptFormatError:
        raise
    except (TypeError, ValueError, ArithmeticError, AttributeError, LookupError, ValidationError) as exc:
        # A shape no parser rule foresaw is still the file's problem, not a server error; the log keeps
        # the details for the parser's next rule.
        log.warning("unreadable transcript", extra={"format": chosen, "error": type(exc).__name__})
        raise TranscriptFormatError(
            f"the content could not be read as {chosen}: a value has an unexpected type or shape"
        ) from None
    if not parsed.segments:
        raise TranscriptFormatError("the transcript has no spoken text")
    _check_speakers(parsed)
    return parsed


def _parse_as(content: str | dict | list, chosen: str) -> Parsed:
    if chosen in _JSON_PARSERS:
        return _JSON_PARSERS[chosen](_as_json(content, chosen))
    if not isinstance(content, str):
        raise TranscriptFormatError(f"format {chosen!r} expects text content, got JSON")
    if chosen == "vtt":
        return subtitles.parse_vtt(content)
    if chosen == "srt":
        return subtitles.parse_srt(content)
    return text.parse(content)


def _check_speakers(parsed: Parsed) -> None:
    """Every speaker becomes a Person entity: a name longer than an entity's is refused here, at
    upload, rather than failing the job later."""
    for segment in parsed.segments:
        if segment.speaker and len(segment.speaker) > MAX_NAME_CHARS:
            raise TranscriptFormatError(
                f"turn {segment.index + 1}: the speaker name is {len(segment.speaker):,} characters "
                f"({segment.speaker[:20]!r}…); a speaker name is at most {MAX_NAME_CHARS}"
            )


__all__ = ["FORMATS", "Parsed", "TranscriptFormatError", "clean_text", "detect", "parse"]

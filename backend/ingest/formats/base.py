"""What every transcript format parser produces, and the error it raises on input it cannot read."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from backend.domain import Segment
from backend.errors import InvalidInput


class TranscriptFormatError(InvalidInput):
    """The upload is not a readable transcript; the message names the line or field to fix."""

    code = "transcript_format"


class Parsed(BaseModel):
    format: str
    segments: list[Segment]
    language: str | None = None
    title: str | None = None
    duration_s: float | None = Field(None, ge=0)


# Annotation marks some corpora leave in the text ({disfmarker}, {vocalsound}, [inaudible]) and
# tokenised spacing before punctuation ("it 's great .") — both hurt extraction and reading.
_MARKS = re.compile(r"\{[a-z_]+\}|\[(?:inaudible|crosstalk|laughter|noise|music|silence)\]", re.IGNORECASE)
_SPACE_BEFORE = re.compile(r"\s+([.,!?;:%)]|'s\b|'re\b|'ve\b|'ll\b|'d\b|'m\b|n't\b)")
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    text = _MARKS.sub(" ", text)
    text = _SPACE_BEFORE.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def build_segments(turns: list[tuple[str | None, str, float | None, float | None]]) -> list[Segment]:
    """Segments from (speaker, text, start, end), cleaned; turns left empty by cleaning are dropped,
    and `index` is the position in the source, so citations can point back at it."""
    segments = []
    for index, (speaker, text, start, end) in enumerate(turns):
        cleaned = clean_text(text)
        if cleaned and re.search(r"\w", cleaned):
            speaker = clean_text(speaker) if speaker else None
            segments.append(
                Segment(index=index, speaker=speaker or None, text=cleaned, start_s=start, end_s=end)
            )
    return segments


def parse_clock(value: str, where: str) -> float:
    """`HH:MM:SS.mmm`, `MM:SS.mmm` or `HH:MM:SS,mmm` → seconds."""
    match = re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?", value.strip())
    if not match:
        raise TranscriptFormatError(f"{where}: {value.strip()!r} is not a timestamp like 00:01:02.500")
    hours, minutes, seconds, millis = match.groups()
    return (
        int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int((millis or "0").ljust(3, "0")) / 1000
    )

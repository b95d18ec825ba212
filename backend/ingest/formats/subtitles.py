"""WebVTT and SRT: timed cues; the speaker comes from a `<v Name>` voice tag, a `Name:` prefix, or a
`[Name]` prefix. Consecutive cues of the same speaker are one turn."""

from __future__ import annotations

import re

from .base import Parsed, TranscriptFormatError, build_segments, parse_clock

_ARROW = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]+>")
_PREFIX = re.compile(r"^(?:\[(?P<bracket>[^\]]{1,40})\]|(?P<colon>[A-Z][\w .'-]{0,40}?):)\s+(?P<text>.+)$")


def parse_vtt(content: str) -> Parsed:
    lines = content.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].startswith("WEBVTT"):
        raise TranscriptFormatError("line 1: a WebVTT file starts with 'WEBVTT'")
    return Parsed(format="vtt", segments=build_segments(_cues(lines, "vtt")))


def parse_srt(content: str) -> Parsed:
    lines = content.lstrip("\ufeff").splitlines()
    return Parsed(format="srt", segments=build_segments(_cues(lines, "srt")))


def _cues(lines: list[str], kind: str) -> list[tuple]:
    turns: list[list] = []
    i = 0
    while i < len(lines):
        arrow = _ARROW.match(lines[i])
        if not arrow:
            i += 1
            continue
        where = f"line {i + 1}"
        start, end = parse_clock(arrow.group(1), where), parse_clock(arrow.group(2), where)
        if end < start:
            raise TranscriptFormatError(f"{where}: the cue ends ({arrow.group(2)}) before it starts")
        i += 1
        text_lines = []
        while i < len(lines) and lines[i].strip():
            text_lines.append(lines[i].strip())
            i += 1
        speaker, text = _speaker_and_text(" ".join(text_lines))
        if not text:
            continue
        previous = turns[-1] if turns else None
        if previous and speaker is not None and previous[0] == speaker:
            previous[1] += " " + text
            previous[3] = end
        else:
            turns.append([speaker, text, start, end])
    if not turns:
        raise TranscriptFormatError(
            f"no cues found: a {kind.upper()} cue has a line like '00:00:01.000 --> 00:00:04.000'"
        )
    return [tuple(t) for t in turns]


def _speaker_and_text(raw: str) -> tuple[str | None, str]:
    voice = _VOICE.search(raw)
    speaker = voice.group(1).strip() if voice else None
    text = _TAG.sub("", raw).strip()
    if speaker is None:
        prefix = _PREFIX.match(text)
        if prefix:
            speaker = (prefix.group("bracket") or prefix.group("colon")).strip()
            text = prefix.group("text").strip()
    return speaker, text

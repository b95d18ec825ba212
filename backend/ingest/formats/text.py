"""Plain text: optional `Speaker: text` lines (and optional `[00:01:02]` timestamps before them).

A line without a speaker label continues the previous turn; a blank line ends it. Text without any
speaker labels becomes one turn per paragraph.
"""

from __future__ import annotations

import re
from itertools import pairwise

from .base import Parsed, build_segments, parse_clock

_STAMP = r"(?:\[?(?P<stamp>(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\]?\s+)?"
# A label is short, starts with a capital or digit, and is followed by ": " — "Note: x" would also
# match; transcripts rarely start sentences that way and a wrong speaker is cheap to see and fix.
_LABELLED = re.compile(_STAMP + r"(?P<speaker>[A-Z0-9][\w .'()&-]{0,40}?):\s+(?P<text>\S.*)$")
_STAMP_ONLY = re.compile(_STAMP + r"(?P<text>\S.*)$")


def parse(content: str) -> Parsed:
    turns: list[list] = []
    current: list | None = None
    for line in content.splitlines():
        line = line.strip()
        if not line:
            current = None
            continue
        labelled = _LABELLED.match(line)
        if labelled:
            stamp = labelled.group("stamp")
            start = parse_clock(stamp, "timestamp") if stamp else None
            current = [labelled.group("speaker"), labelled.group("text"), start, None]
            turns.append(current)
        elif current is not None:
            current[1] += " " + line
        else:
            plain = _STAMP_ONLY.match(line)
            stamp = plain.group("stamp") if plain else None
            start = parse_clock(stamp, "timestamp") if stamp else None
            current = [None, plain.group("text") if plain else line, start, None]
            turns.append(current)
    _close_times(turns)
    return Parsed(format="text", segments=build_segments([tuple(t) for t in turns]))


def _close_times(turns: list[list]) -> None:
    # a turn with a start time ends where the next timed turn starts
    for this, following in pairwise(turns):
        if this[2] is not None and following[2] is not None and following[2] >= this[2]:
            this[3] = following[2]

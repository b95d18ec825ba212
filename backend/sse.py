"""Server-sent events, both ends: how the API writes an event (`encode`) and how a client — the demo,
the benchmarks, the tests — reads a stream of them (`events`), as the SSE specification (a browser's
EventSource) does: `event:` names the next event ("message" when none does), its `data:` lines are
joined with "\\n", a blank line dispatches it, and comments (`: keep-alive`) and unknown fields are
passed over. Our events' data is JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

MEDIA_TYPE = "text/event-stream"
HEADERS = {"Cache-Control": "no-cache"}
KEEP_ALIVE = ": keep-alive\n\n"
ENDS = frozenset({"done", "error"})  # the last event of every stream the API writes


def encode(event: str, data: Any) -> str:
    """One event; `json.dumps` writes no newline, so the data is one `data:` line."""
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n"


def events(lines: Iterable[str], *, until: frozenset[str] = ENDS) -> Iterator[tuple[str, Any]]:
    """(event, data) for each event in a stream's lines (`httpx.Response.iter_lines()`), stopping
    after an event named in `until`. An event the stream ends before dispatching is dropped."""
    name, data = "message", []
    for line in lines:
        if not line:
            if data:
                yield name, json.loads("\n".join(data))
                if name in until:
                    return
            name, data = "message", []
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)

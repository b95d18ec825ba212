"""Read a server-sent event stream the way a browser's EventSource does."""

from __future__ import annotations

import json

import httpx


def read_events(url: str, headers: dict | None = None, timeout: float = 120) -> list[tuple[str, dict]]:
    events, name = [], "message"
    with httpx.stream("GET", url, headers=headers or {}, timeout=timeout) as response:
        response.raise_for_status()
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((name, json.loads(line.split(":", 1)[1])))
                if name in ("done", "error"):
                    break
    return events

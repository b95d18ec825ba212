"""Read a server-sent event stream over HTTP with the service's own reader (`backend.sse`)."""

from __future__ import annotations

import httpx

from backend import sse


def read_events(
    url: str,
    headers: dict | None = None,
    timeout: float = 120,
    *,
    method: str = "GET",
    json: dict | None = None,
) -> list[tuple[str, dict]]:
    """Every event of the stream, up to and including `done` or `error`."""
    with httpx.stream(method, url, headers=headers or {}, json=json, timeout=timeout) as response:
        response.raise_for_status()
        assert response.headers["content-type"].startswith(sse.MEDIA_TYPE)
        return list(sse.events(response.iter_lines()))

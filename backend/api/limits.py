"""The request limits, applied before routing, so a refused request costs a header read and no more:

- `BodyLimit`: a body over its route's limit is 413 — at once when `Content-Length` says so, else as
  soon as that many bytes have arrived — before any of it is parsed and before auth.
- `RateLimit`: each API key (with auth off, or for a key that is not recognised: each client
  address) may make KW_RATE_LIMIT_PER_S requests a second to /v1 on average, KW_RATE_LIMIT_BURST at
  once; beyond that 429 with `Retry-After` (the seconds until the next request would pass).
- `ShedQuestions`: at most KW_MAX_QUESTIONS_IN_FLIGHT questions (/v1/query, /v1/retrieve) at once;
  one more is 503 with `Retry-After` at once, instead of waiting in a queue until its client gives up.

Health routes, the web UI and the API docs pass untouched (the body limit applies everywhere). The
OpenAPI document lists these statuses on the routes they apply to (api/openapi.py)."""

from __future__ import annotations

import hashlib
import math
import time

from fastapi import FastAPI

from backend.config import Settings
from backend.errors import Overloaded, PayloadTooLarge, RateLimited, WeaverError

from .auth import key_for
from .errors import error_response

UPLOAD_OVERHEAD_BYTES = 64_000  # multipart boundaries and form fields around an uploaded file
QUESTION_ROUTES = frozenset({("POST", "/v1/query"), ("POST", "/v1/retrieve")})


def _limited(scope) -> bool:
    return scope["type"] == "http" and scope["path"].startswith("/v1/")


async def _refuse(exc: WeaverError, scope, receive, send) -> None:
    await error_response(exc)(scope, receive, send)


class BodyLimit:
    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.default = (settings.max_request_bytes, "KW_MAX_REQUEST_BYTES")
        self.by_route = {
            ("POST", "/v1/transcripts"): (settings.max_upload_bytes, "KW_MAX_UPLOAD_BYTES"),
            ("POST", "/v1/recordings"): (
                settings.max_audio_bytes + UPLOAD_OVERHEAD_BYTES,
                "KW_MAX_AUDIO_BYTES",
            ),
        }

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, setting = self.by_route.get((scope["method"], scope["path"]), self.default)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            message = f"the request body is {declared:,} bytes; the limit here is {limit:,} ({setting})"
            await _refuse(PayloadTooLarge(message, details={"limit_bytes": limit}), scope, receive, send)
            return
        received = 0

        async def receive_within_limit():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise PayloadTooLarge(
                    f"the request body is over the limit here of {limit:,} bytes ({setting})",
                    details={"limit_bytes": limit},
                )
            return message

        await self.app(scope, receive_within_limit, send)


def _content_length(scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class CallerRates:
    """Per-caller rate limits by the generic cell rate algorithm (a token bucket kept as one number
    per caller: the time its bucket is next empty): `rate` requests a second, `burst` at once."""

    def __init__(self, rate: float, burst: int, clock=time.monotonic) -> None:
        self.interval = 1.0 / rate
        self.tolerance = self.interval * (burst - 1)
        self.clock = clock
        self._due: dict[str, float] = {}
        self._pruned_at = float("-inf")

    def wait_s(self, caller: str) -> float:
        """0 when this request may go ahead (and counts it); else the seconds until one may."""
        now = self.clock()
        due = max(self._due.get(caller, now), now)
        if due - now > self.tolerance:
            return due - now - self.tolerance
        self._due[caller] = due + self.interval
        if len(self._due) > 10_000 and now - self._pruned_at >= 1.0:
            # many callers (addresses): forget those whose bucket is full again, at most once a second
            self._pruned_at = now
            self._due = {c: d for c, d in self._due.items() if d > now}
        return 0.0


class RateLimit:
    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.rates = (
            CallerRates(settings.rate_limit_per_s, settings.rate_limit_burst)
            if settings.rate_limit_per_s
            else None
        )

    async def __call__(self, scope, receive, send) -> None:
        if self.rates is None or not _limited(scope):
            await self.app(scope, receive, send)
            return
        caller = self.caller(scope)
        wait = self.rates.wait_s(caller)
        if wait:
            retry = max(1, math.ceil(wait))
            per_s, burst = self.settings.rate_limit_per_s, self.settings.rate_limit_burst
            who = "this API key" if caller.startswith("key:") else "this client"
            message = (
                f"too many requests: {who} may make {per_s:g} a second ({burst} at once; "
                f"KW_RATE_LIMIT_PER_S, KW_RATE_LIMIT_BURST); try again in {retry} s"
            )
            exc = RateLimited(message, retry_after_s=retry, details={"limit_per_s": per_s, "burst": burst})
            await _refuse(exc, scope, receive, send)
            return
        await self.app(scope, receive, send)

    def caller(self, scope) -> str:
        """A recognised API key (by a hash of it: no secret is kept or logged), else the client address."""
        if self.settings.auth_enabled:
            headers = {k: v for k, v in scope["headers"] if k == b"authorization"}
            key = key_for(headers.get(b"authorization", b"").decode("latin-1"), self.settings)
            if key is not None:
                return "key:" + hashlib.sha256(key.encode()).hexdigest()[:16]
        client = scope.get("client")
        return f"ip:{client[0] if client else 'unknown'}"


class ShedQuestions:
    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.limit = settings.max_questions_in_flight
        self.in_flight = 0

    async def __call__(self, scope, receive, send) -> None:
        if (
            not self.limit
            or scope["type"] != "http"
            or (scope["method"], scope["path"]) not in QUESTION_ROUTES
        ):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            message = (
                f"the server is answering {self.limit} questions already (KW_MAX_QUESTIONS_IN_FLIGHT); "
                "try again in a second"
            )
            await _refuse(Overloaded(message, retry_after_s=1), scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)  # a streamed answer holds its place to its last byte
        finally:
            self.in_flight -= 1


def install(app: FastAPI, settings: Settings) -> None:
    """Outermost first: the body's size, then the caller's rate, then the server's load."""
    app.add_middleware(ShedQuestions, settings=settings)
    app.add_middleware(RateLimit, settings=settings)
    app.add_middleware(BodyLimit, settings=settings)

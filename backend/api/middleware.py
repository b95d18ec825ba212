"""Every HTTP request: a server span (continuing the caller's trace from `traceparent` or
`X-Amzn-Trace-Id`), the trace id on the response (`X-Trace-Id`, and `X-Amzn-Trace-Id` in X-Ray form),
and one JSON log line. Pure ASGI, so the span lasts until a streamed response's last byte.

Health routes (load balancer and container checks, deploy verification) pass straight through: no span,
no request metrics, no log line. Two tasks take ~120 health checks per 5 minutes, which would dilute the
error-rate and latency alarms and fill the trace backends with noise.

`SecurityHeaders` puts the browser security headers (CSP, X-Frame-Options, X-Content-Type-Options,
Referrer-Policy) on every response, in this one place."""

from __future__ import annotations

import base64
import hashlib
import logging
import time

from opentelemetry import context as otel_context
from opentelemetry import trace

from backend.observability import metrics, tracing

log = logging.getLogger("backend.api")
HEALTH_PATHS = frozenset({"/healthz", "/readyz", "/version"})
# A streamed response that failed after its 200 went out (api/answer_stream.py) says so here, in the
# request's scope state: its log line, span and error metric then count it as the failure it was.
STREAM_ERROR = "kw_stream_error"


def note_stream_error(scope: dict, status: int, code: str) -> None:
    scope.setdefault("state", {})[STREAM_ERROR] = {"status": status, "code": code}


class TraceRequests:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] in HEALTH_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        parent = tracing.context_from(headers)
        method, path = scope["method"], scope["path"]
        started = time.perf_counter()
        status = {"code": 500, "at": None}  # `at`: when a stream's status went out
        token = otel_context.attach(parent)
        try:
            with tracing.tracer().start_as_current_span(
                f"{method} {path}", kind=trace.SpanKind.SERVER, record_exception=True
            ) as current:
                current.set_attribute(tracing.KIND, "CHAIN")  # Phoenix shows a span without one as UNKNOWN
                current.set_attribute("http.request.method", method)
                current.set_attribute("url.path", path)
                trace_headers = [(b"x-trace-id", (tracing.trace_id_hex(current) or "").encode())]
                amzn = tracing.xray_header(current)
                if amzn:
                    trace_headers.append((b"x-amzn-trace-id", amzn.encode()))

                async def send_with_trace(message) -> None:
                    if message["type"] == "http.response.start":
                        status["code"] = message["status"]
                        if (b"content-type", b"text/event-stream") in [
                            (k.lower(), v.split(b";")[0].strip()) for k, v in message.get("headers", [])
                        ]:
                            status["at"] = time.perf_counter()
                        message = {**message, "headers": [*message.get("headers", []), *trace_headers]}
                    await send(message)

                state = scope.setdefault("state", {})  # one dict however the scope is copied below
                failed: dict = {}
                try:
                    await self.app(scope, receive, send_with_trace)
                finally:
                    failed = state.get(STREAM_ERROR) or {}
                    log.info(
                        "request",
                        extra={
                            "method": method,
                            "path": path,
                            "status": status["code"],
                            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                            **({"stream_error": failed["code"]} if failed else {}),
                        },
                    )
                route = scope.get("route")
                route_path = getattr(route, "path", None) or "unmatched"
                if route is not None:
                    current.update_name(f"{method} {route_path}")
                    current.set_attribute("http.route", route_path)
                current.set_attribute("http.response.status_code", status["code"])
                if failed:
                    current.set_attribute("kw.stream.error_code", failed["code"])
                    current.set_attribute("kw.stream.error_status", failed["status"])
                # A console query that ran out of time (504) is the caller's query, not our failure.
                callers_timeout = route_path == "/v1/cypher" and status["code"] == 504
                error = (status["code"] >= 500 and not callers_timeout) or failed.get("status", 0) >= 500
                if error:
                    current.set_status(trace.Status(trace.StatusCode.ERROR))
                # A stream's latency is the wait for its status (a streamed answer's: for its first
                # words); how long it then stays open (a job's events: the whole job) is not.
                await metrics.emit(
                    {"Route": f"{method} {route_path}", "StatusClass": f"{status['code'] // 100}xx"},
                    RequestCount=1,
                    RequestLatencyMs=((status["at"] or time.perf_counter()) - started) * 1000,
                    RequestErrors=1 if error else 0,
                )
        finally:
            otel_context.detach(token)


# The one stylesheet the UI's bundle writes inline: Cytoscape adds a <style> holding exactly this to
# <head> (its container's `position`). The CSP allows that text by its hash and no other inline style.
_CYTOSCAPE_STYLE = ".__________cytoscape_container { position: relative; }"


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# The web UI (backend/web/static) is one HTML page, one script and one stylesheet from /static, talking
# to this origin only: nothing inline, nothing from elsewhere.
UI_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' {_sha256(_CYTOSCAPE_STYLE)}",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# FastAPI's API docs (/docs Swagger UI, /redoc ReDoc) are pages with inline bootstrapping that load
# their bundles from jsDelivr (and ReDoc its fonts from Google): their CSP allows exactly those.
DOCS_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
        "font-src 'self' https://fonts.gstatic.com",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
_COMMON = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """Browser security headers on every HTTP response (the UI, its static files, the API, health):
    a Content-Security-Policy, no framing, no MIME sniffing, no Referer to other sites (trace links
    open Phoenix in a new tab)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"] in DOCS_PATHS else UI_CSP
        added = [*_COMMON, (b"content-security-policy", csp.encode())]

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

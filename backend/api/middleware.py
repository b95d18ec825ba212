"""Every HTTP request: a server span (continuing the caller's trace from `traceparent` or
`X-Amzn-Trace-Id`), the trace id on the response (`X-Trace-Id`, and `X-Amzn-Trace-Id` in X-Ray form),
and one JSON log line. Pure ASGI, so the span lasts until a streamed response's last byte.

Health routes (load balancer and container checks, deploy verification) pass straight through: no span,
no request metrics, no log line. Two tasks take ~120 health checks per 5 minutes, which would dilute the
error-rate and latency alarms and fill the trace backends with noise."""

from __future__ import annotations

import logging
import time

from opentelemetry import context as otel_context
from opentelemetry import trace

from backend.observability import metrics, tracing

log = logging.getLogger("backend.api")
HEALTH_PATHS = frozenset({"/healthz", "/readyz", "/version"})


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
        status = {"code": 500}
        token = otel_context.attach(parent)
        try:
            with tracing.tracer().start_as_current_span(
                f"{method} {path}", kind=trace.SpanKind.SERVER, record_exception=True
            ) as current:
                current.set_attribute("http.request.method", method)
                current.set_attribute("url.path", path)
                trace_headers = [(b"x-trace-id", (tracing.trace_id_hex(current) or "").encode())]
                amzn = tracing.xray_header(current)
                if amzn:
                    trace_headers.append((b"x-amzn-trace-id", amzn.encode()))

                async def send_with_trace(message) -> None:
                    if message["type"] == "http.response.start":
                        status["code"] = message["status"]
                        message = {**message, "headers": [*message.get("headers", []), *trace_headers]}
                    await send(message)

                try:
                    await self.app(scope, receive, send_with_trace)
                finally:
                    log.info(
                        "request",
                        extra={
                            "method": method,
                            "path": path,
                            "status": status["code"],
                            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        },
                    )
                route = scope.get("route")
                route_path = getattr(route, "path", None) or "unmatched"
                if route is not None:
                    current.update_name(f"{method} {route_path}")
                    current.set_attribute("http.route", route_path)
                current.set_attribute("http.response.status_code", status["code"])
                if status["code"] >= 500:
                    current.set_status(trace.Status(trace.StatusCode.ERROR))
                await metrics.emit(
                    {"Route": f"{method} {route_path}", "StatusClass": f"{status['code'] // 100}xx"},
                    RequestCount=1,
                    RequestLatencyMs=(time.perf_counter() - started) * 1000,
                    RequestErrors=1 if status["code"] >= 500 else 0,
                )
        finally:
            otel_context.detach(token)

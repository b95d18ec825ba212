"""One TracerProvider per process: X-Ray-compatible trace ids, W3C + X-Amzn-Trace-Id propagation, and
an exporter per configured backend (Phoenix, Langfuse, X-Ray through an OTLP collector), each behind its
own BatchSpanProcessor so a slow or dead backend never slows or fails a request.

Code asks `tracer()` for the current tracer; with no backend configured spans are still created (the
trace id still correlates responses and logs) and simply go nowhere.
"""

from __future__ import annotations

import base64
import logging
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import set_global_textmap
from opentelemetry.propagators.aws import AwsXRayPropagator
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from backend import __version__

from .logs import add_context_provider

log = logging.getLogger(__name__)
PROPAGATOR = CompositePropagator([TraceContextTextMapPropagator(), AwsXRayPropagator()])
KIND = "openinference.span.kind"


class _State:
    provider: TracerProvider | None = None
    capture_content: bool = True
    libraries_instrumented: bool = False


_state = _State()


class _QuietExporter(SpanExporter):
    """Logs a backend's failure once, and its recovery once — not once per batch."""

    def __init__(self, name: str, inner: SpanExporter) -> None:
        self.name, self.inner, self.failing = name, inner, False

    def export(self, spans) -> SpanExportResult:
        try:
            result = self.inner.export(spans)
        except Exception as exc:  # an exporter must never take the process down
            result = SpanExportResult.FAILURE
            reason = type(exc).__name__
        else:
            reason = "export failed"
        if result is SpanExportResult.FAILURE and not self.failing:
            self.failing = True
            log.warning(
                "trace backend unreachable; spans for it are dropped",
                extra={"backend": self.name, "error": reason},
            )
        elif result is SpanExportResult.SUCCESS and self.failing:
            self.failing = False
            log.info("trace backend reachable again", extra={"backend": self.name})
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def _exporters(settings) -> list[tuple[str, SpanExporter]]:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    found = []
    if settings.phoenix_endpoint:
        endpoint = settings.phoenix_endpoint.rstrip("/") + "/v1/traces"
        found.append(("phoenix", OTLPSpanExporter(endpoint=endpoint, timeout=5)))
    if settings.langfuse_host and settings.langfuse_public_key and settings.langfuse_secret_key:
        secret = settings.langfuse_secret_key.get_secret_value()
        token = base64.b64encode(f"{settings.langfuse_public_key}:{secret}".encode()).decode()
        endpoint = settings.langfuse_host.rstrip("/") + "/api/public/otel/v1/traces"
        found.append(
            (
                "langfuse",
                OTLPSpanExporter(endpoint=endpoint, headers={"Authorization": f"Basic {token}"}, timeout=5),
            )
        )
    if settings.xray_mode == "otlp":
        found.append(("xray", OTLPSpanExporter(endpoint=settings.xray_otlp_endpoint, timeout=5)))
    elif settings.xray_mode == "daemon":
        from .xray import XRayDaemonExporter

        found.append(("xray", XRayDaemonExporter(settings.service_name, settings.xray_daemon_address)))
    return found


class _CurrentTracer(trace.Tracer):
    """A tracer that always uses the provider of the moment: instrumented libraries keep the tracer
    they were given, while the provider is rebuilt with the settings (tests build many apps)."""

    def __init__(self, *args) -> None:
        self._args = args

    def _current(self) -> trace.Tracer:
        provider = _state.provider or trace.NoOpTracerProvider()
        return provider.get_tracer(*self._args)

    def start_span(self, *args, **kwargs):
        return self._current().start_span(*args, **kwargs)

    def start_as_current_span(self, *args, **kwargs):
        return self._current().start_as_current_span(*args, **kwargs)


class _CurrentProvider(trace.TracerProvider):
    def get_tracer(self, name, version=None, schema_url=None, attributes=None):
        return _CurrentTracer(name, version, schema_url, attributes)


def _instrument_libraries() -> None:
    """HTTP client calls (the openai SDK, our own clients) and AWS SDK calls (Bedrock, S3, Secrets
    Manager) become child spans, and carry the trace to whatever they call. Once per process."""
    if _state.libraries_instrumented:
        return
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor().instrument(tracer_provider=_CurrentProvider())
    BotocoreInstrumentor().instrument(tracer_provider=_CurrentProvider())
    _state.libraries_instrumented = True


def setup_tracing(settings) -> TracerProvider:
    """(Re)build the process's provider from settings; the previous one is flushed and shut down."""
    if _state.provider is not None:
        _state.provider.shutdown()
    resource = Resource.create(
        {
            "service.name": settings.service_name,
            "service.version": __version__,
            "openinference.project.name": settings.phoenix_project,
        }
    )
    provider = TracerProvider(resource=resource, id_generator=AwsXRayIdGenerator())
    logging.getLogger("opentelemetry.exporter.otlp.proto.http.trace_exporter").setLevel(logging.CRITICAL)
    for name, exporter in _exporters(settings):
        provider.add_span_processor(
            BatchSpanProcessor(_QuietExporter(name, exporter), schedule_delay_millis=1000)
        )
    _state.provider = provider
    _state.capture_content = settings.trace_content
    set_global_textmap(PROPAGATOR)
    _instrument_libraries()
    return provider


def shutdown() -> None:
    """Flush and stop exporting; spans become no-ops (the tracing-off baseline of bench/tracing.py)."""
    if _state.provider is not None:
        _state.provider.shutdown()
    _state.provider = None


def tracer() -> trace.Tracer:
    if _state.provider is None:
        return trace.get_tracer("knowledgeweaver")  # not set up (a library use): a no-op tracer
    return _state.provider.get_tracer("knowledgeweaver", __version__)


def flush(timeout_ms: int = 10_000) -> bool:
    return _state.provider.force_flush(timeout_ms) if _state.provider else True


def capture_content() -> bool:
    return _state.capture_content


@contextmanager
def span(name: str, kind: str | None = None, **attributes: Any):
    """A span of ours: `kind` is the OpenInference span kind (LLM, EMBEDDING, RETRIEVER, CHAIN)."""
    with tracer().start_as_current_span(name, record_exception=True, set_status_on_exception=True) as current:
        if kind:
            current.set_attribute(KIND, kind)
        for key, value in attributes.items():
            if value is not None:
                current.set_attribute(key, value)
        yield current


def fail(current: trace.Span, exc: BaseException) -> None:
    current.set_status(Status(StatusCode.ERROR, type(exc).__name__))


def trace_id_hex(current: trace.Span | None = None) -> str | None:
    ctx = (current or trace.get_current_span()).get_span_context()
    return f"{ctx.trace_id:032x}" if ctx.is_valid else None


def xray_header(current: trace.Span) -> str | None:
    """`X-Amzn-Trace-Id` form of a span's ids: Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1."""
    ctx = current.get_span_context()
    if not ctx.is_valid:
        return None
    hex_id, sampled = f"{ctx.trace_id:032x}", 1 if ctx.trace_flags.sampled else 0
    return f"Root=1-{hex_id[:8]}-{hex_id[8:]};Parent={ctx.span_id:016x};Sampled={sampled}"


def traceparent() -> str | None:
    """The current context as a W3C traceparent, to continue this trace later (a queued job)."""
    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return carrier.get("traceparent")


def context_from(carrier: dict[str, str]) -> otel_context.Context:
    return PROPAGATOR.extract(carrier)


def _log_context() -> dict:
    ctx = trace.get_current_span().get_span_context()
    return {"trace_id": f"{ctx.trace_id:032x}", "span_id": f"{ctx.span_id:016x}"} if ctx.is_valid else {}


add_context_provider(_log_context)

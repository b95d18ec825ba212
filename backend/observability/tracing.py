"""One TracerProvider per process: X-Ray-compatible trace ids, W3C + X-Amzn-Trace-Id propagation, and
the configured backends (Phoenix, Langfuse, X-Ray through an OTLP collector or its daemon) fed by
batch processors off the request path (`export.py`), so a slow or dead backend never slows or fails
a request.

Code asks `tracer()` for the current tracer; with no backend configured spans are still created (the
trace id still correlates responses and logs) and simply go nowhere.
"""

from __future__ import annotations

import logging
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import set_global_textmap
from opentelemetry.propagators.aws import AwsXRayPropagator
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.propagators.textmap import DefaultGetter
from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import DEFAULT_ON, ParentBased, Sampler, TraceIdRatioBased
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from backend import __version__

from .conversation import SessionSpanProcessor
from .export import OtlpFanout, QuietExporter, otlp_targets
from .logs import add_context_provider
from .spans import LeanTracerProvider

log = logging.getLogger(__name__)
PROPAGATOR = CompositePropagator([TraceContextTextMapPropagator(), AwsXRayPropagator()])
KIND = "openinference.span.kind"


class _State:
    provider: TracerProvider | None = None
    tracer: trace.Tracer | None = None  # ours, from `provider`: get_tracer costs ~15 µs a call
    fanout: OtlpFanout | None = None
    capture_content: bool = True
    libraries_instrumented: bool = False


_state = _State()


class _CurrentTracer(trace.Tracer):
    """A tracer that always uses the provider of the moment: instrumented libraries keep the tracer
    they were given, while the provider is rebuilt with the settings (tests build many apps)."""

    def __init__(self, *args) -> None:
        self._args = args
        self._made: tuple[TracerProvider | None, trace.Tracer] | None = None

    def _current(self) -> trace.Tracer:
        if self._made is None or self._made[0] is not _state.provider:
            provider = _state.provider or trace.NoOpTracerProvider()
            self._made = (_state.provider, provider.get_tracer(*self._args))
        return self._made[1]

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
    from opentelemetry.instrumentation.httpx import HTTPX2ClientInstrumentor, HTTPXClientInstrumentor

    HTTPXClientInstrumentor().instrument(tracer_provider=_CurrentProvider())
    # the openai SDK (3.x) sends through httpx2, instrumented on its own
    HTTPX2ClientInstrumentor().instrument(tracer_provider=_CurrentProvider())
    BotocoreInstrumentor().instrument(tracer_provider=_CurrentProvider())
    _state.libraries_instrumented = True


def setup_tracing(settings, provider_class: type[TracerProvider] = LeanTracerProvider) -> TracerProvider:
    """(Re)build the process's provider from settings; the previous one is flushed and shut down.
    `provider_class`: the SDK's own `TracerProvider` is bench/tracing.py's stock arm."""
    if _state.provider is not None:
        _state.provider.shutdown()
    resource = Resource.create(
        {
            "service.name": settings.service_name,
            "service.version": __version__,
            "openinference.project.name": settings.phoenix_project,
        }
    )
    provider = provider_class(
        resource=resource, id_generator=AwsXRayIdGenerator(), sampler=sampler(settings.trace_sample_ratio)
    )
    _state.fanout = None
    provider.add_span_processor(SessionSpanProcessor())  # first: spans are labelled before export sees them
    if targets := otlp_targets(settings):
        _state.fanout = OtlpFanout(targets)
        provider.add_span_processor(BatchSpanProcessor(_state.fanout, schedule_delay_millis=1000))
    if settings.xray_mode == "daemon":
        from .xray import XRayDaemonExporter

        daemon = XRayDaemonExporter(settings.service_name, settings.xray_daemon_address)
        provider.add_span_processor(
            BatchSpanProcessor(
                QuietExporter("xray", settings.xray_daemon_address, daemon), schedule_delay_millis=1000
            )
        )
    _state.provider = provider
    _state.tracer = provider.get_tracer("knowledgeweaver", __version__)
    _state.capture_content = settings.trace_content
    set_global_textmap(PROPAGATOR)
    _instrument_libraries()
    return provider


def sampler(ratio: float) -> Sampler:
    """Parent-based: a caller's sampling decision (W3C `traceparent` flags, X-Ray `Sampled=`) is kept
    for its trace, so one trace is never half recorded; a new trace is recorded with probability
    `ratio` (decided on the trace id, so every process agrees). 1.0 is the SDK's default sampler,
    whose rule `LeanTracer` applies without a call."""
    return DEFAULT_ON if ratio >= 1.0 else ParentBased(TraceIdRatioBased(ratio))


def shutdown() -> None:
    """Flush and stop exporting; spans become no-ops (the tracing-off baseline of bench/tracing.py)."""
    if _state.provider is not None:
        _state.provider.shutdown()
    _state.provider = None
    _state.tracer = None
    _state.fanout = None


def tracer() -> trace.Tracer:
    if _state.tracer is None:
        return trace.get_tracer("knowledgeweaver")  # not set up (a library use): a no-op tracer
    return _state.tracer


def flush(timeout_ms: int = 10_000) -> bool:
    """Export every finished span and wait until the backends have it (tests, the CLI's exit)."""
    if _state.provider is None:
        return True
    exported = _state.provider.force_flush(timeout_ms)
    return (_state.fanout.force_flush(timeout_ms) if _state.fanout else True) and exported


def capture_content() -> bool:
    return _state.capture_content


def span(name: str, kind: str | None = None, **attributes: Any):
    """A span of ours, current inside `with`: `kind` is the OpenInference span kind (LLM, EMBEDDING,
    RETRIEVER, CHAIN)."""
    given = {k: v for k, v in attributes.items() if v is not None}
    if kind:
        given[KIND] = kind
    # Attributes given at the start are checked once as a set, not once each.
    return tracer().start_as_current_span(name, attributes=given)


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


class _AnyCaseGetter(DefaultGetter):
    """HTTP header names are case-insensitive, and the middleware lower-cases them; the X-Ray
    propagator asks for `X-Amzn-Trace-Id` exactly."""

    def get(self, carrier, key):
        return super().get(carrier, key.lower())


_ANY_CASE = _AnyCaseGetter()


def context_from(carrier: dict[str, str]) -> otel_context.Context:
    """The caller's trace context from lower-cased header names (W3C `traceparent`, X-Ray)."""
    return PROPAGATOR.extract(carrier, getter=_ANY_CASE)


def _log_context() -> dict:
    ctx = trace.get_current_span().get_span_context()
    return {"trace_id": f"{ctx.trace_id:032x}", "span_id": f"{ctx.span_id:016x}"} if ctx.is_valid else {}


add_context_provider(_log_context)

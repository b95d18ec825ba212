"""A leaner span for the OTel SDK's provider: same sampler, ids, resource, processors and exporters,
a quarter of the cost per span.

Why: a `/v1/retrieve` makes ~17 spans (11 of them Cypher statements), and the SDK's span costs
~45 µs to start and end on this 2-core VM against ~9 µs for a no-op: per span it builds two
`BoundedList`s with their locks, a `BoundedAttributes` with its lock, a lock of its own, a copy of
itself at the end, and goes through two generator context managers. Here a span is a few slots and
a dict, started and made current by one class-based context manager, and itself the `ReadableSpan`
the processors get at its end (the SDK's span is one too, and copies itself), so every processor
and exporter works unchanged.

Kept from the SDK: the provider's sampler decides (parent-based, `OTEL_TRACES_SAMPLER`; the
default's rule is applied without the call), its id
generator names (X-Ray ids), attribute values are checked (anything but str/bool/int/float goes
through the SDK's own cleaning), exceptions are recorded and set the status as the SDK's span does,
and a span ignores writes once ended. Left out: attribute/event count limits (our spans set a known,
small set) and a lock per span (a span is written by the one task that owns it).
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping, Sequence
from operator import attrgetter
from time import time_ns
from types import MappingProxyType
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.attributes import BoundedAttributes
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.sampling import DEFAULT_ON
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags

_PLAIN = frozenset({str, bool, int, float})
_UNSET = Status(StatusCode.UNSET)
# (sampled, random trace id) -> the span's trace flags
_FLAGS = {
    (sampled, random): TraceFlags(
        (TraceFlags.SAMPLED if sampled else 0) | (TraceFlags.RANDOM_TRACE_ID if random else 0)
    )
    for sampled in (False, True)
    for random in (False, True)
}


def _clean(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    if not attributes:
        return {}
    if all(type(v) in _PLAIN for v in attributes.values()):
        return dict(attributes)
    return dict(BoundedAttributes(attributes=attributes, immutable=False))


class LeanTracer(trace.Tracer):
    """Starts `LeanSpan`s with the SDK tracer's sampler, id generator, resource and processors."""

    def __init__(self, sdk: Any, scope: InstrumentationScope) -> None:
        self.sampler, self.ids = sdk.sampler, sdk.id_generator
        self.random_ids = self.ids.is_trace_id_random()  # the W3C random-trace-id flag, as the SDK sets it
        self.resource, self.processor, self.scope = sdk.resource, sdk.span_processor, scope

    def start_span(
        self,
        name: str,
        context: otel_context.Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Mapping[str, Any] | None = None,
        links: Sequence[Link] | None = (),
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> trace.Span:
        parent = trace.get_current_span(context).get_span_context()
        if not parent.is_valid:
            parent = None
            trace_id = self.ids.generate_trace_id()
            random = self.random_ids
        else:
            trace_id = parent.trace_id
            random = parent.trace_flags.random_trace_id
        if links:
            links = tuple(link for link in links if link.context.is_valid or link.attributes)
        if self.sampler is DEFAULT_ON:  # the default (no OTEL_TRACES_SAMPLER): its rule, without the call
            recording = sampled = parent is None or parent.trace_flags.sampled
            state = parent.trace_state if parent is not None else None
        else:
            result = self.sampler.should_sample(context, trace_id, name, kind, attributes, links)
            recording, sampled = result.decision.is_recording(), result.decision.is_sampled()
            state, attributes = result.trace_state, result.attributes
        ids = SpanContext(
            trace_id,
            self.ids.generate_span_id(),
            is_remote=False,
            trace_flags=_FLAGS[(bool(sampled), bool(random))],
            trace_state=state,
        )
        if not recording:
            return trace.NonRecordingSpan(ids)
        span = LeanSpan(self, name, ids, parent, kind, _clean(attributes), links or ())
        span._record_exception, span._set_status = record_exception, set_status_on_exception
        span._start = start_time or time_ns()
        self.processor.on_start(span, parent_context=context)
        return span

    def start_as_current_span(self, *args: Any, end_on_exit: bool = True, **kwargs: Any) -> _Current:
        """`start_span`'s arguments, and the span is current inside `with`."""
        return _Current(self.start_span(*args, **kwargs), end_on_exit)


class _Current:
    """`with tracer.start_as_current_span(...)`: the span is current inside, ended on the way out."""

    __slots__ = ("end_on_exit", "span", "token")

    def __init__(self, span: trace.Span, end_on_exit: bool) -> None:
        self.span, self.end_on_exit = span, end_on_exit

    def __enter__(self) -> trace.Span:
        self.token = otel_context.attach(trace.set_span_in_context(self.span))
        return self.span

    def __exit__(self, kind, exc, tb) -> None:
        otel_context.detach(self.token)
        span = self.span
        # As the SDK: Exception subclasses only (GeneratorExit, CancelledError are not errors).
        if isinstance(exc, Exception) and isinstance(span, LeanSpan) and span._end is None:
            span.failed(exc, escaped=False)  # as the SDK's use_span records it
        if self.end_on_exit:
            span.end()


class LeanSpan(trace.Span, ReadableSpan):
    """Also the `ReadableSpan` processors get at its end (as the SDK's span is): no copy is made, and
    once ended it takes no more writes."""

    __slots__ = (
        "_attributes",
        "_context",
        "_end",
        "_events",
        "_kind",
        "_links",
        "_name",
        "_parent",
        "_record_exception",
        "_set_status",
        "_start",
        "_status",
        "_tracer",
    )

    def __init__(self, tracer, name, context, parent, kind, attributes, links) -> None:
        self._tracer, self._name, self._context, self._parent = tracer, name, context, parent
        self._kind, self._attributes, self._links = kind, attributes, links
        self._events: tuple[Event, ...] = ()  # rare (exceptions): no list made for every span
        self._status = _UNSET
        self._end: int | None = None

    # --- what `ReadableSpan` offers, on the live span: instrumentations read it mid-span (botocore's
    # Bedrock extension reads `span.attributes`), as the SDK's span is a ReadableSpan too -----------
    name = property(attrgetter("_name"))
    context = property(attrgetter("_context"))
    parent = property(attrgetter("_parent"))
    kind = property(attrgetter("_kind"))
    events = property(attrgetter("_events"))
    links = property(attrgetter("_links"))
    status = property(attrgetter("_status"))
    start_time = property(attrgetter("_start"))
    end_time = property(attrgetter("_end"))
    resource = property(attrgetter("_tracer.resource"))
    instrumentation_scope = property(attrgetter("_tracer.scope"))

    @property
    def attributes(self) -> Mapping[str, Any]:
        return MappingProxyType(self._attributes)

    dropped_attributes = dropped_events = dropped_links = 0
    instrumentation_info = None  # deprecated since 1.11.1; instrumentation_scope replaces it

    def to_json(self, indent: int | None = 4) -> str:
        return self._copy().to_json(indent)

    def _copy(self) -> ReadableSpan:
        return ReadableSpan(
            name=self._name,
            context=self._context,
            parent=self._parent,
            resource=self.resource,
            attributes=dict(self._attributes),
            events=self._events,
            links=self._links,
            kind=self._kind,
            status=self._status,
            start_time=self._start,
            end_time=self._end,
            instrumentation_scope=self.instrumentation_scope,
        )

    # --- trace.Span ------------------------------------------------------------------------
    def get_span_context(self) -> SpanContext:
        return self._context

    def is_recording(self) -> bool:
        return self._end is None

    def set_attribute(self, key: str, value: Any) -> None:
        if self._end is None:
            if type(value) in _PLAIN:
                self._attributes[key] = value
            else:
                self._attributes.update(_clean({key: value}))

    def set_attributes(self, attributes: Mapping[str, Any]) -> None:
        if self._end is None:
            self._attributes.update(_clean(attributes))

    def add_event(self, name: str, attributes: Mapping[str, Any] | None = None, timestamp=None) -> None:
        if self._end is None:
            self._events = (*self._events, Event(name, _clean(attributes), timestamp or time_ns()))

    def add_link(self, context: SpanContext, attributes: Mapping[str, Any] | None = None) -> None:
        if self._end is None and (context.is_valid or attributes):
            self._links = (*self._links, Link(context, _clean(attributes)))

    def update_name(self, name: str) -> None:
        if self._end is None:
            self._name = name

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        # As the SDK: OK is final, and UNSET never overwrites a status already set.
        if self._end is not None or self._status.status_code is StatusCode.OK:
            return
        if isinstance(status, StatusCode):
            status = Status(status, description)
        if status.status_code is not StatusCode.UNSET:
            self._status = status

    def record_exception(self, exception: BaseException, attributes=None, timestamp=None, escaped=False):
        module, name = type(exception).__module__, type(exception).__qualname__
        recorded = {
            "exception.type": f"{module}.{name}" if module and module != "builtins" else name,
            "exception.message": str(exception),
            "exception.stacktrace": "".join(traceback.format_exception(exception)),
            "exception.escaped": str(escaped),
            **(attributes or {}),
        }
        self.add_event("exception", recorded, timestamp)

    def failed(self, exc: Exception, escaped: bool) -> None:
        if self._record_exception:
            self.record_exception(exc, escaped=escaped)
        if self._set_status:
            self.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))

    def end(self, end_time: int | None = None) -> None:
        if self._end is not None:
            return
        self._end = end_time or time_ns()
        self._tracer.processor.on_end(self)

    def __exit__(self, kind, exc, tb) -> None:  # `with tracer.start_span(...) as span:`
        if isinstance(exc, Exception) and self._end is None:
            self.failed(exc, escaped=True)
        self.end()


class LeanTracerProvider(TracerProvider):
    """The SDK's provider, handing out `LeanTracer`s (for our spans and instrumented libraries')."""

    def get_tracer(self, name, version=None, schema_url=None, attributes=None) -> trace.Tracer:
        sdk = super().get_tracer(name, version, schema_url, attributes)
        if isinstance(sdk, trace.NoOpTracer):  # OTEL_SDK_DISABLED
            return sdk
        return LeanTracer(sdk, InstrumentationScope(name, version or "", schema_url, attributes))

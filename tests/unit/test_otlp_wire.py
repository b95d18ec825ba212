"""Our OTLP encoder writes what the OpenTelemetry SDK's encoder writes: both decoded by the real
protobuf classes and compared field for field, over spans with every kind of attribute, events,
links, statuses, remote parents, two scopes and two resources."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans as sdk_encode
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags, TraceState

from backend.observability.otlp_wire import encode_spans


def spans_of(resource: Resource) -> list:
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    ours = provider.get_tracer("knowledgeweaver", "0.1.0")
    other = provider.get_tracer(
        "opentelemetry.instrumentation.httpx", "0.50b0", schema_url="https://x/1.11.0"
    )
    remote = SpanContext(
        trace_id=0x5F3A1B2C_00000000_00000000_0000ABCD, span_id=0x1234, is_remote=True,
        trace_flags=TraceFlags(1), trace_state=TraceState([("vendor", "v1"), ("aws", "x")]),
    )  # fmt: skip
    parent = trace.set_span_in_context(trace.NonRecordingSpan(remote))
    with ours.start_as_current_span("POST /v1/query", context=parent, kind=SpanKind.SERVER) as root:
        root.set_attributes({"http.status_code": 200, "ok": True, "ratio": 0.25, "neg": -7, "big": 2**62,
                             "names": ["Priya", "Tomás"], "flags": [True, False], "scores": [0.5, 1.0],
                             "counts": [1, -2], "empty.text": "", "unicode": "Zoë 北京 🎙"})  # fmt: skip
        with ours.start_as_current_span("graph.query", links=[Link(remote, {"why": "batch"})]) as q:
            q.set_attribute("db.query.text", "MATCH (e:Entity) RETURN e")
            q.add_event("retry", {"attempt": 2})
        with other.start_as_current_span("POST", kind=SpanKind.CLIENT) as client:
            client.set_status(Status(StatusCode.ERROR, "ConnectError"))
            try:
                raise ValueError("boom")
            except ValueError as exc:
                client.record_exception(exc)
        with ours.start_as_current_span("ok", kind=SpanKind.CONSUMER) as done:
            done.set_status(Status(StatusCode.OK))
    return list(memory.get_finished_spans())


def test_our_bytes_decode_to_the_sdk_encoders_message():
    spans = spans_of(Resource.create({"service.name": "knowledgeweaver", "service.version": "0.1.0"}))
    spans += spans_of(
        Resource({"service.name": "worker"}, schema_url="https://opentelemetry.io/schemas/1.21.0")
    )
    ours = ExportTraceServiceRequest.FromString(encode_spans(spans))
    theirs = sdk_encode(spans)
    assert ours == theirs
    assert encode_spans(spans) == encode_spans(spans)  # repeated texts come from the encoder's cache
    assert len(ours.resource_spans) == 2 and len(ours.resource_spans[0].scope_spans) == 2
    assert sum(len(s.spans) for r in ours.resource_spans for s in r.scope_spans) == 8


def test_no_spans_is_an_empty_request():
    assert encode_spans([]) == b"" and ExportTraceServiceRequest.FromString(b"") == sdk_encode([])

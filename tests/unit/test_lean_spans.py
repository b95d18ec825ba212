"""Our lean spans reach processors and exporters as the SDK's spans do: the same operations on both
providers give the same exported message (ids and clocks aside), and the SDK's sampler, exception
and status rules still hold."""

from __future__ import annotations

import json

import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags

from backend.observability.otlp_wire import encode_spans
from backend.observability.spans import LeanSpan, LeanTracerProvider

REMOTE = SpanContext(0xABC, 0x123, is_remote=True, trace_flags=TraceFlags(1))
LIVE: list[dict] = []


def readable(span) -> dict:
    fields = ("name", "kind", "attributes", "events", "links", "status", "resource", "end_time")
    out = {field: getattr(span, field) for field in fields}
    out["attributes"], out["status"] = dict(out["attributes"]), out["status"].status_code
    out["scope"] = span.instrumentation_scope.name
    out["trace_id"], out["parent"] = span.context.trace_id, span.parent.trace_id
    return out


def exercise(provider: TracerProvider) -> list:
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("knowledgeweaver", "0.1.0")
    parent = trace.set_span_in_context(trace.NonRecordingSpan(REMOTE))
    with tracer.start_as_current_span("POST /v1/query", context=parent, kind=SpanKind.SERVER) as root:
        root.set_attributes({"http.request.method": "POST", "names": ["Priya", "Tomás"], "n": 3})
        root.update_name("POST /v1/{query}")
        with tracer.start_as_current_span(
            "graph.query", attributes={"db.query.text": "MATCH (e) RETURN e", "rows": 2.5}
        ) as query:
            query.set_attribute("db.response.returned_rows", 7)
            LIVE.append(readable(query))  # what instrumentations read from a live span
            query.add_event("retry", {"attempt": 2})
            query.add_link(REMOTE, {"why": "batch"})
        with pytest.raises(ValueError), tracer.start_as_current_span("llm.extract"):
            raise ValueError("model said no")
        ok = tracer.start_span("ok", links=[Link(REMOTE)])
        ok.set_status(Status(StatusCode.OK))
        ok.set_status(Status(StatusCode.ERROR, "too late: OK is final"))
        ok.end()
        ok.set_attribute("after.end", True)  # ignored, as the SDK does
    return list(memory.get_finished_spans())


def comparable(spans: list) -> ExportTraceServiceRequest:
    message = ExportTraceServiceRequest.FromString(encode_spans(spans))
    for resource_spans in message.resource_spans:
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                span.span_id = span.parent_span_id = b""
                span.start_time_unix_nano = span.end_time_unix_nano = 0
                for event in span.events:
                    event.time_unix_nano = 0
                    for attribute in event.attributes:
                        if attribute.key == "exception.stacktrace":  # names the test's own lines
                            attribute.value.string_value = attribute.value.string_value[:9]
    return message


def test_lean_spans_export_what_sdk_spans_export():
    LIVE.clear()
    resource = Resource.create({"service.name": "knowledgeweaver"})
    ours = exercise(LeanTracerProvider(resource=resource))
    sdks = exercise(TracerProvider(resource=resource))
    assert [s.name for s in ours] == ["graph.query", "llm.extract", "ok", "POST /v1/{query}"]
    assert comparable(ours) == comparable(sdks)
    assert LIVE[0] == LIVE[1] and LIVE[0]["attributes"]["db.response.returned_rows"] == 7
    assert json.loads(ours[0].to_json())["attributes"] == json.loads(sdks[0].to_json())["attributes"]
    failed = ours[1]
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.status.description == "ValueError: model said no"
    assert failed.events[0].attributes["exception.type"] == "ValueError"
    assert ours[2].status.status_code is StatusCode.OK and "after.end" not in ours[2].attributes
    # one trace, continued from the remote parent; children point at their parent
    assert {s.context.trace_id for s in ours} == {REMOTE.trace_id}
    assert ours[0].parent.span_id == ours[3].context.span_id
    assert ours[3].parent == REMOTE


def test_the_sampler_still_decides():
    provider = LeanTracerProvider(sampler=ParentBased(ALWAYS_OFF))
    tracer = provider.get_tracer("knowledgeweaver")
    with tracer.start_as_current_span("root") as root:
        assert not root.is_recording() and not isinstance(root, LeanSpan)
    unsampled = SpanContext(0xABC, 0x123, is_remote=True, trace_flags=TraceFlags(0))
    parent = trace.set_span_in_context(trace.NonRecordingSpan(unsampled))
    child = LeanTracerProvider().get_tracer("kw").start_span("child", context=parent)
    assert not child.is_recording()
    assert child.get_span_context().trace_id == unsampled.trace_id


def test_odd_values_are_cleaned_as_the_sdk_cleans_them():
    def attributes(provider):
        span = provider.get_tracer("kw").start_span("s", attributes={"ok": "yes", "map": {"k": "v"}})
        span.set_attribute("object", object())
        span.set_attribute("list", ["a", "b"])
        span.set_attributes({"n": 1, "tuple": (1, 2)})
        span.end()
        return dict(span._attributes) if isinstance(span, LeanSpan) else dict(span.attributes)

    ours = attributes(LeanTracerProvider())
    assert ours == attributes(TracerProvider())
    assert ours["list"] == ("a", "b") and ours["object"] is None


def test_the_random_trace_id_flag_is_set_as_the_sdk_sets_it():
    from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator

    def flags(provider, context=None):
        return provider.get_tracer("t").start_span("x", context=context).get_span_context().trace_flags

    random_parent = trace.set_span_in_context(
        trace.NonRecordingSpan(SpanContext(0xABC, 0x123, is_remote=True, trace_flags=TraceFlags(3)))
    )
    for ids in (None, AwsXRayIdGenerator()):  # the SDK's random ids; X-Ray's (a timestamp first)
        made = [kind(id_generator=ids) if ids else kind() for kind in (TracerProvider, LeanTracerProvider)]
        assert flags(made[0]) == flags(made[1]) and flags(made[0]).random_trace_id == (ids is None)
        assert flags(made[0], random_parent) == flags(made[1], random_parent) == TraceFlags(3)

"""X-Ray daemon mode: finished spans become X-Ray segment documents, sent over UDP to the X-Ray daemon
with aws-xray-sdk's emitter. The request's server span is the segment; every span under it is a
subsegment sent on its own (with `type`, `parent_id` and `trace_id`), as the daemon protocol allows.
Graph statements get an `sql` section, HTTP spans an `http` section, and namespace, model, stage and
operation (and a conversation's session id) become annotations (searchable in the X-Ray console)."""

from __future__ import annotations

import json
import re

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, StatusCode

MAX_DOCUMENT = 60_000  # a UDP datagram to the daemon holds at most 64 KB
_ANNOTATIONS = {
    "namespace": "namespace",
    "llm.model_name": "model",
    "llm.task": "task",
    "db.operation.name": "operation",
    "openinference.span.kind": "kind",
    "job.id": "job_id",
    "session.id": "session_id",
}
_METADATA = (
    "llm.token_count.prompt",
    "llm.token_count.completion",
    "cost.usd",
    "llm.retries",
    "llm.cached",
    "db.response.returned_rows",
    "retrieval.count",
)
_NAME = re.compile(r"[^\w .:/%&#=+\\\-@]")


def xray_trace_id(trace_id: int) -> str:
    hex_id = f"{trace_id:032x}"
    return f"1-{hex_id[:8]}-{hex_id[8:]}"


class _Document:
    """What the SDK emitter sends: anything with `serialize()`."""

    def __init__(self, body: dict) -> None:
        self.body = body

    def serialize(self) -> str:
        text = json.dumps(self.body, default=str)
        if len(text) > MAX_DOCUMENT:
            self.body.pop("metadata", None)
            self.body.get("sql", {}).update(
                sanitized_query=self.body.get("sql", {}).get("sanitized_query", "")[:2000]
            )
            text = json.dumps(self.body, default=str)
        return text


def segment_document(span: ReadableSpan, service_name: str) -> dict:
    ctx, attrs = span.context, dict(span.attributes or {})
    parent = span.parent
    is_segment = parent is None or parent.is_remote or span.kind is SpanKind.SERVER
    doc: dict = {
        "name": _NAME.sub("_", service_name if is_segment else span.name)[:200],
        "id": f"{ctx.span_id:016x}",
        "trace_id": xray_trace_id(ctx.trace_id),
        "start_time": span.start_time / 1e9,
        "end_time": (span.end_time or span.start_time) / 1e9,
    }
    if parent is not None:
        doc["parent_id"] = f"{parent.span_id:016x}"
    if not is_segment:
        doc["type"] = "subsegment"
    status = attrs.get("http.response.status_code")
    if "http.request.method" in attrs:
        doc["http"] = {"request": {"method": attrs["http.request.method"], "url": attrs.get("url.path", "")}}
        if status is not None:
            doc["http"]["response"] = {"status": status}
    if "db.system.name" in attrs:
        doc["namespace"] = "remote"
        doc["sql"] = {
            "database_type": attrs["db.system.name"],
            "url": attrs["db.system.name"],
            "sanitized_query": str(attrs.get("db.query.text", ""))[:10_000],
        }
    if span.status.status_code is StatusCode.ERROR or (isinstance(status, int) and status >= 500):
        doc["fault"] = True
    elif isinstance(status, int) and status >= 400:
        doc["error"] = True
    annotations = {alias: attrs[key] for key, alias in _ANNOTATIONS.items() if key in attrs}
    if span.name.startswith("ingest."):
        annotations["stage"] = span.name.removeprefix("ingest.")
    if annotations:
        doc["annotations"] = annotations
    metadata = {key: attrs[key] for key in _METADATA if key in attrs}
    if metadata:
        doc["metadata"] = {"knowledgeweaver": metadata}
    return doc


class XRayDaemonExporter(SpanExporter):
    def __init__(self, service_name: str, daemon_address: str) -> None:
        from aws_xray_sdk.core.emitters.udp_emitter import UDPEmitter

        self.service_name = service_name
        self._emitter = UDPEmitter(daemon_address)

    def export(self, spans) -> SpanExportResult:
        for span in spans:
            self._emitter.send_entity(_Document(segment_document(span, self.service_name)))
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

"""A local OTLP/HTTP trace receiver that decodes the real wire format (protobuf
ExportTraceServiceRequest, gzip or not) — what Phoenix, Langfuse and an ADOT collector receive."""

from __future__ import annotations

import gzip
import json
import threading

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from .http_standin import StandIn


def _value(any_value):
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in any_value.array_value.values]
    return getattr(any_value, kind) if kind else None


class OTLPSink(StandIn):
    def __init__(self, port: int = 0, keep_spans: bool = True) -> None:
        self.keep_spans = keep_spans  # False: decode and count only (a benchmark's receiver)
        self.spans: list[dict] = []
        self.headers: list[dict] = []
        self.paths: list[str] = []
        self._per_path: dict[str, int] = {}
        self._lock = threading.Lock()
        super().__init__(self._handle, port)

    def _handle(self, method, path, headers, body):
        if method == "GET" and path == "/counts":  # spans received per path, for bench/tracing.py
            return 200, {"content-type": "application/json"}, json.dumps(self.counts()).encode()
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        with self._lock:
            self.paths.append(path)
            self.headers.append(headers)
            if not self.keep_spans:
                received = sum(len(s.spans) for r in request.resource_spans for s in r.scope_spans)
                self._per_path[path] = self._per_path.get(path, 0) + received
                return 200, {"content-type": "application/x-protobuf"}, b""
            for resource_spans in request.resource_spans:
                resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        self._per_path[path] = self._per_path.get(path, 0) + 1
                        self.spans.append(
                            {
                                "name": span.name,
                                "trace_id": span.trace_id.hex(),
                                "span_id": span.span_id.hex(),
                                "parent_id": span.parent_span_id.hex(),
                                "attributes": {a.key: _value(a.value) for a in span.attributes},
                                "status": span.status.code,
                                "resource": resource,
                            }
                        )
        return (
            200,
            {"content-type": "application/x-protobuf"},
            ExportTraceServiceResponse().SerializeToString(),
        )

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._per_path)

    def trace(self, trace_id: str) -> list[dict]:
        with self._lock:
            return [s for s in self.spans if s["trace_id"] == trace_id]


if (
    __name__ == "__main__"
):  # a receiver in its own process, for benchmarks: python -m tests.support.otlp_sink PORT
    import sys
    import time

    with OTLPSink(int(sys.argv[1]), keep_spans=False):
        while True:
            time.sleep(3600)

"""Where finished spans go: every OTLP backend (Phoenix, Langfuse, an ADOT collector for X-Ray) from
one batch, encoded once; X-Ray's daemon mode on its own. A backend that is down or slow costs the
others nothing and is logged once when it fails and once when it recovers.

Why one fan-out and not an exporter per backend: each OTLP exporter encoded the same spans again, on
threads that share the GIL with request handling; at three backends that was most of tracing's cost
(bench/tracing.py). Now each batch is encoded once (`otlp_wire`) and each backend's own sender thread
posts the same bytes, so a backend that hangs delays only its own queue.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import requests
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from .otlp_wire import encode_spans

log = logging.getLogger(__name__)
_RETRY_AFTER_S = (0.2, 0.5)  # a backend still starting (Phoenix beside `make demo`) gets the batch late
_RETRY_STATUS = {429, 502, 503, 504}
_SLICE = 32  # spans encoded between offers of the GIL (~0.4 ms of work)
_MAX_PENDING = 16  # batches a backend may fall behind before its newest are dropped


_HEALTH: dict[tuple[str, str], Health] = {}  # (backend, address) -> its state, for the process
_HEALTH_LOCK = threading.Lock()


class Health:
    """A backend's failure logged once, and its recovery once — not once per batch, and not again when
    the provider is rebuilt (the app factory rebuilds it from settings) against the same backend."""

    def __init__(self, name: str) -> None:
        self.name, self.failing = name, False

    @staticmethod
    def of(name: str, address: str) -> Health:
        with _HEALTH_LOCK:
            return _HEALTH.setdefault((name, address), Health(name))

    def record(self, ok: bool, reason: str = "export failed") -> None:
        if not ok and not self.failing:
            self.failing = True
            log.warning("trace backend unreachable; spans for it are dropped",
                        extra={"backend": self.name, "error": reason})  # fmt: skip
        elif ok and self.failing:
            self.failing = False
            log.info("trace backend reachable again", extra={"backend": self.name})


@dataclass
class OtlpTarget:
    name: str
    endpoint: str  # the full …/v1/traces URL
    headers: dict[str, str] = field(default_factory=dict)


def otlp_targets(settings) -> list[OtlpTarget]:
    targets = []
    if settings.phoenix_endpoint:
        endpoint = settings.phoenix_endpoint.rstrip("/") + "/v1/traces"
        key = settings.phoenix_api_key.get_secret_value() if settings.phoenix_api_key else None
        targets.append(OtlpTarget("phoenix", endpoint, {"Authorization": f"Bearer {key}"} if key else {}))
    if settings.langfuse_host and settings.langfuse_public_key and settings.langfuse_secret_key:
        secret = settings.langfuse_secret_key.get_secret_value()
        token = base64.b64encode(f"{settings.langfuse_public_key}:{secret}".encode()).decode()
        endpoint = settings.langfuse_host.rstrip("/") + "/api/public/otel/v1/traces"
        targets.append(OtlpTarget("langfuse", endpoint, {"Authorization": f"Basic {token}"}))
    if settings.xray_mode == "otlp":
        targets.append(OtlpTarget("xray", settings.xray_otlp_endpoint))
    return targets


class _Sender:
    """One backend's queue of encoded batches and the thread that posts them."""

    def __init__(self, target: OtlpTarget, timeout_s: float) -> None:
        self.target, self.timeout_s = target, timeout_s
        self.health = Health.of(target.name, target.endpoint)
        self._session = requests.Session()
        self._session.headers.update({"Content-Type": "application/x-protobuf", **target.headers})
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=_MAX_PENDING)
        self._thread = threading.Thread(target=self._run, name=f"otlp-{target.name}", daemon=True)
        self._thread.start()

    def send(self, body: bytes) -> None:
        try:
            self._queue.put_nowait(body)
        except queue.Full:
            self.health.record(False, "backend too slow: batches dropped")

    def _run(self) -> None:
        while (body := self._queue.get()) is not None:
            try:
                self._post(body)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _post(self, body: bytes) -> None:
        reason = "export failed"
        for pause in (*_RETRY_AFTER_S, None):
            try:
                response = self._session.post(self.target.endpoint, data=body, timeout=self.timeout_s)
            except requests.RequestException as exc:
                reason = type(exc).__name__
            else:
                if response.ok:
                    self.health.record(True)
                    return
                reason = f"HTTP {response.status_code}"
                if response.status_code not in _RETRY_STATUS:
                    break
            if pause is None:
                break
            time.sleep(pause)
        self.health.record(False, reason)

    def flush(self, deadline: float) -> bool:
        """Until every queued batch is posted (or given up on), or the deadline passes."""
        done = self._queue.all_tasks_done  # the condition Queue.join waits on, here with a deadline
        with done:
            while self._queue.unfinished_tasks:
                if not done.wait(deadline - time.monotonic()):
                    return False
        return True

    def close(self, deadline: float) -> None:
        self.flush(deadline)
        with contextlib.suppress(queue.Full):  # a hung backend: its daemon thread ends with the process
            self._queue.put_nowait(None)
        self._session.close()


class OtlpFanout(SpanExporter):
    """Encodes each batch once and hands the bytes to every backend's sender."""

    def __init__(self, targets: Sequence[OtlpTarget], timeout_s: float = 5.0) -> None:
        self.senders = [_Sender(t, timeout_s) for t in targets]

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        # A batch (up to 512 spans) is encoded in slices, and the GIL is offered to the request threads
        # between them: encoded whole, a request that needed it waited a switch interval (5 ms) behind
        # us. Serialized requests concatenate into one (their resource_spans append), so the slices
        # still make one body.
        slices = []
        for start in range(0, len(spans), _SLICE):
            slices.append(encode_spans(spans[start : start + _SLICE]))
            time.sleep(0)
        body = b"".join(slices)
        for sender in self.senders:
            sender.send(body)
        return SpanExportResult.SUCCESS

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        deadline = time.monotonic() + timeout_millis / 1000
        return all([sender.flush(deadline) for sender in self.senders])

    def shutdown(self, timeout_millis: int = 10_000) -> None:
        deadline = time.monotonic() + timeout_millis / 1000
        for sender in self.senders:
            sender.close(deadline)


class QuietExporter(SpanExporter):
    """Any other exporter (X-Ray's daemon mode) with its failures logged once."""

    def __init__(self, name: str, address: str, inner: SpanExporter) -> None:
        self.inner, self.health = inner, Health.of(name, address)

    def export(self, spans) -> SpanExportResult:
        try:
            result = self.inner.export(spans)
        except Exception as exc:  # an exporter must never take the process down
            self.health.record(False, type(exc).__name__)
            return SpanExportResult.FAILURE
        self.health.record(result is SpanExportResult.SUCCESS)
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)

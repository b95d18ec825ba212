"""One trace id from the HTTP response to every span behind it, as a trace backend receives them: a
local OTLP/HTTP receiver decodes the protobuf the exporters send (the Phoenix and Langfuse paths, the
latter with Basic auth)."""

from __future__ import annotations

import base64
import logging
import time
import urllib.request
from pathlib import Path

import httpx
import pytest

from backend.config import load_settings
from backend.observability import tracing
from tests.support.live_server import free_port, live_server
from tests.support.llm_standins import Script, openai_handler, serve
from tests.support.otlp_sink import OTLPSink
from tests.support.sse import read_events
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration

CALL = Path(__file__).resolve().parents[2] / "examples" / "customer-call.srt"
QUESTION = "What does Maritime Mutual want from the Northwind pilot?"
HEALTH_TRACE = "5c0ffee5c0ffee5c0ffee5c0ffee5c0f"


def ingest(api: str) -> tuple[httpx.Response, dict]:
    accepted = httpx.post(
        f"{api}/v1/transcripts", json={"content": CALL.read_text(), "title": "call"}, timeout=60
    )
    read_events(f"{api}/v1/jobs/{accepted.json()['job_id']}/events")
    return accepted, httpx.get(f"{api}/v1/jobs/{accepted.json()['job_id']}").json()


@pytest.fixture(scope="module")
def phoenix_session(tmp_path_factory):
    with OTLPSink() as sink:
        settings = load_settings(data_dir=tmp_path_factory.mktemp("traced"), phoenix_endpoint=sink.url)
        with live_server(settings) as api:
            accepted, job = ingest(api)
            answer = httpx.post(f"{api}/v1/query", json={"question": QUESTION}, timeout=60)
            parent = "00-" + "4bf92f3577b34da6a3ce929d0e0e4736" + "-00f067aa0ba902b7-01"
            # urllib, not httpx: the instrumented httpx client would put its own trace in the header
            with urllib.request.urlopen(
                urllib.request.Request(f"{api}/v1/graph/stats", headers={"traceparent": parent})
            ) as r:
                continued = httpx.Response(r.status, headers=dict(r.headers))
            health = {}
            for path in ("/healthz", "/readyz", "/version"):  # a sampled caller: still never traced
                probe = f"00-{HEALTH_TRACE}-00f067aa0ba902b7-01"
                request = urllib.request.Request(f"{api}{path}", headers={"traceparent": probe})
                with urllib.request.urlopen(request) as r:
                    health[path] = httpx.Response(r.status, headers=dict(r.headers))
            tracing.flush()
            yield {"sink": sink, "accepted": accepted, "job": job, "answer": answer, "continued": continued,
                   "health": health}  # fmt: skip


def test_the_response_trace_id_finds_every_span_of_the_request(phoenix_session):
    sink, answer = phoenix_session["sink"], phoenix_session["answer"]
    trace_id = answer.headers["x-trace-id"]
    assert answer.json()["trace_id"] == trace_id
    spans = sink.trace(trace_id)
    names = {s["name"] for s in spans}
    assert "POST /v1/query" in names
    assert {"retrieve.vector", "retrieve.fulltext", "retrieve.graph", "retrieve.link", "embed"} <= names
    kinds = {s["name"]: s["attributes"].get("openinference.span.kind") for s in spans}
    assert kinds["retrieve.vector"] == "RETRIEVER" and kinds["embed"] == "EMBEDDING"
    vector = next(s for s in spans if s["name"] == "retrieve.vector")
    assert vector["attributes"]["retrieval.count"] > 0
    assert "retrieval.documents.0.document.id" in vector["attributes"]
    # every span hangs off the request's server span, whose parent is the test's own HTTP client span
    # (httpx is instrumented and propagates the trace, as a caller's would)
    root = next(s for s in spans if s["name"] == "POST /v1/query")
    client = [s for s in spans if s["span_id"] == root["parent_id"]]
    assert client == [] or client[0]["name"] == "POST"
    ids = {s["span_id"] for s in spans}
    assert all(s["parent_id"] in ids for s in spans if s is not root and s not in client)
    assert root["resource"]["service.name"] == "knowledgeweaver"
    assert root["resource"]["openinference.project.name"] == "knowledgeweaver"


def test_graph_statements_are_spans_with_their_text_and_never_their_values(phoenix_session):
    sink, answer = phoenix_session["sink"], phoenix_session["answer"]
    graph = [s for s in sink.trace(answer.headers["x-trace-id"]) if s["name"].startswith("graph.")]
    assert graph and all(s["attributes"]["db.system.name"] == "falkordb" for s in graph)
    texts = [s["attributes"]["db.query.text"] for s in graph]
    assert any("db.idx.vector.queryNodes" in t for t in texts)
    assert any("db.idx.fulltext.queryNodes" in t for t in texts)
    assert all("$namespace" in t or "$ids" in t or "$id" in t for t in texts)
    assert not any("Maritime" in t or "default" in t for t in texts)  # parameter values stay out
    assert all(isinstance(s["attributes"]["db.response.returned_rows"], int) for s in graph)


def test_x_ray_form_of_the_same_trace_id(phoenix_session):
    answer = phoenix_session["answer"]
    trace_id = answer.headers["x-trace-id"]
    root, parent, sampled = answer.headers["x-amzn-trace-id"].split(";")
    assert root == f"Root=1-{trace_id[:8]}-{trace_id[8:]}"
    assert parent.startswith("Parent=") and sampled == "Sampled=1"
    assert int(trace_id[:8], 16) > 1_700_000_000  # X-Ray ids start with the epoch second


def test_an_incoming_traceparent_is_continued(phoenix_session):
    assert phoenix_session["continued"].headers["x-trace-id"] == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_health_checks_are_never_traced(phoenix_session):
    sink, health = phoenix_session["sink"], phoenix_session["health"]
    assert all(r.status_code == 200 and "x-trace-id" not in r.headers for r in health.values())
    assert sink.trace(HEALTH_TRACE) == []
    names = {s["name"] for s in sink.spans}
    assert "POST /v1/query" in names and not any(n.split(" ")[-1] in health for n in names)


def test_the_ingest_job_runs_in_the_trace_of_its_upload(phoenix_session):
    sink, accepted, job = phoenix_session["sink"], phoenix_session["accepted"], phoenix_session["job"]
    assert job["trace_id"] == accepted.headers["x-trace-id"]
    names = {s["name"] for s in sink.trace(job["trace_id"])}
    assert {
        "POST /v1/transcripts",
        "ingest.pipeline",
        "ingest.extract",
        "ingest.resolve",
        "ingest.write",
    } <= names
    assert "graph.write" in names


def test_a_job_run_by_a_worker_process_is_traced_in_its_uploads_trace(tmp_path):
    """The API's own worker process (the default; on AWS, the worker service) exports the job's spans."""
    with OTLPSink() as sink:
        settings = load_settings(
            data_dir=tmp_path, phoenix_endpoint=sink.url, worker_processes=1, api_runs_jobs=False
        )
        with live_server(settings) as api:
            accepted, job = ingest(api)
            assert job["status"] == "succeeded"
            stages = {"ingest.pipeline", "ingest.extract", "ingest.resolve", "ingest.write", "graph.write"}
            names = wait_for(
                lambda: stages <= (found := {s["name"] for s in sink.trace(job["trace_id"])}) and found,
                timeout=120,
                what="the worker process's spans of the job",
            )
    assert job["trace_id"] == accepted.headers["x-trace-id"] and "POST /v1/transcripts" in names
    [pipeline] = [s for s in sink.trace(job["trace_id"]) if s["name"] == "ingest.pipeline"]
    assert pipeline["parent_id"]  # a child of the upload, not a trace of its own


def test_log_lines_carry_the_trace_id():
    from backend.observability.logs import JsonFormatter

    with tracing.span("work") as current:
        line = JsonFormatter().format(logging.LogRecord("t", logging.INFO, __file__, 1, "hello", None, None))
        assert f'"trace_id": "{tracing.trace_id_hex(current)}"' in line


def test_langfuse_gets_llm_spans_with_tokens_and_cost_over_basic_auth(tmp_path):
    script = Script(known={"Northwind": "Organization", "Sven Larsen": "Person"})
    with OTLPSink() as sink, serve(openai_handler(script)) as llm:
        settings = load_settings(
            data_dir=tmp_path,
            llm_provider="openai",
            openai_base_url=f"{llm.url}/v1",
            llm_model="gpt-4o-mini",
            langfuse_host=sink.url,
            langfuse_public_key="pk-lf-test",
            langfuse_secret_key="sk-lf-secret",
        )
        with live_server(settings) as api:
            ingest(api)
            answer = httpx.post(f"{api}/v1/query", json={"question": QUESTION}, timeout=60)
            tracing.flush()
    assert set(sink.paths) == {"/api/public/otel/v1/traces"}
    assert (
        sink.headers[0]["authorization"] == "Basic " + base64.b64encode(b"pk-lf-test:sk-lf-secret").decode()
    )
    llm_spans = [s for s in sink.spans if s["attributes"].get("openinference.span.kind") == "LLM"]
    assert {s["name"] for s in llm_spans} == {"llm.extract", "llm.answer"}
    answer_span = next(s for s in sink.trace(answer.headers["x-trace-id"]) if s["name"] == "llm.answer")
    a = answer_span["attributes"]
    assert (
        a["llm.model_name"] == "gpt-4o-mini"
        and a["llm.provider"] == "openai"
        and a["gen_ai.system"] == "openai"
    )
    assert a["llm.token_count.prompt"] > 0 and a["llm.token_count.completion"] > 0
    assert a["llm.token_count.total"] == a["llm.token_count.prompt"] + a["llm.token_count.completion"]
    assert a["cost.usd"] == pytest.approx(answer.json()["usage"]["cost_usd"])
    assert QUESTION in a["input.value"] and a["output.value"] == script.answer
    assert not any("sk-lf-secret" in str(s) for s in sink.spans)  # the secret travels only in the header


def test_content_capture_can_be_turned_off(tmp_path):
    script = Script(known={"Northwind": "Organization"})
    with OTLPSink() as sink, serve(openai_handler(script)) as llm:
        settings = load_settings(
            data_dir=tmp_path,
            llm_provider="openai",
            openai_base_url=f"{llm.url}/v1",
            phoenix_endpoint=sink.url,
            trace_content=False,
        )
        with live_server(settings) as api:
            ingest(api)
            httpx.post(f"{api}/v1/query", json={"question": QUESTION}, timeout=60)
            tracing.flush()
    assert sink.spans
    for s in sink.spans:
        assert not {"input.value", "output.value"} & set(s["attributes"])
        assert not any(k.endswith(".document.content") for k in s["attributes"])


def test_a_dead_trace_backend_costs_nothing_and_is_logged_once(tmp_path, caplog):
    dead = f"http://127.0.0.1:{free_port()}"
    settings = load_settings(data_dir=tmp_path, phoenix_endpoint=dead, langfuse_host=dead,
                             langfuse_public_key="pk", langfuse_secret_key="sk")  # fmt: skip
    tracing.shutdown()  # the previous test's provider sends its last spans (to a closed sink) here,
    caplog.clear()  # and may log that: not this test's backends
    with caplog.at_level(logging.WARNING), live_server(settings) as api:
        for _ in range(3):
            assert httpx.get(f"{api}/v1/graph/stats").status_code == 200
            tracing.flush()  # three export rounds, each failing on both backends
        tracing.shutdown()  # no provider pointing at the dead backends outlives this test
    warnings = [r for r in caplog.records if r.getMessage().startswith("trace backend unreachable")]
    assert sorted(r.backend for r in warnings) == ["langfuse", "phoenix"]


class UDPSink:
    """The X-Ray daemon's side of the wire: datagrams of a JSON header line and a segment document."""

    def __init__(self) -> None:
        import socket
        import threading

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.address = f"127.0.0.1:{self.socket.getsockname()[1]}"
        self.headers: list[dict] = []
        self.documents: list[dict] = []
        self._running = True
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        import json

        while self._running:
            try:
                data, _ = self.socket.recvfrom(65_535)
            except TimeoutError:
                continue
            header, _, body = data.decode().partition("\n")
            self.headers.append(json.loads(header))
            self.documents.append(json.loads(body))

    def close(self) -> None:
        self._running = False
        self._thread.join(timeout=2)
        self.socket.close()


def test_xray_daemon_mode_sends_segment_documents(tmp_path):
    sink = UDPSink()
    script = Script(known={"Northwind": "Organization"})
    try:
        with (
            serve(openai_handler(script)) as llm,
            live_server(
                load_settings(
                    data_dir=tmp_path,
                    xray_mode="daemon",
                    xray_daemon_address=sink.address,
                    llm_provider="openai",
                    openai_base_url=f"{llm.url}/v1",
                    llm_model="gpt-4o-mini",
                )
            ) as api,
        ):
            ingest(api)
            answer = httpx.post(f"{api}/v1/query", json={"question": QUESTION}, timeout=60)
            trace_id = answer.headers["x-trace-id"]
            xray_id = f"1-{trace_id[:8]}-{trace_id[8:]}"

            def request_segments() -> list[dict]:
                return [
                    d for d in sink.documents
                    if d["trace_id"] == xray_id and "type" not in d and "http" in d
                    and d["http"]["request"]["url"] == "/v1/query"
                ]  # fmt: skip

            # The server span ends just after the last byte is sent: wait for it, flushing, briefly.
            deadline = time.monotonic() + 10
            while not request_segments() and time.monotonic() < deadline:
                tracing.flush()
                time.sleep(0.1)
    finally:
        sink.close()
    assert all(h == {"format": "json", "version": 1} for h in sink.headers)
    docs = [d for d in sink.documents if d["trace_id"] == xray_id]
    [segment] = request_segments()
    assert segment["name"] == "knowledgeweaver" and segment["http"]["request"]["method"] == "POST"
    assert segment["http"]["response"]["status"] == 200
    assert answer.headers["x-amzn-trace-id"].startswith(f"Root={xray_id};Parent={segment['id']}")
    subsegments = [d for d in docs if d.get("type") == "subsegment"]
    ids = {d["id"] for d in docs}
    assert subsegments and all(d["parent_id"] in ids for d in subsegments)
    assert all(d["end_time"] >= d["start_time"] > 1_700_000_000 for d in docs)
    graph = [d for d in subsegments if "sql" in d]
    assert graph and all(
        d["namespace"] == "remote" and d["sql"]["database_type"] == "falkordb" for d in graph
    )
    assert any("queryNodes" in d["sql"]["sanitized_query"] for d in graph)
    assert {d["annotations"]["kind"] for d in subsegments if "kind" in d.get("annotations", {})} >= {
        "RETRIEVER",
        "EMBEDDING",
    }


def test_aws_sdk_calls_are_child_spans_of_the_llm_call(tmp_path, monkeypatch):
    from tests.support.llm_standins import bedrock_handler

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with OTLPSink() as sink, serve(bedrock_handler(Script(known={"Northwind": "Organization"}))) as aws:
        settings = load_settings(
            data_dir=tmp_path, llm_provider="bedrock", aws_endpoint_url=aws.url, phoenix_endpoint=sink.url
        )
        with live_server(settings) as api:
            ingest(api)
            tracing.flush()
    by_id = {s["span_id"]: s for s in sink.spans}
    bedrock = [s for s in sink.spans if s["attributes"].get("rpc.system") == "aws-api"]
    assert bedrock and all(s["attributes"]["rpc.method"] == "Converse" for s in bedrock)
    assert all(by_id[s["parent_id"]]["name"] == "llm.extract" for s in bedrock)
    # and the LLM span above each carries the Bedrock model, its tokens and its price
    llm = [by_id[s["parent_id"]]["attributes"] for s in bedrock]
    assert all(a["llm.provider"] == "bedrock" and a["openinference.span.kind"] == "LLM" for a in llm)
    assert all(a["llm.model_name"] == "anthropic.claude-3-5-haiku-20241022-v1:0" for a in llm)
    assert all(a["llm.token_count.prompt"] > 0 and a["cost.usd"] > 0 and a["cost.priced"] for a in llm)


def test_openai_sdk_calls_are_child_spans_of_the_llm_call_and_carry_the_trace(tmp_path):
    """The openai SDK sends through httpx2: its calls are spans under the LLM span, and the model's
    endpoint gets the trace in `traceparent` (a gateway or a tracing proxy can join it)."""
    handler, received = openai_handler(Script(known={"Northwind": "Organization"})), []

    def recording(method, path, headers, body):
        received.append({k.lower(): v for k, v in headers.items()})
        return handler(method, path, headers, body)

    with OTLPSink() as sink, serve(recording) as llm:
        settings = load_settings(
            data_dir=tmp_path,
            llm_provider="openai",
            openai_base_url=f"{llm.url}/v1",
            phoenix_endpoint=sink.url,
        )
        with live_server(settings) as api:
            ingest(api)
            answer = httpx.post(f"{api}/v1/query", json={"question": QUESTION}, timeout=60)
            tracing.flush()
    assert answer.json()["mode"] == "generated"
    by_id = {s["span_id"]: s for s in sink.spans}
    spans = sink.trace(answer.headers["x-trace-id"])
    [llm_answer] = [s for s in spans if s["name"] == "llm.answer"]
    calls = [s for s in spans if s["parent_id"] == llm_answer["span_id"]]  # the SDK's HTTP call
    assert [c["name"] for c in calls] == ["POST"]
    assert 200 in (calls[0]["attributes"].get(k) for k in ("http.response.status_code", "http.status_code"))
    assert by_id[llm_answer["parent_id"]]["trace_id"] == answer.headers["x-trace-id"]
    assert any(h.get("traceparent", "").split("-")[1] == answer.headers["x-trace-id"] for h in received)


def test_a_ratio_sampler_records_some_new_traces_and_keeps_callers_decisions(tmp_path, caplog):
    """KW_TRACE_SAMPLE_RATIO=0: no new trace is recorded, yet every response has its trace id, work
    still succeeds, and a caller's sampled flag (W3C or X-Ray) is honoured either way."""
    sampled_w3c, unsampled_w3c, sampled_xray = (
        "1" * 32, "2" * 32, "5f3c0a1b" + "3" * 24,
    )  # fmt: skip
    with OTLPSink() as sink:
        settings = load_settings(
            data_dir=tmp_path,
            phoenix_endpoint=sink.url,
            phoenix_api_key="phx-key-0123456789",
            trace_sample_ratio=0.0,
        )
        with caplog.at_level(logging.DEBUG), live_server(settings) as api:
            _, job = ingest(api)
            fresh = httpx.get(f"{api}/v1/graph/stats", timeout=30)
            callers = {}
            for name, header in {
                "w3c-sampled": {"traceparent": f"00-{sampled_w3c}-00f067aa0ba902b7-01"},
                "w3c-unsampled": {"traceparent": f"00-{unsampled_w3c}-00f067aa0ba902b7-00"},
                "xray-sampled": {
                    "X-Amzn-Trace-Id": f"Root=1-5f3c0a1b-{'3' * 24};Parent=53995c3f42cd8ad8;Sampled=1"
                },
            }.items():
                request = urllib.request.Request(f"{api}/v1/graph/stats", headers=header)
                with urllib.request.urlopen(request) as r:
                    callers[name] = dict(r.headers)
            tracing.flush()
    assert job["status"] == "succeeded"  # unsampled work runs exactly as sampled work does
    assert len(fresh.headers["x-trace-id"]) == 32 and fresh.headers["x-amzn-trace-id"].endswith("Sampled=0")
    recorded = {s["trace_id"] for s in sink.spans}
    assert recorded == {sampled_w3c, sampled_xray}, recorded
    assert callers["w3c-unsampled"]["x-trace-id"] == unsampled_w3c
    # Phoenix with auth on gets its API key as a bearer token, and the key is never logged
    assert {h.get("authorization") for h in sink.headers} == {"Bearer phx-key-0123456789"}
    assert "phx-key-0123456789" not in caplog.text


def test_the_default_records_every_new_trace_but_not_a_callers_unsampled_one(tmp_path):
    sink = OTLPSink()
    with sink, live_server(load_settings(data_dir=tmp_path, phoenix_endpoint=sink.url)) as api:
        fresh = httpx.get(f"{api}/v1/graph/stats", timeout=30)
        request = urllib.request.Request(
            f"{api}/v1/graph/stats", headers={"traceparent": f"00-{'4' * 32}-00f067aa0ba902b7-00"}
        )
        urllib.request.urlopen(request).close()
        tracing.flush()
    assert sink.trace(fresh.headers["x-trace-id"]) and not sink.trace("4" * 32)
    assert all("authorization" not in h for h in sink.headers)  # no key configured, none sent

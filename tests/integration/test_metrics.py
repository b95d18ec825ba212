"""CloudWatch metrics as EMF lines: checked against the Embedded Metric Format specification and the
metric registry, after real requests, an ingest and LLM calls."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from backend.config import load_settings
from backend.observability.metrics import METRICS, NAMESPACE, emit
from tests.support.live_server import live_server
from tests.support.llm_standins import Script, openai_handler, serve
from tests.support.sse import read_events

pytestmark = pytest.mark.integration

CALL = Path(__file__).resolve().parents[2] / "examples" / "customer-call.srt"


def emf_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            lines.append(json.loads(line))
    return lines


def check_emf(doc: dict) -> None:
    """The EMF specification: _aws.Timestamp (ms), CloudWatchMetrics directives whose dimension and
    metric names are top-level members; plus our registry's names, units and dimension sets."""
    meta = doc["_aws"]
    assert isinstance(meta["Timestamp"], int) and meta["Timestamp"] > 1_600_000_000_000
    for directive in meta["CloudWatchMetrics"]:
        assert directive["Namespace"] == NAMESPACE
        dimension_sets = [tuple(sorted(d)) for d in directive["Dimensions"]] or [()]
        assert all(isinstance(doc[d], str) for dims in dimension_sets for d in dims)
        for metric in directive["Metrics"]:
            spec = METRICS[metric["Name"]]
            assert metric["Unit"] == spec.unit
            assert set(dimension_sets) == {tuple(sorted(d)) for d in spec.dimension_sets}
            assert isinstance(doc[metric["Name"]], int | float)


def test_requests_ingest_and_llm_calls_become_emf_metrics(tmp_path, capfd):
    script = Script(known={"Northwind": "Organization", "Sven Larsen": "Person"})
    with serve(openai_handler(script)) as llm:
        settings = load_settings(data_dir=tmp_path, llm_provider="openai", openai_base_url=f"{llm.url}/v1")
        with live_server(settings) as api:
            accepted = httpx.post(
                f"{api}/v1/transcripts", json={"content": CALL.read_text()}, timeout=60
            ).json()
            read_events(f"{api}/v1/jobs/{accepted['job_id']}/events")
            httpx.post(f"{api}/v1/query", json={"question": "What does Northwind want?"}, timeout=60)
            httpx.get(f"{api}/v1/entities/nope")
    docs = emf_lines(capfd.readouterr().out)
    assert docs
    for doc in docs:
        check_emf(doc)

    def find(metric: str, **dims) -> list[dict]:
        return [d for d in docs if metric in d and all(d.get(k) == v for k, v in dims.items())]

    assert find("RequestCount", Route="POST /v1/query", StatusClass="2xx")
    assert find("RequestCount", Route="GET /v1/entities/{entity_id}", StatusClass="4xx")
    assert find("GraphQueryLatencyMs", Operation="vector_search_chunks")
    assert find("GraphQueryLatencyMs", Operation="upsert_entities")
    assert find("IngestJobs", Status="succeeded") and find("EntitiesWritten")
    assert {d["Stage"] for d in find("StageLatencyMs")} >= {"extract", "resolve", "embed", "write"}
    calls = find("LLMCalls", Model="gpt-4o-mini", Task="extract")
    assert calls and all(c["LLMInputTokens"] > 0 for c in calls)
    assert find("LLMCalls", Task="answer")[0]["LLMCostUSD"] > 0


def test_a_streams_latency_is_the_wait_for_its_status_not_how_long_it_stays_open(tmp_path, capfd):
    """A job's events stream stays open for the whole job; counted whole, it would trip the API's p95
    latency alarm with no user waiting on anything."""
    script = Script(known={"Northwind": "Organization"}, extract_delay_s=1.5)  # a job of 1.5 s or more
    with serve(openai_handler(script)) as llm:
        settings = load_settings(
            data_dir=tmp_path, llm_provider="openai", openai_base_url=f"{llm.url}/v1", extract_window_tokens=0
        )
        with live_server(settings) as api:
            accepted = httpx.post(
                f"{api}/v1/transcripts", json={"content": CALL.read_text()}, timeout=60
            ).json()
            events = read_events(f"{api}/v1/jobs/{accepted['job_id']}/events")
    assert events[-1][0] == "done"
    docs = emf_lines(capfd.readouterr().out)
    [stream] = [
        d for d in docs if d.get("Route") == "GET /v1/jobs/{job_id}/events" and "RequestLatencyMs" in d
    ]
    [job] = [d for d in docs if "IngestLatencyMs" in d]
    assert job["IngestLatencyMs"] >= 1500
    assert stream["RequestLatencyMs"] < job["IngestLatencyMs"] / 2, (stream, job)


async def test_unregistered_metrics_are_refused():
    with pytest.raises(ValueError, match="not in the registry"):
        await emit({"Route": "x"}, RequestCount=1)  # missing StatusClass
    with pytest.raises(ValueError, match="not in the registry"):
        await emit({}, MadeUpMetric=1)


def test_health_checks_are_not_request_metrics_and_the_heartbeat_is(tmp_path, capfd, monkeypatch):
    from backend.api import health

    monkeypatch.setattr(health.heartbeat, "__defaults__", (0.2,))  # a beat every 0.2 s, not 60 s
    with live_server(load_settings(data_dir=tmp_path, metrics="emf")) as api:
        for _ in range(5):
            for path in ("/healthz", "/readyz", "/version"):
                assert httpx.get(f"{api}{path}", timeout=30).status_code == 200
        assert httpx.get(f"{api}/v1/graph/stats", timeout=30).status_code == 200
        seen = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # two heartbeats: the loop keeps beating
            seen += capfd.readouterr().out
            if sum(1 for d in emf_lines(seen) if "Heartbeat" in d) >= 2:
                break
            time.sleep(0.1)
    docs = emf_lines(seen + capfd.readouterr().out)
    for doc in docs:
        check_emf(doc)
    routes = {d["Route"] for d in docs if "RequestCount" in d and "Route" in d}
    assert routes == {"GET /v1/graph/stats"}, routes  # the 15 health checks counted nowhere
    assert sum(d["RequestCount"] for d in docs if "RequestCount" in d) == 1
    assert sum(1 for d in docs if "Heartbeat" in d) >= 2
    assert {(d["Dependency"], d["DependencyUp"]) for d in docs if "DependencyUp" in d} == {
        ("graph", 1),
        ("jobs", 1),
        ("sessions", 1),
    }


async def test_a_failed_dependency_reports_zero_and_the_heartbeat_goes_on(capfd):
    import asyncio

    from backend.api import health
    from backend.observability import metrics

    class Down:
        system = "neo4j"

        async def ping(self):
            raise ConnectionError("bolt refused")

    class Up:
        async def ping(self):
            return True

    class Runtime:
        store, jobs, sessions = Down(), Up(), Up()

    metrics.configure(True)
    try:
        beat = asyncio.create_task(health.heartbeat(Runtime(), interval_s=0.05))
        docs: list[dict] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and sum(1 for d in docs if "Heartbeat" in d) < 2:
            await asyncio.sleep(0.05)
            docs += emf_lines(capfd.readouterr().out)
        beat.cancel()
    finally:
        metrics.configure(False)
    assert sum(1 for d in docs if "Heartbeat" in d) >= 2
    assert {(d["Dependency"], d["DependencyUp"]) for d in docs if "DependencyUp" in d} == {
        ("graph", 0),
        ("jobs", 1),
        ("sessions", 1),
    }


def test_a_console_query_that_runs_out_of_time_is_not_a_server_error(tmp_path, capfd):
    """504 on /v1/cypher is the caller's query being too slow; api-error-rate counts our failures."""
    with live_server(load_settings(data_dir=tmp_path)) as api:
        slow = {
            "query": "UNWIND range(1, 5000000) AS x UNWIND range(1, 3) AS y "
            "WITH x, y WHERE (x * y) % 7 = 3 RETURN count(x)",
            "timeout_ms": 1,
        }
        response = httpx.post(f"{api}/v1/cypher", json=slow, timeout=120)
    assert response.status_code == 504 and response.json()["error"]["code"] == "query_timeout", response.text
    [doc] = [d for d in emf_lines(capfd.readouterr().out) if d.get("Route") == "POST /v1/cypher"]
    assert doc["StatusClass"] == "5xx" and doc["RequestCount"] == 1 and doc["RequestErrors"] == 0

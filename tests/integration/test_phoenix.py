"""A real local Phoenix server receives our spans: read back with Phoenix's own client, the request's
trace (by the X-Trace-Id the API returned) holds the LLM, retriever, embedding and graph spans with
their OpenInference attributes."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from backend.config import load_settings
from backend.observability import tracing
from tests.support.live_server import live_server
from tests.support.llm_standins import Script, openai_handler, serve
from tests.support.sse import read_events

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CALL = Path(__file__).resolve().parents[2] / "examples" / "customer-call.srt"


def test_phoenix_holds_the_whole_trace_of_a_question(phoenix, tmp_path):
    from phoenix.client import Client

    script = Script(known={"Northwind": "Organization", "Sven Larsen": "Person"})
    with serve(openai_handler(script)) as llm:
        settings = load_settings(
            data_dir=tmp_path,
            llm_provider="openai",
            openai_base_url=f"{llm.url}/v1",
            llm_model="gpt-4o-mini",
            phoenix_endpoint=phoenix,
            phoenix_project="kw-test",
        )
        with live_server(settings) as api:
            job = httpx.post(f"{api}/v1/transcripts", json={"content": CALL.read_text()}, timeout=60).json()
            read_events(f"{api}/v1/jobs/{job['job_id']}/events")
            answer = httpx.post(f"{api}/v1/query", json={"question": "What does Northwind want?"}, timeout=60)
            tracing.flush()
    trace_id = answer.headers["x-trace-id"]
    client = Client(base_url=phoenix)
    spans = []
    for _ in range(100):  # Phoenix ingests asynchronously; the project appears with its first spans
        try:
            spans = client.spans.get_spans(project_identifier="kw-test", trace_ids=[trace_id], limit=500)
        except httpx.HTTPStatusError:
            spans = []
        if any(s["name"] == "llm.answer" for s in spans):
            break
        time.sleep(0.2)
    by_name = {s["name"]: s for s in spans}
    assert {s["context"]["trace_id"] for s in spans} == {trace_id}
    assert {"POST /v1/query", "llm.answer", "retrieve.vector", "embed"} <= set(by_name)
    assert by_name["llm.answer"]["span_kind"] == "LLM"
    assert by_name["retrieve.vector"]["span_kind"] == "RETRIEVER"
    assert by_name["embed"]["span_kind"] == "EMBEDDING"
    llm_attributes = by_name["llm.answer"]["attributes"]
    assert llm_attributes["llm.model_name"] == "gpt-4o-mini"
    assert llm_attributes["llm.token_count.prompt"] > 0 and llm_attributes["cost.usd"] > 0
    graph = [s for s in spans if s["name"] == "graph.query"]
    assert graph and all("db.query.text" in s["attributes"] for s in graph)

"""Follow-ups resolved by the LLM provider — a condense-question call through the real SDKs against
local stand-ins (OpenAI-compatible, Bedrock Converse) — traced and costed like every LLM call; and the
conversation on every span and log line: `session.id` and `langfuse.session.id` on each span of each
question (so Phoenix and Langfuse group the conversation), the standalone question on the spans,
`session_id` on each log line."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from backend.config import load_settings
from backend.observability import tracing
from backend.observability.logs import JsonFormatter
from tests.support.conversation import THREE_TURNS
from tests.support.live_server import live_server
from tests.support.llm_standins import Script, bedrock_handler, openai_handler, serve
from tests.support.otlp_sink import OTLPSink
from tests.support.sse import read_events

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = ["customer-call.srt", "engineering-standup.txt", "product-sync.vtt"]
KNOWN = {
    "Northwind": "Organization", "Lena Fischer": "Person", "Sven Larsen": "Person", "Priya Raman": "Person",
    "SAP": "Product", "Tomás Silva": "Person", "David Okafor": "Person", "Maria Chen": "Person",
}  # fmt: skip
REWRITES = {q: standalone for q, standalone, _ in THREE_TURNS if standalone}


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


def ours(spans: list[dict]) -> list[dict]:
    """The server's spans: the request's server span and everything under it (not the test client's)."""
    root = next(s for s in spans if s["name"] == "POST /v1/query")
    kept, ids = [root], {root["span_id"]}
    while more := [s for s in spans if s["parent_id"] in ids and s["span_id"] not in ids]:
        kept += more
        ids |= {s["span_id"] for s in more}
    return kept


def converse(api: str) -> list[dict]:
    for name in FILES:
        body = {"content": (EXAMPLES / name).read_text(), "title": Path(name).stem}
        accepted = httpx.post(f"{api}/v1/transcripts", json=body, timeout=60).json()
        assert read_events(f"{api}/v1/jobs/{accepted['job_id']}/events")[-1][0] == "done"
    session_id = httpx.post(f"{api}/v1/sessions", json={}).json()["id"]
    answers = []
    for question, _, _ in THREE_TURNS:
        response = httpx.post(
            f"{api}/v1/query", json={"question": question, "k": 5, "session_id": session_id}, timeout=120
        )
        assert response.status_code == 200, response.text
        answers.append({**response.json(), "trace": response.headers["x-trace-id"]})
    return answers


def test_condense_call_resolves_follow_ups_traced_costed_and_grouped_by_session(tmp_path):
    script = Script(known=KNOWN, rewrites=REWRITES, quote=True)
    handler, root = Lines(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        with OTLPSink() as sink, serve(openai_handler(script)) as llm:
            settings = load_settings(
                data_dir=tmp_path, llm_provider="openai", openai_base_url=f"{llm.url}/v1",
                llm_model="gpt-4o-mini", phoenix_endpoint=sink.url, langfuse_host=sink.url,
                langfuse_public_key="pk-test", langfuse_secret_key="sk-test",
            )  # fmt: skip
            with live_server(settings) as api:
                answers = converse(api)
                tracing.flush()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)

    session_id = answers[0]["session_id"]
    first, _, third = answers
    assert (
        first["resolution"] == "none" and first["usage"]["llm_calls"] == 1
    )  # no condense call for a first question
    for body, (_, standalone, _) in zip(answers[1:], THREE_TURNS[1:], strict=True):
        assert body["resolution"] == "llm" and body["standalone_question"] == standalone
        assert body["usage"]["llm_calls"] == 2 and body["usage"]["cost_usd"] > 0  # condense + answer
    # each answer call was asked the standalone question, over evidence retrieved for it
    asked = [
        b["messages"][-1]["content"] for b in script.bodies if "Evidence:" in b["messages"][-1]["content"]
    ]
    assert asked[-1].endswith("Question: How long will the export take Lena Fischer?")
    assert "Lena Fischer: About a week for a first version." in asked[-1]
    assert asked[-2].endswith("Question: Who is building the export for Northwind?")
    assert "Lena builds the SAP export" in asked[-2]

    # the condense call saw the history: the earlier questions as understood, and their answers
    condense = [b for b in script.bodies if "Follow-up question:" in b["messages"][-1]["content"]]
    assert len(condense) == 2
    last = condense[-1]["messages"][-1]["content"]
    assert "Question 1: What does Northwind want?" in last and "Answer 1: " in last
    assert "Question 2: Who is building the export for Northwind?" in last and "Answer 2: " in last
    assert last.endswith("Follow-up question: How long will it take her?")

    # every span of each question carries the session, for Phoenix and for Langfuse
    for body in answers:
        spans = ours(sink.trace(body["trace"]))
        assert {"POST /v1/query", "conversation.resolve", "retrieve.vector", "llm.answer"} <= {
            s["name"] for s in spans
        }
        for s in spans:
            assert s["attributes"].get("session.id") == session_id, s["name"]
            assert s["attributes"].get("langfuse.session.id") == session_id, s["name"]
        root = next(s for s in spans if s["name"] == "POST /v1/query")
        assert root["attributes"]["conversation.standalone_question"] == body["standalone_question"]
    spans = sink.trace(third["trace"])
    resolve = next(s for s in spans if s["name"] == "conversation.resolve")
    assert resolve["attributes"]["conversation.standalone_question"] == THREE_TURNS[2][1]
    assert resolve["attributes"]["conversation.resolution"] == "llm"
    llm_condense = next(s for s in spans if s["name"] == "llm.condense")
    assert llm_condense["attributes"]["llm.task"] == "condense" and llm_condense["attributes"]["cost.usd"] > 0
    assert llm_condense["parent_id"] == resolve["span_id"]
    assert {"/v1/traces", "/api/public/otel/v1/traces"} <= set(sink.paths)

    # and every log line of those requests names the session
    requests = [r for r in handler.lines if r["message"] == "request" and r.get("path") == "/v1/query"]
    assert len(requests) == 3 and all(r["session_id"] == session_id for r in requests)
    assert {r["trace_id"] for r in requests} == {b["trace"] for b in answers}
    assert all("session_id" not in r for r in handler.lines if r.get("path") == "/v1/transcripts")


def test_bedrock_condenses_the_follow_up_too(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    script = Script(known=KNOWN, rewrites=REWRITES, quote=True)
    with serve(bedrock_handler(script)) as aws:
        settings = load_settings(data_dir=tmp_path, llm_provider="bedrock", aws_endpoint_url=aws.url)
        with live_server(settings) as api:
            answers = converse(api)
    assert [a["standalone_question"] for a in answers] == [
        standalone or q for q, standalone, _ in THREE_TURNS
    ]
    assert [a["resolution"] for a in answers] == ["none", "llm", "llm"]

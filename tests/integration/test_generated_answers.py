"""Generated answers through the real SDKs: OpenAI-compatible streaming (SSE chunks with usage) and
Bedrock ConverseStream (AWS event-stream frames), both against local servers that speak those
protocols. The answer streams as tokens, cites the evidence as [n], and its usage and cost are counted;
an answer that cites nothing is flagged."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from backend.config import load_settings
from tests.support.live_server import live_server
from tests.support.llm_standins import Script, bedrock_handler, openai_handler, serve
from tests.support.sse import read_events

pytestmark = pytest.mark.integration

CALL = Path(__file__).resolve().parents[2] / "examples" / "customer-call.srt"
KNOWN = {"Sven Larsen": "Person", "Priya": "Person", "Northwind": "Organization", "Voltra": "Organization"}
QUESTION = "How long does the Atlas tracker battery last?"


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def run_session(settings) -> tuple[dict, list[tuple[str, dict]]]:
    with live_server(settings) as api:
        accepted = httpx.post(
            f"{api}/v1/transcripts", json={"content": CALL.read_text(), "title": "customer-call"}, timeout=60
        ).json()
        assert read_events(f"{api}/v1/jobs/{accepted['job_id']}/events")[-1][0] == "done"
        body = {"question": QUESTION, "k": 3, "stream": True}
        events = read_events(f"{api}/v1/query", timeout=60, method="POST", json=body)
        body = httpx.post(f"{api}/v1/query", json={"question": QUESTION, "k": 3}, timeout=60).json()
    return body, events


def openai_settings(tmp_path, url):
    return load_settings(
        data_dir=tmp_path, llm_provider="openai", openai_base_url=f"{url}/v1", llm_model="gpt-4o-mini"
    )


async def test_openai_compatible_answer_streams_with_citations_and_cost(tmp_path):
    script = Script(known=KNOWN)
    with serve(openai_handler(script)) as llm:
        body, events = run_session(openai_settings(tmp_path, llm.url))
    assert body["mode"] == "generated" and body["answer"] == script.answer and body["uncited"] is False
    assert body["citations"]  # adjacent chunks of this short call merge into one citation
    usage = events[-1][1]["usage"]
    assert usage["llm_calls"] == 1 and usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    assert usage["cost_usd"] == pytest.approx(
        (usage["input_tokens"] * 0.15 + usage["output_tokens"] * 0.6) / 1e6
    )
    # the evidence went to the model numbered, with who said it
    prompt = script.bodies[-1]["messages"][1]["content"]
    assert "[1] customer-call" in prompt and "Sven Larsen" in prompt and QUESTION in prompt
    names = [n for n, _ in events]
    assert names.count("token") > 5 and names[-2:] == ["citations", "done"]
    assert "".join(d["text"] for n, d in events if n == "token") == script.answer
    # the second ask (JSON) is the same request: answered from the cache, at no cost
    assert body["usage"]["cache_hits"] == 1 and body["usage"]["llm_calls"] == 0


async def test_an_answer_that_cites_nothing_is_flagged(tmp_path):
    script = Script(known=KNOWN, answer="Batteries are generally good these days.")
    with serve(openai_handler(script)) as llm:
        body, _ = run_session(openai_settings(tmp_path, llm.url))
    assert body["uncited"] is True and body["mode"] == "generated"


async def test_bedrock_converse_stream_answer(tmp_path):
    script = Script(known=KNOWN)
    with serve(bedrock_handler(script)) as aws:
        settings = load_settings(data_dir=tmp_path, llm_provider="bedrock", aws_endpoint_url=aws.url)
        body, events = run_session(settings)
    assert body["answer"].strip() == script.answer and body["uncited"] is False
    usage = events[-1][1]["usage"]
    assert usage["llm_calls"] == 1 and [n for n, _ in events].count("token") > 5
    assert usage["cost_usd"] == pytest.approx(
        (usage["input_tokens"] * 0.8 + usage["output_tokens"] * 4.0) / 1e6
    )
    assert [n for n, _ in events][-2:] == ["citations", "done"]
    assert "system" in script.bodies[-1] and script.bodies[-1]["modelId"].startswith(
        "anthropic.claude-3-5-haiku"
    )

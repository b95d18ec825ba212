"""When the model fails while answering, through the real OpenAI SDK against a local server that speaks
its protocol: before the answer's first words the caller gets a status it can act on (503 with
Retry-After when the model is down, 502 when it refuses the call), streamed or not, alone or in a
conversation; once words have gone out, the stream ends with an `error` event instead of a cut
connection, nothing half-answered is kept in the conversation, and asking again works."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from backend import sse
from backend.config import load_settings
from tests.support.live_server import live_server
from tests.support.llm_standins import Script, openai_handler, serve
from tests.support.sse import read_events

pytestmark = pytest.mark.integration

CALL = Path(__file__).resolve().parents[2] / "examples" / "customer-call.srt"
KNOWN = {"Sven Larsen": "Person", "Priya": "Person", "Northwind": "Organization"}
QUESTION = "How long does the Atlas tracker battery last?"


def ingested(api: str) -> None:
    accepted = httpx.post(
        f"{api}/v1/transcripts", json={"content": CALL.read_text(), "title": "customer-call"}, timeout=60
    ).json()
    assert read_events(f"{api}/v1/jobs/{accepted['job_id']}/events")[-1][0] == "done"


def settings_for(tmp_path, url):
    return load_settings(
        data_dir=tmp_path,
        llm_provider="openai",
        openai_base_url=f"{url}/v1",
        llm_model="gpt-4o-mini",
        llm_max_retries=0,
    )


def stream(api: str, body: dict) -> tuple[httpx.Response, list[tuple[str, dict]]]:
    """The response and its events (none when it is not a stream)."""
    with httpx.stream("POST", f"{api}/v1/query", json={**body, "stream": True}, timeout=60) as response:
        if response.headers["content-type"].startswith(sse.MEDIA_TYPE):
            return response, list(sse.events(response.iter_lines()))
        response.read()
        return response, []


@pytest.mark.parametrize(
    ("status", "expected", "code"), [(503, 503, "llm_unavailable"), (401, 502, "llm_error")]
)
def test_a_model_that_fails_before_answering_is_a_status_streamed_or_not(
    tmp_path, caplog, status, expected, code
):
    script = Script(known=KNOWN)
    with serve(openai_handler(script)) as llm, live_server(settings_for(tmp_path, llm.url)) as api:
        ingested(api)
        script.answer_status = status
        plain = httpx.post(f"{api}/v1/query", json={"question": QUESTION}, timeout=60)
        streamed, events = stream(api, {"question": QUESTION})
        in_conversation, events_too = stream(api, {"question": QUESTION, "session_id": "new"})
        for response in (plain, streamed, in_conversation):
            assert response.status_code == expected, response.text
            error = response.json()["error"]
            # what to do, in our words; the provider's own (account ids, masked keys) stay in the log
            assert error["code"] == code and "the language model" in error["message"]
            assert "refused (" not in response.text
            if expected == 503:
                assert response.headers["retry-after"] == "5"
        assert events == events_too == []
        logged = [getattr(r, "error", "") for r in caplog.records if r.getMessage() == "request failed"]
        assert sum(f"the model refused ({status})" in e for e in logged) == 3, logged

        script.answer_status = None  # the model is back: the same request answers
        ok, events = stream(api, {"question": QUESTION, "session_id": "new"})
        assert ok.status_code == 200 and [n for n, _ in events][-2:] == ["citations", "done"]
    # the conversation whose first answer failed was ended: its id never reached the caller
    with sqlite3.connect(tmp_path / "sessions.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1


def test_an_answer_that_breaks_off_ends_with_an_error_event_and_is_not_kept(tmp_path, capfd, caplog):
    caplog.set_level(logging.INFO, logger="backend.api")
    script = Script(known=KNOWN, answer_breaks_after=3)
    with serve(openai_handler(script)) as llm, live_server(settings_for(tmp_path, llm.url)) as api:
        ingested(api)
        response, events = stream(api, {"question": QUESTION})
        assert response.status_code == 200
        names = [n for n, _ in events]
        assert names == ["token"] * 3 + ["error"]
        assert (
            "".join(d["text"] for n, d in events if n == "token")
            == " ".join(script.answer.split(" ")[:3]) + " "
        )
        error = events[-1][1]
        assert error["status"] == 503 and error["error"]["code"] == "llm_unavailable"
        assert error["error"]["message"] == "the language model is unavailable; ask again shortly"
        assert error["error"]["details"]["retry_after_s"] == 5

        # in a conversation: the understood question, the words written, the error; no turn is kept
        response, events = stream(api, {"question": QUESTION, "session_id": "new"})
        assert [n for n, _ in events] == ["question"] + ["token"] * 3 + ["error"]
        session_id = events[0][1]["session_id"]
        assert httpx.get(f"{api}/v1/sessions/{session_id}").json()["turn_count"] == 0

        # a stream the model stops for a reason asking again will not fix (a refused request): 502
        script.answer_break_type = "invalid_request_error"
        _, events = stream(api, {"question": QUESTION})
        assert events[-1][0] == "error" and events[-1][1]["status"] == 502
        assert events[-1][1]["error"]["code"] == "llm_error"

        script.answer_breaks_after = None  # asked again, in the same conversation: answered, turn 1
        response, events = stream(api, {"question": QUESTION, "session_id": session_id})
        assert [n for n, _ in events][-2:] == ["citations", "done"] and events[0][1]["turn"] == 1
        assert "".join(d["text"] for n, d in events if n == "token") == script.answer
        kept = httpx.get(f"{api}/v1/sessions/{session_id}").json()
        assert kept["turn_count"] == 1 and kept["turns"][0]["answer"] == script.answer

    # for the SRE: both broken answers are request errors (the 200 notwithstanding), the answered one not
    out = [json.loads(line) for line in capfd.readouterr().out.splitlines() if line.startswith("{")]
    metrics = [d for d in out if "_aws" in d and d.get("Route") == "POST /v1/query" and "RequestErrors" in d]
    assert [(d["StatusClass"], d["RequestErrors"]) for d in metrics] == [("2xx", 1)] * 3 + [("2xx", 0)]
    logged = [r for r in caplog.records if r.getMessage() == "request" and r.path == "/v1/query"]
    assert [getattr(r, "stream_error", None) for r in logged] == ["llm_unavailable"] * 2 + ["llm_error", None]


def test_bedrock_failing_before_and_during_the_stream(tmp_path, monkeypatch):
    from tests.support.llm_standins import bedrock_handler

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    script = Script(known=KNOWN, answer_status=503)
    with serve(bedrock_handler(script)) as aws:
        settings = load_settings(
            data_dir=tmp_path, llm_provider="bedrock", aws_endpoint_url=aws.url, llm_max_retries=0
        )
        with live_server(settings) as api:
            ingested(api)
            response, events = stream(api, {"question": QUESTION})
            assert response.status_code == 503 and events == []
            assert response.json()["error"]["code"] == "llm_unavailable"

            # ConverseStream's own exception event after three words (botocore's EventStreamError)
            script.answer_status, script.answer_breaks_after = None, 3
            response, events = stream(api, {"question": QUESTION})
            assert [n for n, _ in events] == ["token"] * 3 + ["error"]
            error = events[-1][1]
            assert error["status"] == 503 and error["error"]["code"] == "llm_unavailable"
            assert error["error"]["message"] == "the language model is unavailable; ask again shortly"


def test_a_caller_who_leaves_mid_answer_stops_the_model_and_keeps_no_turn(tmp_path):
    script = Script(known=KNOWN, answer_word_delay_s=0.25)  # a model writing a word every 250 ms
    with serve(openai_handler(script)) as llm, live_server(settings_for(tmp_path, llm.url)) as api:
        ingested(api)
        body = {"question": QUESTION, "session_id": "new", "stream": True}
        seen: list[tuple[str, dict]] = []
        with httpx.stream("POST", f"{api}/v1/query", json=body, timeout=60) as response:
            for event, data in sse.events(response.iter_lines()):
                seen.append((event, data))
                if [n for n, _ in seen].count("token") == 2:
                    break  # and leave: the connection closes
        session_id = seen[0][1]["session_id"]
        deadline = time.monotonic() + 120
        while llm.aborted == 0 and time.monotonic() < deadline:  # the model's stream is cut off
            time.sleep(0.1)
        assert llm.aborted == 1, "the model went on writing for a caller who had left"
        assert httpx.get(f"{api}/v1/sessions/{session_id}").json()["turn_count"] == 0

        script.answer_word_delay_s = 0  # a caller who stays gets the whole answer, kept as turn 1
        _, events = stream(api, {"question": QUESTION, "session_id": session_id})
        assert [n for n, _ in events][-2:] == ["citations", "done"] and events[0][1]["turn"] == 1

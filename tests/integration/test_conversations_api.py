"""Conversations over HTTP, offline, on the repo's examples: the three-turn conversation gets each
fact right and cited, with the standalone question it answered; the SSE stream says it first; the
history is kept (and survives a restart); a key sees only its namespace's sessions; bad ids are a 422,
unknown or ended ones a 404. The same conversation runs on DynamoDB (moto server, real boto3)."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from backend.config import load_settings
from backend.ingest.files import EXTENSIONS
from tests.support.conversation import THREE_TURNS, check_turn
from tests.support.live_server import live_server
from tests.support.sse import read_events

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KEY_A = "key-for-team-a-0123456789"
KEY_B = "key-for-team-b-0123456789"
ADMIN = "admin-key-0123456789abcdef"
KEYS = {KEY_A: "team-a", KEY_B: "team-b", ADMIN: "*"}


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def ingest_examples(api: str, key: str) -> None:
    for path in sorted(p for p in EXAMPLES.iterdir() if p.suffix in EXTENSIONS):
        body = {"content": path.read_text(), "title": path.stem}
        accepted = httpx.post(f"{api}/v1/transcripts", json=body, headers=auth(key), timeout=60).json()
        assert read_events(f"{api}/v1/jobs/{accepted['job_id']}/events", auth(key))[-1][0] == "done"


def ask(api: str, key: str, question: str, **extra) -> httpx.Response:
    return httpx.post(
        f"{api}/v1/query", json={"question": question, "k": 5, **extra}, headers=auth(key), timeout=120
    )


def stream(api: str, key: str, question: str, session_id: str) -> list[tuple[str, dict]]:
    body = {"question": question, "k": 5, "session_id": session_id, "stream": True}
    return read_events(f"{api}/v1/query", auth(key), 120, method="POST", json=body)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("conversations")


@pytest.fixture(scope="module")
def api(data_dir):
    with live_server(load_settings(data_dir=data_dir, api_keys=KEYS)) as url:
        ingest_examples(url, KEY_A)
        yield url


def test_three_turns_each_fact_right_and_cited_with_the_question_it_answered(api):
    session = httpx.post(f"{api}/v1/sessions", json={}, headers=auth(KEY_A)).json()
    assert session["namespace"] == "team-a" and session["turns"] == [] and session["id"].startswith("ses_")
    for number, (question, standalone, facts) in enumerate(THREE_TURNS, start=1):
        body = ask(api, KEY_A, question, session_id=session["id"]).json()
        assert body["session_id"] == session["id"] and body["turn"] == number
        assert body["standalone_question"] == (standalone or question), body["standalone_question"]
        assert body["resolution"] == ("none" if standalone is None else "offline")
        assert body["mode"] == "extractive" and body["usage"]["llm_calls"] == 0
        check_turn(body["answer"], body["citations"], facts)
        assert "resolve" in body["timings_ms"]

    history = httpx.get(f"{api}/v1/sessions/{session['id']}", headers=auth(KEY_A)).json()
    assert [t["question"] for t in history["turns"]] == [q for q, _, _ in THREE_TURNS]
    assert history["turns"][2]["standalone_question"] == "How long will the export take Lena Fischer?"
    assert all(t["citations"] for t in history["turns"])
    second = history["turns"][1]["entities"]
    assert {"name": "Northwind", "type": "Organization", "role": "carried"}.items() <= next(
        e for e in second if e["name"] == "Northwind"
    ).items()
    people = [e["name"] for e in second if e["type"] == "Person" and e["role"] == "answer"]
    assert people[0] == "Lena Fischer", people  # what "her" will mean next


def test_the_stream_says_the_standalone_question_first(api):
    session_id = httpx.post(f"{api}/v1/sessions", headers=auth(KEY_A)).json()["id"]
    stream(api, KEY_A, THREE_TURNS[0][0], session_id)
    events = stream(api, KEY_A, THREE_TURNS[1][0], session_id)
    names = [n for n, _ in events]
    assert names[0] == "question" and names[-2:] == ["citations", "done"]
    assert set(names[1:-2]) == {"token"}
    first = events[0][1]
    assert first["standalone_question"] == THREE_TURNS[1][1] and first["turn"] == 2
    assert first["carried"] == ["Northwind"] and first["resolution"] == "offline"
    answer = "".join(d["text"] for n, d in events if n == "token")
    check_turn(answer, events[-2][1]["citations"], THREE_TURNS[1][2])
    assert events[-1][1]["session_id"] == session_id and events[-1][1]["turn"] == 2


def test_a_question_in_two_parts_is_answered_part_by_part_with_the_first_answer_in_the_second(api):
    question = (
        "Who is building the export that Northwind's planners in Singapore asked for, "
        "and how long will it take?"
    )
    body = ask(api, KEY_A, question).json()
    first, second = body["parts"]
    assert (
        first["standalone"] == "Who is building the export that Northwind's planners in Singapore asked for?"
    )
    # "it" is the export the first part asked about, not Northwind named in its relative clause, and
    # the part is asked of whom the graph says builds it (Lena Fischer —BUILD→ sap export)
    assert second["standalone"] == "How long will the export take, Lena Fischer?"
    assert all(1 <= n <= len(body["citations"]) for part in body["parts"] for n in part["citations"])
    answer = body["answer"]
    assert answer.index(first["standalone"]) < answer.index(second["standalone"])
    check_turn(answer, body["citations"], [
        ("Lena builds the SAP export", "Lena builds the SAP export next week", "engineering-standup"),
        ("About a week for a first version", "About a week for a first version", "engineering-standup"),
    ])  # fmt: skip
    # each quote sits under the part it answers, citing one of that part's citations
    builds = next(line for line in answer.splitlines() if "Lena builds" in line)
    assert answer.index(builds) < answer.index(second["standalone"])

    one = ask(api, KEY_A, "How long will the export take, Lena Fischer?").json()
    assert one["parts"] == []  # a question in one part is answered as before


def test_session_new_starts_one_and_answers(api):
    body = ask(api, KEY_A, "What does Northwind want?", session_id="new").json()
    assert body["session_id"].startswith("ses_") and body["turn"] == 1
    follow = ask(api, KEY_A, "Who is their contact?", session_id=body["session_id"]).json()
    assert follow["standalone_question"] == "Who is Northwind's contact?"


def test_a_key_sees_only_its_own_namespaces_sessions(api):
    mine = httpx.post(f"{api}/v1/sessions", headers=auth(KEY_A)).json()["id"]
    assert ask(api, KEY_A, "What does Northwind want?", session_id=mine).status_code == 200
    for response in (
        httpx.get(f"{api}/v1/sessions/{mine}", headers=auth(KEY_B)),
        httpx.delete(f"{api}/v1/sessions/{mine}", headers=auth(KEY_B)),
        ask(api, KEY_B, "And who is building the export for them?", session_id=mine),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "not_found"
    # asking for the other namespace outright is refused, as everywhere
    assert (
        httpx.get(
            f"{api}/v1/sessions/{mine}", params={"namespace": "team-a"}, headers=auth(KEY_B)
        ).status_code
        == 403
    )
    assert (
        httpx.post(f"{api}/v1/sessions", json={"namespace": "team-a"}, headers=auth(KEY_B)).status_code == 403
    )
    # the admin sees it, in its namespace only
    assert httpx.get(f"{api}/v1/sessions/{mine}", headers=auth(ADMIN)).status_code == 200
    assert (
        httpx.get(
            f"{api}/v1/sessions/{mine}", params={"namespace": "team-b"}, headers=auth(ADMIN)
        ).status_code
        == 404
    )
    assert len(httpx.get(f"{api}/v1/sessions/{mine}", headers=auth(KEY_A)).json()["turns"]) == 1


def test_ending_a_session_deletes_it(api):
    session_id = httpx.post(f"{api}/v1/sessions", headers=auth(KEY_A)).json()["id"]
    assert httpx.delete(f"{api}/v1/sessions/{session_id}", headers=auth(KEY_A)).status_code == 204
    assert httpx.get(f"{api}/v1/sessions/{session_id}", headers=auth(KEY_A)).status_code == 404
    response = ask(api, KEY_A, "What does Northwind want?", session_id=session_id)
    assert response.status_code == 404 and "POST /v1/sessions" in response.json()["error"]["message"]


@pytest.mark.parametrize("bad", ["abc", "ses_123", "ses_" + "g" * 32, "SES_" + "0" * 32])
def test_malformed_session_ids_are_422_naming_the_field(api, bad):
    response = ask(api, KEY_A, "What does Northwind want?", session_id=bad)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["problems"][0]["field"] == "session_id"
    assert httpx.get(f"{api}/v1/sessions/{bad}", headers=auth(KEY_A)).status_code == 422


def test_an_unknown_session_is_404(api):
    assert httpx.get(f"{api}/v1/sessions/ses_{'0' * 32}", headers=auth(KEY_A)).status_code == 404
    assert ask(api, KEY_A, "Who?", session_id=f"ses_{'0' * 32}").status_code == 404


def test_readiness_names_the_session_store(api):
    assert httpx.get(f"{api}/readyz").json()["checks"]["sessions"] == "sqlite: ok"


def test_sessions_survive_a_restart(data_dir, api):
    session_id = httpx.post(f"{api}/v1/sessions", headers=auth(KEY_A)).json()["id"]
    ask(api, KEY_A, THREE_TURNS[0][0], session_id=session_id)
    ask(api, KEY_A, THREE_TURNS[1][0], session_id=session_id)
    # a second server process on the same data dir (a restart, or another worker)
    with live_server(load_settings(data_dir=data_dir, api_keys=KEYS)) as again:
        history = httpx.get(f"{again}/v1/sessions/{session_id}", headers=auth(KEY_A)).json()
        assert len(history["turns"]) == 2
        body = ask(again, KEY_A, THREE_TURNS[2][0], session_id=session_id).json()
        assert body["standalone_question"] == THREE_TURNS[2][1] and body["turn"] == 3


def test_the_conversation_on_dynamodb(aws, tmp_path):
    from backend.conversation.dynamodb_store import table_definition

    table = f"kw-sessions-{uuid.uuid4().hex[:8]}"
    aws.client("dynamodb").create_table(**table_definition(table))
    settings = load_settings(
        data_dir=tmp_path, api_keys=KEYS, session_backend="dynamodb", sessions_table=table,
        aws_endpoint_url=aws.endpoint_url, aws_region=aws.region,
    )  # fmt: skip
    with live_server(settings) as url:
        assert httpx.get(f"{url}/readyz").json()["checks"]["sessions"] == "dynamodb: ok"
        ingest_examples(url, KEY_A)
        session_id = httpx.post(f"{url}/v1/sessions", headers=auth(KEY_A)).json()["id"]
        for question, standalone, facts in THREE_TURNS:
            body = ask(url, KEY_A, question, session_id=session_id).json()
            assert body["standalone_question"] == (standalone or question)
            check_turn(body["answer"], body["citations"], facts)
        assert httpx.get(f"{url}/v1/sessions/{session_id}", headers=auth(KEY_B)).status_code == 404
    item = aws.client("dynamodb").get_item(TableName=table, Key={"session_id": {"S": session_id}})["Item"]
    assert item["namespace"]["S"] == "team-a" and item["turn_count"]["N"] == "3"

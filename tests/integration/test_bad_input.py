"""Bad input over real HTTP is a 4xx whose message says what to fix, never a 500: parameter keys the
database cannot take, multipart fields that fail validation, namespaces with NUL or punctuation in the
query string, JSON nested thousands deep. A database's own error text never reaches the caller."""

from __future__ import annotations

import httpx
import pytest

from backend.api.app import create_app
from backend.config import load_settings
from backend.errors import GraphQueryError
from tests.support.live_server import live_server

pytestmark = pytest.mark.integration

KEY = "key-for-team-a-0123456789"
ADMIN = "admin-key-0123456789abcdef"
NAMESPACE_RULE = "a namespace is 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("bad-input"), api_keys={KEY: "team-a", ADMIN: "*"}
    )
    app = create_app(settings)

    @app.get("/test/graph-failure", include_in_schema=False)
    async def graph_failure():  # how a failed statement of ours surfaces: the database's own words
        raise GraphQueryError("errMsg: Invalid input 'x': expected MATCH near 'secret-value-42' line: 1")

    with live_server(settings, app) as url:
        yield url


def auth(key: str = ADMIN) -> dict:
    return {"Authorization": f"Bearer {key}"}


def error_of(response: httpx.Response, status: int = 422) -> dict:
    assert response.status_code == status, response.text
    return response.json()["error"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"not an identifier": 1}, "params.not an identifier"),
        ({"x": {"inner-key": 1}}, "params.x.inner-key"),
        ({"1x": "a"}, "params.1x"),
        ({"x": [{"ok": {"bad key": True}}]}, "params.x.0.ok.bad key"),
        ({"x\n": 1}, "params.x\n"),
    ],
)
def test_console_parameter_keys_must_be_identifiers(api, params, field):
    response = httpx.post(
        f"{api}/v1/cypher", json={"query": "RETURN 1 AS one", "params": params}, headers=auth(), timeout=30
    )
    error = error_of(response)
    assert error["code"] == "invalid_input"
    assert error["message"].startswith(f"{field}: ") and "must be identifiers" in error["message"]
    assert error["details"]["problems"][0]["field"] == field


def test_console_parameters_that_cannot_be_sent_are_422(api):
    nan = '{"query": "RETURN $x AS x", "params": {"x": NaN}}'
    error = error_of(
        httpx.post(f"{api}/v1/cypher", content=nan, headers={**auth(), "content-type": "application/json"})
    )
    assert "params.x" in error["message"] and "NaN" in error["message"]
    deep: object = 1
    for _ in range(40):
        deep = [deep]
    response = httpx.post(
        f"{api}/v1/cypher", json={"query": "RETURN 1", "params": {"x": deep}}, headers=auth()
    )
    assert "nest at most" in error_of(response)["message"]
    # good parameters still work
    ok = httpx.post(
        f"{api}/v1/cypher",
        json={"query": "RETURN $x_1 AS x", "params": {"x_1": {"a": [1, 2.5]}}},
        headers=auth(),
    )
    assert ok.status_code == 200 and ok.json()["rows"] == [[{"a": [1, 2.5]}]]


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"namespace": "bad namespace!"}, "namespace", NAMESPACE_RULE),
        ({"namespace": "team\x00a"}, "namespace", NAMESPACE_RULE),
        ({"format": "docx"}, "format", "must be one of auto, text"),
        ({"recorded_at": "last tuesday"}, "recorded_at", "datetime"),
        ({"title": "t" * 301}, "title", "at most 300"),
    ],
)
def test_multipart_fields_that_fail_validation_are_422_naming_the_field(api, fields, field, says):
    response = httpx.post(
        f"{api}/v1/transcripts",
        files={"file": ("meeting.txt", b"Ann: The Lisbon office opens in May.", "text/plain")},
        data=fields,
        headers=auth(),
        timeout=30,
    )
    error = error_of(response)
    assert error["message"].startswith(f"{field}: ") and says in error["message"]
    assert error["details"]["problems"][0]["field"] == field


def test_multipart_unknown_field_is_422_listing_the_accepted_ones(api):
    response = httpx.post(
        f"{api}/v1/transcripts",
        files={"file": ("meeting.txt", b"Ann: hello.", "text/plain")},
        data={"content": "sneaky"},
        headers=auth(),
        timeout=30,
    )
    message = error_of(response)["message"]
    assert "unknown form fields ['content']" in message and "namespace, title, format" in message


@pytest.mark.parametrize(
    "namespace", ["team\x00a", "team a", "-team", "x" * 65, "a'b", "ns/../x", "team-a\n"]
)
@pytest.mark.parametrize(
    "path",
    ["/v1/graph/stats", "/v1/transcripts", "/v1/transcripts/tr_x", "/v1/entities", "/v1/entities/e_x"],
)
def test_query_string_namespace_is_checked_like_a_body_namespace(api, path, namespace):
    response = httpx.get(f"{api}{path}", params={"namespace": namespace}, headers=auth(), timeout=30)
    error = error_of(response)
    assert error["message"] == f"query.namespace: {NAMESPACE_RULE}"
    assert error["details"]["problems"][0]["field"] == "query.namespace"


def test_query_string_namespace_is_checked_on_delete(api):
    response = httpx.delete(f"{api}/v1/transcripts/tr_x", params={"namespace": "a\x00"}, headers=auth())
    assert error_of(response)["message"] == f"query.namespace: {NAMESPACE_RULE}"


@pytest.mark.parametrize("namespace", ["../../etc", "team-a\n"])
def test_recording_namespace_is_checked_before_the_upload_is_stored(api, namespace):
    response = httpx.post(
        f"{api}/v1/recordings",
        files={"file": ("memo.wav", b"RIFF....WAVEfmt ", "audio/wav")},
        data={"namespace": namespace},
        headers=auth(),
        timeout=30,
    )
    assert error_of(response)["message"] == f"namespace: {NAMESPACE_RULE}"


@pytest.mark.parametrize("path", ["/v1/cypher", "/v1/retrieve", "/v1/query", "/v1/transcripts"])
def test_json_nested_ten_thousand_deep_is_4xx(api, path):
    deep = "[" * 10_000 + "]" * 10_000
    body = '{"query": "RETURN 1", "question": "q", "content": ' + deep + "}"
    response = httpx.post(
        f"{api}{path}", content=body, headers={**auth(), "content-type": "application/json"}, timeout=60
    )
    message = error_of(response)["message"]
    assert "nested too deeply" in message or "recursion limit exceeded" in message


def test_a_failed_database_statement_is_500_without_the_databases_words(api):
    response = httpx.get(f"{api}/test/graph-failure", timeout=30)
    error = error_of(response, 500)
    assert error == {
        "code": "graph_query_error",
        "message": "the graph database could not run a query; the server log has the details",
        "details": {},
    }
    assert "secret-value-42" not in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/v1/entities/%00abc",
        "/v1/transcripts/%00x",
        "/v1/entities/%00abc/neighborhood",
        "/v1/graph/path?from=%00&to=b",
    ],
)
def test_a_nul_character_in_an_id_is_422_not_a_broken_statement(api, path):
    error = error_of(httpx.get(f"{api}{path}", headers=auth(), timeout=30))
    assert "NUL character" in error["message"]
    assert httpx.get(f"{api}/healthz", timeout=30).status_code == 200


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (
            {"title": "x", "content": "Eve: The Oslo \u0000 office opens.\nFay: Initech ships Pigeon."},
            "turn 1",
        ),
        ({"title": "bad\u0000title", "content": "Eve: The Oslo office opens."}, "the title"),
    ],
)
def test_a_nul_character_in_a_transcript_is_refused_before_anything_is_stored(api, body, says):
    before = httpx.get(f"{api}/v1/transcripts", headers=auth(), timeout=30).json()
    error = error_of(httpx.post(f"{api}/v1/transcripts", json=body, headers=auth(), timeout=30))
    assert error["message"].startswith(says) and "NUL character" in error["message"]
    assert httpx.get(f"{api}/v1/transcripts", headers=auth(), timeout=30).json() == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/query", {"question": "What about fraud?", "transcript": ["tr_" + "0" * 24]}, "transcript"),
        ("/v1/retrieve", {"question": "What about fraud?", "mdoe": "vector"}, "mdoe"),
        ("/v1/transcripts", {"content": "Ann: Hello.", "titel": "Standup"}, "titel"),
        ("/v1/sessions", {"namespace": "default", "ttl": 60}, "ttl"),
        ("/v1/cypher", {"query": "RETURN 1", "parameters": {}}, "parameters"),
    ],
)
def test_a_misspelt_json_field_is_422_naming_it_not_ignored(api, path, body, field):
    """Ignored, `transcript` for `transcripts` asked the whole namespace and answered from elsewhere."""
    error = error_of(httpx.post(f"{api}{path}", json=body, headers=auth(), timeout=60))
    assert [p["field"] for p in error["details"]["problems"]] == [field]
    assert "Extra inputs are not permitted" in error["message"]


@pytest.mark.parametrize(
    "body", [b"question=hi", b'{"question": ', '{"question": "caf\xe9"}'.encode("latin-1")]
)
def test_a_body_that_is_not_json_is_400_saying_so(api, body):
    response = httpx.post(
        f"{api}/v1/query", content=body, headers={**auth(), "content-type": "application/json"}, timeout=60
    )
    error = error_of(response, 400)
    assert error["code"] == "invalid_body" and "send UTF-8 JSON" in error["message"]

"""The HTTP API over real HTTP: health, build identity, the error envelope, auth and namespaces,
and the read-only admin console."""

from __future__ import annotations

import httpx
import pytest

from backend.config import load_settings
from backend.embed.bge import BgeSmallEmbedder
from backend.embed.minilm import MiniLMEmbedder
from backend.graph import open_graph_store
from tests.integration.test_graph_store import seed
from tests.support.live_server import live_server

pytestmark = pytest.mark.integration

KEY_A = "key-for-team-a-0123456789"
KEY_B = "key-for-team-b-0123456789"
ADMIN = "admin-key-0123456789abcdef"


@pytest.fixture(scope="module")
async def api(tmp_path_factory, graph_backend):
    """The API with auth on, over a graph holding one meeting in namespace team-a and one in team-b."""
    data_dir = tmp_path_factory.mktemp("api")
    settings = graph_backend(
        data_dir=data_dir,
        api_keys={KEY_A: "team-a", KEY_B: "team-b", ADMIN: "*"},
        git_sha="0123456789abcdef0123456789abcdef01234567",
        built_at="2026-11-22T00:00:00Z",
    )
    writer = await open_graph_store(settings)
    # synthetic vectors, written as if by the default models (the runtime checks the graph's record)
    await writer.vector_models(BgeSmallEmbedder.name, MiniLMEmbedder.name)
    await seed(writer, "team-a", dim=384)
    await seed(writer, "team-b", dim=384)
    with live_server(settings) as url:
        yield url
    await writer.close()


def get(url: str, key: str | None = None, **params) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.get(url, headers=headers, params=params, timeout=30)


def cypher(api: str, key: str | None, query: str, **extra) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{api}/v1/cypher", json={"query": query, **extra}, headers=headers, timeout=30)


def test_health_readiness_and_version(api):
    assert get(f"{api}/healthz").json() == {"status": "ok", "checks": {}}
    ready = get(f"{api}/readyz").json()
    assert ready["status"] == "ready" and ready["checks"]["graph"] in ("falkordb: ok", "neo4j: ok")
    version = get(f"{api}/version").json()
    assert version["git_sha"] == "0123456789abcdef0123456789abcdef01234567"
    assert version["built_at"] == "2026-11-22T00:00:00Z" and version["version"]
    assert version["instance"]  # which task answered (verify-deploy counts them)


def test_missing_or_unknown_key_is_401_with_the_envelope(api):
    missing = get(f"{api}/v1/graph/stats")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["error"]["code"] == "unauthorized"
    assert "Authorization: Bearer" in missing.json()["error"]["message"]
    wrong = get(f"{api}/v1/graph/stats", "not-a-real-key-at-all-xx")
    assert wrong.status_code == 401 and wrong.json()["error"]["message"] == "the API key is not recognised"


def test_a_key_reads_its_own_namespace_and_never_another(api):
    own = get(f"{api}/v1/graph/stats", KEY_A)
    assert own.status_code == 200 and own.json()["transcripts"] == 2
    assert get(f"{api}/v1/graph/stats", KEY_A, namespace="team-a").status_code == 200
    other = get(f"{api}/v1/graph/stats", KEY_A, namespace="team-b")
    assert other.status_code == 403
    assert other.json()["error"] == {
        "code": "forbidden",
        "message": "this API key may only use namespace 'team-a'",
        "details": {},
    }


def test_admin_key_reads_any_namespace(api):
    assert get(f"{api}/v1/graph/stats", ADMIN, namespace="team-b").json()["entities"] == 5


def test_path_endpoint_is_scoped_to_the_namespace(api):
    rows = cypher(api, ADMIN, "MATCH (e:Entity) WHERE e.namespace = 'team-a' RETURN e.name, e.id").json()[
        "rows"
    ]
    ids = {name: eid for name, eid in rows}
    path = get(f"{api}/v1/graph/path", KEY_A, **{"from": ids["Alice"], "to": ids["Acme Corp"]}).json()
    assert [e["type"] for e in path["edges"]] == ["DISCUSSED", "WANTS", "WORKS_FOR"]
    # team-b's key, asking about team-a's ids, finds nothing
    assert (
        get(f"{api}/v1/graph/path", KEY_B, **{"from": ids["Alice"], "to": ids["Acme Corp"]}).json()["edges"]
        == []
    )


def test_console_needs_an_admin_key(api):
    response = cypher(api, KEY_A, "MATCH (n) RETURN count(n)")
    assert response.status_code == 403 and "admin" in response.json()["error"]["message"]


def test_console_reads_with_limits(api):
    body = cypher(api, ADMIN, "MATCH (e:Entity) RETURN e.name AS name ORDER BY name", limit=3).json()
    assert body["columns"] == ["name"] and len(body["rows"]) == 3 and body["truncated"] is True


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE (:Entity {name: 'Mallory'})",
        "MATCH (e:Entity) DETACH DELETE e",
        "MATCH (e:Entity) SET e.name = 'x'",
    ],
)
def test_console_write_is_403_and_changes_nothing(api, statement):
    before = get(f"{api}/v1/graph/stats", ADMIN, namespace="team-a").json()
    response = cypher(api, ADMIN, statement)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only"
    assert get(f"{api}/v1/graph/stats", ADMIN, namespace="team-a").json() == before


def test_console_bad_cypher_is_400_and_empty_query_is_422(api):
    bad = cypher(api, ADMIN, "MATCH (n RETURN n")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "query_failed"
    empty = cypher(api, ADMIN, "")
    assert empty.status_code == 422
    assert empty.json()["error"]["details"]["problems"][0]["field"] == "query"


@pytest.mark.parametrize(
    "statement",
    [
        "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
        "LOAD/**/CSV FROM 'file:///etc/passwd' AS row RETURN row",
        "load csv with headers from 'file:///etc/passwd' AS row RETURN row",
        "LoAd\t\n  CsV FROM 'file:///etc/passwd' AS row RETURN row",
        "LOAD /* a comment */ /* and another */ CSV FROM 'file:///etc/passwd' AS row RETURN row",
        "LOAD // a line comment\nCSV FROM 'file:///etc/passwd' AS row RETURN row",
        "MATCH (n) WITH count(n) AS c LOAD\u00a0CSV FROM 'file:///etc/passwd' AS row RETURN row",
        "RETURN 1 AS x // Neo4j ends this comment at a CR\rLOAD CSV FROM 'file:///x' AS r RETURN r",
        "CALL { LOAD\u200bCSV FROM 'file:///etc/passwd' AS row RETURN row } RETURN row",
    ],
)
def test_console_refuses_load_csv_however_it_is_written(api, statement):
    response = cypher(api, ADMIN, statement)
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "forbidden" and "LOAD CSV is not allowed" in error["message"]
    assert "root:" not in response.text


@pytest.mark.parametrize(
    ("statement", "row"),
    [
        ("RETURN 'LOAD CSV FROM x' AS text", ["LOAD CSV FROM x"]),
        ("RETURN 'it\\'s LOAD CSV' AS text", ["it's LOAD CSV"]),
        ("RETURN 1 AS one // LOAD CSV FROM 'file:///etc/passwd'", [1]),
        ("RETURN /* LOAD CSV */ 2 AS two", [2]),
        ("WITH 3 AS load RETURN load", [3]),
    ],
)
def test_console_runs_queries_that_only_mention_load_csv(api, statement, row):
    response = cypher(api, ADMIN, statement)
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == [row]


def test_unknown_route_is_404_with_the_envelope(api):
    response = get(f"{api}/v1/nothing-here")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


async def test_auth_off_by_default_serves_the_default_namespace_and_says_so(tmp_path, caplog):
    settings = load_settings(data_dir=tmp_path)
    with caplog.at_level("INFO"), live_server(settings) as url:
        response = get(f"{url}/v1/graph/stats")
        assert response.status_code == 200 and response.json()["transcripts"] == 0
    assert any("auth is OFF" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)

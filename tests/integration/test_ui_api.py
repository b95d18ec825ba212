"""What the web UI reads from the API: the page and its assets, its configuration, and a trace's ids."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from backend.config import load_settings
from tests.support.http_standin import StandIn
from tests.support.live_server import live_server

pytestmark = pytest.mark.integration


def test_the_page_its_assets_and_config_are_served(tmp_path):
    settings = load_settings(data_dir=tmp_path, api_keys={"k" * 20: "team"}, default_namespace="team")
    with live_server(settings) as api:
        page = httpx.get(f"{api}/")
        assert page.status_code == 200 and "<title>KnowledgeWeaver</title>" in page.text
        for asset in ("/static/app.js", "/static/app.css", "/favicon.ico", "/static/licenses/"):
            assert httpx.get(f"{api}{asset}").status_code == 200, asset
        config = httpx.get(f"{api}/v1/ui/config").json()  # public: the page needs it before a key is typed
        assert config["auth_enabled"] is True and config["default_namespace"] == "team"
        assert config["phoenix_url"] is None
        assert httpx.get(f"{api}/v1/entities").status_code == 401  # the data itself still needs the key


def test_trace_links_give_every_form_of_the_id(tmp_path):
    with live_server(load_settings(data_dir=tmp_path)) as api:
        response = httpx.post(f"{api}/v1/query", json={"question": "anything?"}, timeout=60)
        trace_id = response.headers["x-trace-id"]
        links = httpx.get(f"{api}/v1/traces/{trace_id}/links").json()
        assert links["trace_id"] == trace_id
        assert links["xray_trace_id"] == f"1-{trace_id[:8]}-{trace_id[8:]}"
        assert response.headers["x-amzn-trace-id"].startswith(f"Root={links['xray_trace_id']}")
        assert links["phoenix_url"] is None
        bad = httpx.get(f"{api}/v1/traces/not-a-trace/links")
        assert bad.status_code == 422 and "32 lower-case hex" in bad.json()["error"]["message"]


def test_every_response_carries_the_browser_security_headers(tmp_path):
    settings = load_settings(data_dir=tmp_path, api_keys={"k" * 20: "team"}, default_namespace="team")
    with live_server(settings) as api:
        responses = {
            path: httpx.get(f"{api}{path}", timeout=30)
            for path in (
                "/",
                "/static/app.js",
                "/v1/ui/config",
                "/v1/entities",
                "/healthz",
                "/v1/nothing",
                "/docs",
            )
        }
        for path, response in responses.items():
            assert response.headers["x-frame-options"] == "DENY", path
            assert response.headers["x-content-type-options"] == "nosniff", path
            assert response.headers["referrer-policy"] == "no-referrer", path
            policy = dict(d.split(" ", 1) for d in response.headers["content-security-policy"].split("; "))
            assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'", path
        assert responses["/v1/entities"].status_code == 401  # error responses too
        ui = dict(d.split(" ", 1) for d in responses["/"].headers["content-security-policy"].split("; "))
        # the page: scripts only from this origin, no inline script at all
        assert (
            ui["script-src"] == "'self'" and ui["default-src"] == "'self'" and ui["connect-src"] == "'self'"
        )
        assert "unsafe-inline" not in responses["/"].headers["content-security-policy"]
        # the one inline style allowed is the one the bundle's graph library writes (by its hash)
        bundle = responses["/static/app.js"].text
        assert "__________cytoscape_container" in bundle and " { position: relative; }" in bundle
        assert ui["style-src"].startswith("'self' 'sha256-")
        # the page itself has no inline script or style for the policy to block
        page = responses["/"].text
        assert "<script>" not in page and "<style" not in page and " style=" not in page
        # the API docs load Swagger UI from its CDN, and may: their policy says so
        assert "https://cdn.jsdelivr.net" in responses["/docs"].headers["content-security-policy"]


TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


def lookups(phoenix: StandIn) -> list:
    """Project lookups the server made (the span exporter also posts to /v1/traces)."""
    return [r for r in phoenix.requests if r[0] == "GET" and r[1].startswith("/v1/projects/")]


def test_trace_links_need_a_key_when_auth_is_on(tmp_path):
    key = "k" * 20
    with live_server(load_settings(data_dir=tmp_path, api_keys={key: "team"})) as api:
        anonymous = httpx.get(f"{api}/v1/traces/{TRACE_ID}/links", timeout=30)
        assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"
        wrong = httpx.get(f"{api}/v1/traces/{TRACE_ID}/links", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = httpx.get(f"{api}/v1/traces/{TRACE_ID}/links", headers={"Authorization": f"Bearer {key}"})
        assert ok.status_code == 200 and ok.json()["trace_id"] == TRACE_ID
        # the page's configuration stays public: it is how the page learns to ask for a key
        assert httpx.get(f"{api}/v1/ui/config").json()["auth_enabled"] is True


def test_a_phoenix_that_hangs_costs_a_link_lookup_two_seconds_and_no_threads(tmp_path):
    release = threading.Event()

    def hang(method, path, headers, body):
        release.wait(120)  # a Phoenix that accepts the connection and never answers
        return 503, {}, b""

    with (
        StandIn(hang) as phoenix,
        live_server(load_settings(data_dir=tmp_path, phoenix_endpoint=phoenix.url)) as api,
    ):
        try:
            started = time.monotonic()
            with ThreadPoolExecutor(16) as pool:
                calls = [
                    pool.submit(httpx.get, f"{api}/v1/traces/{TRACE_ID}/links", timeout=60) for _ in range(16)
                ]
                # meanwhile the server's own executor work (the job store lives there) is not starved
                job = httpx.get(f"{api}/v1/jobs/job_none", timeout=60)
                assert job.status_code == 404
                answers = [c.result() for c in calls]
            elapsed = time.monotonic() - started
            assert all(a.status_code == 200 for a in answers)
            # the link falls back to Phoenix's project list; the ids are all there
            assert {a.json()["phoenix_url"] for a in answers} == {f"{phoenix.url}/projects"}
            # each lookup gives up after ~2 s, all at once (the old lookup held a thread for 30 s each)
            assert elapsed < 20, elapsed
            assert len(lookups(phoenix)) == 16
        finally:
            release.set()


def test_a_phoenix_that_answers_gives_the_trace_page_and_is_asked_once(tmp_path):
    def projects(method, path, headers, body):
        if path == "/v1/projects/knowledgeweaver" and headers.get("authorization") == "Bearer px-key-123":
            return (
                200,
                {"content-type": "application/json"},
                b'{"data": {"id": "UHJvamVjdDox", "name": "knowledgeweaver"}}',
            )
        return 404, {}, b""

    with StandIn(projects) as phoenix:
        settings = load_settings(
            data_dir=tmp_path, phoenix_endpoint=phoenix.url, phoenix_api_key="px-key-123"
        )
        with live_server(settings) as api:
            for _ in range(3):
                links = httpx.get(f"{api}/v1/traces/{TRACE_ID}/links", timeout=30).json()
                assert links["phoenix_url"] == f"{phoenix.url}/projects/UHJvamVjdDox/traces/{TRACE_ID}"
    assert len(lookups(phoenix)) == 1  # the project's id is remembered


def _ingest(api: str, namespace: str, text: str, headers: dict | None = None) -> None:
    body = {"namespace": namespace, "title": f"notes {namespace}", "content": text}
    job = httpx.post(f"{api}/v1/transcripts", json=body, headers=headers or {}, timeout=60).json()
    deadline = time.monotonic() + 120
    while httpx.get(f"{api}/v1/jobs/{job['job_id']}", headers=headers or {}).json()["status"] != "succeeded":
        assert time.monotonic() < deadline, f"{namespace} was not ingested"
        time.sleep(0.2)


def test_the_page_opens_on_the_namespace_that_holds_data(tmp_path):
    with live_server(load_settings(data_dir=tmp_path)) as api:
        config = httpx.get(f"{api}/v1/ui/config").json()
        assert config["open_namespace"] == "default" and config["namespaces"] == []  # nothing anywhere
        _ingest(api, "demo", "Ann: The Lisbon office opens in May.\nBob: Great.")
        _ingest(api, "demo", "Ann: Northwind wants 200 trackers.\nBob: Voltra ships them.")
        _ingest(api, "small", "Cy: Rotterdam is next.")
        config = httpx.get(f"{api}/v1/ui/config").json()
        assert config["open_namespace"] == "demo"  # the default is empty: the one with the most
        assert config["namespaces"] == ["demo", "small"]
        _ingest(api, "default", "Dee: Eindhoven builds the trackers.")
        assert httpx.get(f"{api}/v1/ui/config").json()["open_namespace"] == "default"  # it has data now


def test_with_auth_on_the_page_learns_only_the_namespaces_its_key_may_see(tmp_path):
    team, admin = "t" * 20, "a" * 20
    settings = load_settings(data_dir=tmp_path, api_keys={team: "team", admin: "*"})
    with live_server(settings) as api:
        _ingest(api, "big", "Ann: One.\nBob: Two.", {"Authorization": f"Bearer {admin}"})
        anonymous = httpx.get(f"{api}/v1/ui/config").json()
        assert anonymous["open_namespace"] == "default" and anonymous["namespaces"] == []
        wrong = httpx.get(f"{api}/v1/ui/config", headers={"Authorization": "Bearer nope"}).json()
        assert wrong["namespaces"] == []
        scoped = httpx.get(f"{api}/v1/ui/config", headers={"Authorization": f"Bearer {team}"}).json()
        assert scoped["open_namespace"] == "team" and scoped["namespaces"] == ["team"]
        everything = httpx.get(f"{api}/v1/ui/config", headers={"Authorization": f"Bearer {admin}"}).json()
        assert everything["open_namespace"] == "big" and everything["namespaces"] == ["big"]

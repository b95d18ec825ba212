"""What the web UI reads from the API: the page and its assets, its configuration, and a trace's ids."""

from __future__ import annotations

import httpx
import pytest

from backend.config import load_settings
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

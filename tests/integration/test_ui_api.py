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

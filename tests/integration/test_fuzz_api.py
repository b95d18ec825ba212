"""Schemathesis against the app's own OpenAPI document, over real HTTP, on the embedded FalkorDB with a
meeting ingested: every operation gets schema-valid and schema-breaking requests (its examples, the
boundary values of each field, then random ones), and none may answer a 5xx or a status its
document does not list. Bounded and seeded: the same ~1,000 requests each run, well under two
minutes on a busy 2-core machine. `details` in a failure is schemathesis's own report, with a curl
line for each finding."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from backend.config import load_settings
from tests.support.live_server import live_server
from tests.support.sse import read_events

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ADMIN = "admin-key-for-the-fuzzer-0123456789"
SEED = 19
PER_OPERATION = 20  # random cases per operation and mode, on top of its examples and boundary values


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("fuzz"),
        api_keys={ADMIN: "*"},
        rate_limit_per_s=0,  # the fuzzer's own pace would be 429s; the limit has its own test
    )
    with live_server(settings) as url:
        headers = {"Authorization": f"Bearer {ADMIN}"}
        content = (EXAMPLES / "product-sync.vtt").read_text()
        accepted = httpx.post(f"{url}/v1/transcripts", json={"content": content}, headers=headers, timeout=60)
        events = read_events(f"{url}/v1/jobs/{accepted.json()['job_id']}/events", headers, timeout=600)
        assert events[-1][0] == "done", events[-1]
        yield url


def test_fuzzing_the_api_finds_no_server_error_and_no_undocumented_status(api, tmp_path):
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{api}/openapi.json",
        "--header", f"Authorization: Bearer {ADMIN}",
        "--checks", "not_a_server_error,status_code_conformance",
        "--phases", "examples,coverage,fuzzing",
        "--mode", "all",
        "--max-examples", str(PER_OPERATION),
        "--seed", str(SEED),
        "--generation-database", "none",
        "--workers", "1",
        "--request-timeout", "120",
        "--no-color",
        "--report-dir", str(tmp_path),
    ]  # fmt: skip
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=1200)
    report = run.stdout[-15_000:] + run.stderr[-3_000:]
    assert "Test cases:" in report, report
    assert run.returncode == 0, report
    print(report[-3000:])

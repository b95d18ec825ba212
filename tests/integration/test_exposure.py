"""`weaver serve` as an operator starts it: bound beyond this machine it refuses to run with auth off,
unless told so explicitly (KW_ALLOW_NO_AUTH); on loopback, or with API keys, it serves."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pytest

from backend.api.auth import ExposedWithoutAuth, check_exposure, is_loopback
from backend.config import load_settings
from tests.support.live_server import free_port

pytestmark = pytest.mark.integration

KEY = "ops-admin-key-0123456789abcdef"
EVERYWHERE = "0.0.0.0"  # noqa: S104 - binding to all interfaces is what these tests are about


def weaver_env(tmp_path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KW_")}
    env.update({"KW_DATA_DIR": str(tmp_path / "data"), "KW_METRICS": "off", **settings})
    return env


def refused(tmp_path, *args: str, **settings: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", "serve", *args],
        env=weaver_env(tmp_path, **settings),
        capture_output=True,
        text=True,
        timeout=120,
    )


@contextmanager
def serving(tmp_path, **settings: str):
    """`weaver serve` in a subprocess; yields (base URL on loopback, process) once /healthz answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "serve"],
        env=weaver_env(tmp_path, KW_PORT=str(port), **settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"weaver serve exited: {process.stdout.read()[-2000:]}"
            assert time.monotonic() < deadline, "weaver serve did not answer /healthz within 120 s"
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_public_address_without_api_keys_is_refused(tmp_path):
    done = refused(tmp_path, KW_HOST=EVERYWHERE)
    assert done.returncode != 0
    assert "refusing to serve on 0.0.0.0" in done.stderr
    assert "KW_API_KEYS" in done.stderr and "KW_ALLOW_NO_AUTH=true" in done.stderr


def test_the_host_flag_is_checked_too(tmp_path):
    done = refused(tmp_path, "--host", EVERYWHERE, "--port", str(free_port()))
    assert done.returncode != 0 and "refusing to serve on 0.0.0.0" in done.stderr


def test_allowed_explicitly_it_serves_with_auth_off(tmp_path):
    with serving(tmp_path, KW_HOST=EVERYWHERE, KW_ALLOW_NO_AUTH="true") as (url, _):
        assert httpx.get(f"{url}/v1/graph/stats", timeout=30).status_code == 200


def test_with_api_keys_it_serves_publicly_and_never_logs_a_key(tmp_path):
    keys = f'{{"{KEY}": "*"}}'
    with serving(tmp_path, KW_HOST=EVERYWHERE, KW_API_KEYS=keys) as (url, process):
        assert httpx.get(f"{url}/v1/graph/stats", timeout=30).status_code == 401
        headers = {"Authorization": f"Bearer {KEY}"}
        assert httpx.get(f"{url}/v1/graph/stats", headers=headers, timeout=30).status_code == 200
    output = process.stdout.read()
    assert '"auth on"' in output and KEY not in output


def test_loopback_addresses_need_no_keys():
    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"):
        assert is_loopback(host), host
        check_exposure(load_settings(host=host))
    for host in (EVERYWHERE, "::", "10.0.1.5", "api.example.com"):
        assert not is_loopback(host), host
        with pytest.raises(ExposedWithoutAuth):
            check_exposure(load_settings(host=host))

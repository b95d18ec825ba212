"""A local Arize Phoenix server (`arize-phoenix`, SQLite under the data dir, telemetry off, bound to
127.0.0.1), for `weaver phoenix` and the demo. Its UI shows each request's trace by the trace id the
API returns."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx

# A trace link is a convenience: the lookup behind it waits at most this long for Phoenix, then the
# link falls back to the project list (the trace id is shown anyway).
LINK_TIMEOUT_S = 2.0
_project_ids: dict[tuple[str, str], str] = {}  # (Phoenix URL, project name) -> project id; ids never change


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PhoenixServer:
    def __init__(self, data_dir: Path, port: int = 6006, grpc_port: int | None = None) -> None:
        self.data_dir = data_dir / "phoenix"
        self.port = port
        self.grpc_port = grpc_port or free_port()
        self.url = f"http://127.0.0.1:{port}"
        self._proc: subprocess.Popen | None = None

    def command(self) -> tuple[list[str], dict[str, str]]:
        env = {
            **os.environ,
            "PHOENIX_WORKING_DIR": str(self.data_dir),
            "PHOENIX_HOST": "127.0.0.1",
            "PHOENIX_PORT": str(self.port),
            "PHOENIX_GRPC_PORT": str(self.grpc_port),
            "PHOENIX_TELEMETRY_ENABLED": "false",
        }
        return [sys.executable, "-m", "phoenix.server.main", "serve"], env

    def start(self, timeout_s: float = 90.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd, env = self.command()
        log = (self.data_dir / "phoenix.log").open("ab")
        self._proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"Phoenix exited early; see {self.data_dir / 'phoenix.log'}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self.url
            except httpx.TransportError:
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"Phoenix did not answer within {timeout_s:.0f}s")

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._proc = None


async def trace_link_async(phoenix_url: str, project: str, trace_id: str, api_key: str | None = None) -> str:
    """`trace_link` for the server: non-blocking (no executor thread), one short-timeout HTTP call the
    first time a project is looked up and none after (its id is remembered)."""
    base = phoenix_url.rstrip("/")
    project_id = _project_ids.get((base, project))
    if project_id is None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        try:
            # the whole lookup, not each read: a Phoenix trickling bytes is as slow as a silent one
            async with (
                asyncio.timeout(LINK_TIMEOUT_S),
                httpx.AsyncClient(timeout=LINK_TIMEOUT_S, headers=headers) as client,
            ):
                response = await client.get(f"{base}/v1/projects/{quote(project, safe='')}")
                response.raise_for_status()
                project_id = response.json()["data"]["id"]
        except Exception:  # slow, down, auth, no such project: the link is a convenience
            return f"{base}/projects"
        _project_ids[(base, project)] = project_id
    return f"{base}/projects/{project_id}/traces/{trace_id}"


def trace_link(phoenix_url: str, project: str, trace_id: str, api_key: str | None = None) -> str:
    """The Phoenix UI page of one trace (falls back to the project's traces)."""
    try:
        from phoenix.client import Client

        found = Client(base_url=phoenix_url, api_key=api_key).projects.get(project_name=project)
        return f"{phoenix_url}/projects/{found['id']}/traces/{trace_id}"
    except Exception:  # the link is a convenience; the trace id is printed anyway
        return f"{phoenix_url}/projects"

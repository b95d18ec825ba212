"""A server killed in the middle of an ingest job resumes the job when it starts again, and the graph
ends up exactly as a clean run leaves it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import free_port
from tests.support.qmsum import meeting_path

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def start_server(data_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "KW_DATA_DIR": str(data_dir), "KW_PORT": str(port), "PYTHONPATH": str(ROOT)}
    env["KW_JOB_LEASE_S"] = "20"  # the killed server's lease runs out soon after the restart
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300  # generous: a busy 2-core machine starts slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=30).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def wait_for(url: str, predicate, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Ingest shares the API process today (issue #17): on a loaded machine a GET can wait seconds.
        job = httpx.get(url, timeout=60).json()
        if predicate(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting; last state {job}")


def post_meeting(base: str, meeting: Path) -> dict:
    body = {"content": json.loads(meeting.read_text()), "title": meeting.stem}
    return httpx.post(f"{base}/v1/transcripts", json=body, timeout=30).json()


def test_killed_mid_job_the_job_resumes_after_restart(tmp_path):
    meeting = meeting_path("Bmr005")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(tmp_path, port)
    try:
        accepted = post_meeting(base, meeting)
        job_url = f"{base}/v1/jobs/{accepted['job_id']}"
        mid = wait_for(job_url, lambda j: j["status"] == "running" and j["progress"] > 0.05)
        assert mid["stage"] == "extract"
        server.send_signal(signal.SIGKILL)  # no shutdown hooks: the job is left "running"
        server.wait(timeout=10)

        server = start_server(tmp_path, port)
        done = wait_for(job_url, lambda j: j["status"] in ("succeeded", "failed"))
        assert done["status"] == "succeeded", done["error"]
        assert done["attempts"] == 2
        stats = httpx.get(f"{base}/v1/graph/stats", timeout=10).json()
        result = done["result"]
        assert (stats["transcripts"], stats["chunks"], stats["entities"], stats["relations"]) == (
            1, result["chunks"], result["entities"], result["relations"],
        )  # fmt: skip
    finally:
        server.send_signal(signal.SIGTERM)  # a clean stop also stops the embedded graph server
        server.wait(timeout=60)


def test_stopped_cleanly_mid_job_the_job_goes_back_to_the_queue_uncounted(tmp_path):
    """SIGTERM (a deploy, a restart) while a job runs and a caller follows its events: the server
    stops anyway, the job is queued again with its attempt not counted, and the next start runs it."""
    import asyncio

    from backend.ingest.sqlite_jobs import SqliteJobStore

    meeting = meeting_path("Bmr005")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(tmp_path, port)
    follower = None
    try:
        accepted = post_meeting(base, meeting)
        job_url = f"{base}/v1/jobs/{accepted['job_id']}"
        # someone follows the job's events, as the UI does, on a connection of its own
        follower = subprocess.Popen(
            ["curl", "-sN", f"{job_url}/events"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(job_url, lambda j: j["status"] == "running" and j["progress"] > 0.05)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=120)  # generous; without a bound it waited for the whole job

        store = SqliteJobStore(tmp_path / "jobs.sqlite3")
        try:
            job = asyncio.run(store.get(accepted["job_id"]))
        finally:
            store.close()
        assert (job.status.value, job.attempts, job.worker) == ("queued", 0, None)

        server = start_server(tmp_path, port)
        done = wait_for(job_url, lambda j: j["status"] in ("succeeded", "failed"))
        assert done["status"] == "succeeded", done["error"]
        assert done["attempts"] == 1
    finally:
        if follower is not None:
            follower.kill()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)

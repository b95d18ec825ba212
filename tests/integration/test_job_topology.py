"""The process topology the API runs in: API processes that only serve, worker processes that run the
jobs, all meeting in one data dir. A job posted to one API is followed live from another; a worker
killed mid-job leaves its job to the other worker once its lease runs out; nothing is lost and
nothing is written twice."""

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

from backend.config import Settings
from tests.support.live_server import free_port
from tests.support.qmsum import meeting_path
from tests.support.sse import read_events

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 600  # generous: a busy 2-core machine


def start(data_dir: Path, *args: str, port: int | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "KW_DATA_DIR": str(data_dir),
        "KW_WORKER_PROCESSES": "0",  # this test starts the workers itself,
        "KW_API_RUNS_JOBS": "false",  # and the APIs only serve
        "KW_JOB_LEASE_S": "20",  # a killed worker's job is taken over after this (busy machine: not less)
        "PYTHONPATH": str(ROOT),
        **({"KW_PORT": str(port)} if port else {}),
    }
    log = data_dir / f"{args[0]}-{port or len(list(data_dir.glob(f'{args[0]}-*.log')))}.log"
    with log.open("w") as out:  # each process's own log, shown when the test times out
        return subprocess.Popen(
            [sys.executable, "-m", "backend.cli", *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def wait_until(check, what: str, logs: Path | None = None):
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    tails = "".join(
        f"\n--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        for log in sorted(logs.glob("*.log") if logs else [])
    )
    raise AssertionError(f"timed out waiting for {what}{tails}")


def ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=30).status_code == 200
    except httpx.TransportError:
        return False


def events(base: str, job_id: str) -> list[tuple[str, dict]]:
    return read_events(f"{base}/v1/jobs/{job_id}/events", timeout=DEADLINE_S)


def test_two_apis_two_workers_a_killed_worker_and_nothing_lost(tmp_path):
    ports = [free_port(), free_port()]
    apis = [start(tmp_path, "serve", port=p) for p in ports]
    workers = [start(tmp_path, "worker") for _ in range(2)]
    first, second = (f"http://127.0.0.1:{p}" for p in ports)
    try:
        for base in (first, second):
            wait_until(lambda b=base: ready(b), f"{base} to be ready")
        jobs = []
        for name in ("Bmr005", "Bro011", "ES2006a"):
            accepted = httpx.post(
                f"{first}/v1/transcripts",
                json={"content": json.loads(meeting_path(name).read_text()), "title": name},
                timeout=60,
            )
            assert accepted.status_code == 202, accepted.text
            jobs.append(accepted.json()["job_id"])

        # a job posted to the first API, seen running on a worker through the second
        def running_on_a_worker():
            for job_id in jobs:
                job = httpx.get(f"{second}/v1/jobs/{job_id}", timeout=60).json()
                if job["status"] == "running" and job["worker"] and job["progress"] > 0.05:
                    return job
            return None

        victim_job = wait_until(running_on_a_worker, "a job running on a worker", tmp_path)
        # workers run below the API in the CPU's queue (KW_WORKER_NICE; bench/load.py --only-ingest)
        nice = min(19, os.getpriority(os.PRIO_PROCESS, 0) + Settings.model_fields["worker_nice"].default)
        assert [os.getpriority(os.PRIO_PROCESS, w.pid) for w in workers] == [nice, nice]
        victim = next(w for w in workers if f":{w.pid}:" in victim_job["worker"])
        victim.send_signal(signal.SIGKILL)  # no goodbye: its job keeps a lease that will run out
        victim.wait(timeout=30)

        # the second API streams the job's events to its end: the other worker finishes it
        streamed = events(second, victim_job["id"])
        assert streamed[-1][0] == "done", streamed[-1]
        finished = [wait_until(lambda j=j: _ended(first, j), f"job {j}") for j in jobs]
        assert all(j["status"] == "succeeded" for j in finished), [j["error"] for j in finished]
        taken_over = next(j for j in finished if j["id"] == victim_job["id"])
        assert taken_over["attempts"] == 2
        assert all(j["worker"] is None for j in finished)

        # written once: the graph holds exactly what the three results say
        stats = httpx.get(f"{second}/v1/graph/stats", timeout=60).json()
        assert stats["transcripts"] == 3
        assert stats["chunks"] == sum(j["result"]["chunks"] for j in finished)
    finally:
        for proc in [*workers, *apis]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*workers, *apis]:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


def _ended(base: str, job_id: str):
    job = httpx.get(f"{base}/v1/jobs/{job_id}", timeout=60).json()
    return job if job["status"] in ("succeeded", "failed") else None

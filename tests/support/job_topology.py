"""The process topology the API runs in, for the tests that run it on each job store: two API
processes that only serve and two worker processes that run the jobs (`weaver serve`, `weaver
worker`), meeting in one data dir and in the job store the test's environment names. Each process
writes its own log there, and a wait that times out shows their tails.

What every topology test checks is here once: a job posted to one API is followed live from the
other; a worker killed mid-job leaves its job to the other worker; every job succeeds, each is done
once, and the graph is written once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from .live_server import free_port
from .qmsum import meeting_path
from .sse import read_events
from .waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 600  # generous: a busy 2-core machine
# the first one's request is over 64 KB, the last one's under: the AWS store keeps one in S3, one inline
MEETINGS = ("Bmr005", "Bro011", "ES2006a")


def start(data_dir: Path, env: dict, *args: str, port: int | None = None) -> subprocess.Popen:
    """`python -m backend.cli *args` with the test's `env` on top of what every process here needs."""
    env = {
        **os.environ,
        **env,
        "KW_DATA_DIR": str(data_dir),  # one embedded FalkorDB (and SQLite jobs) for every process
        "KW_WORKER_PROCESSES": "0",  # the test starts the workers itself,
        "KW_API_RUNS_JOBS": "false",  # and the APIs only serve
        "PYTHONPATH": str(ROOT),
        **({"KW_PORT": str(port)} if port else {}),
    }
    log = data_dir / f"{args[0]}-{port or len(list(data_dir.glob(f'{args[0]}-*.log')))}.log"
    with log.open("w") as out:  # each process's own log, shown when the test times out
        return subprocess.Popen(
            [sys.executable, "-m", "backend.cli", *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def tails(logs: Path | None) -> str:
    """What the processes were doing: the last lines of each one's log, without its metrics (EMF)."""

    def said(log: Path) -> list[str]:
        return [line for line in log.read_text(errors="replace").splitlines() if '"_aws"' not in line]

    found = sorted(logs.glob("*.log")) if logs else []
    return "".join(f"\n--- {log.name}\n" + "\n".join(said(log)[-15:]) for log in found)


def wait_until(check, what: str, logs: Path | None = None):
    return wait_for(check, DEADLINE_S, what, poll=0.2, explain=lambda: tails(logs))


def exited(proc: subprocess.Popen) -> bool:
    return proc.poll() is not None


def ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=30).status_code == 200
    except httpx.TransportError:
        return False


def events(base: str, job_id: str) -> list[tuple[str, dict]]:
    return read_events(f"{base}/v1/jobs/{job_id}/events", timeout=DEADLINE_S)


def ended(base: str, job_id: str) -> dict | None:
    job = httpx.get(f"{base}/v1/jobs/{job_id}", timeout=60).json()
    return job if job["status"] in ("succeeded", "failed") else None


@dataclass(frozen=True)
class Topology:
    first: str  # the API the jobs are posted to
    second: str  # the API they are followed through
    workers: list[subprocess.Popen]
    logs: Path

    def wait_until(self, check, what: str):
        return wait_until(check, what, self.logs)


@contextmanager
def two_apis_two_workers(data_dir: Path, env: dict) -> Iterator[Topology]:
    """The four processes, the APIs ready; each stopped at the end (killed if it will not stop)."""
    ports = [free_port(), free_port()]
    apis = [start(data_dir, env, "serve", port=p) for p in ports]
    workers = [start(data_dir, env, "worker") for _ in range(2)]
    topology = Topology(*(f"http://127.0.0.1:{p}" for p in ports), workers=workers, logs=data_dir)
    try:
        for base, api in zip((topology.first, topology.second), apis, strict=True):
            topology.wait_until(lambda b=base, a=api: ready(b) or exited(a), f"{base} to be ready")
            assert api.poll() is None, f"{base} exited at start (code {api.returncode}){tails(data_dir)}"
        yield topology
    finally:
        for proc in [*workers, *apis]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*workers, *apis]:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


def post_meetings(topology: Topology) -> list[str]:
    """The MEETINGS posted to the first API: their job ids."""
    jobs = []
    for name in MEETINGS:
        accepted = httpx.post(
            f"{topology.first}/v1/transcripts",
            json={"content": json.loads(meeting_path(name).read_text()), "title": name},
            timeout=60,
        )
        assert accepted.status_code == 202, accepted.text
        jobs.append(accepted.json()["job_id"])
    return jobs


def running_on_a_worker(topology: Topology, jobs: list[str]) -> dict:
    """A job posted to the first API, seen running on a worker through the second."""

    def running():
        for job_id in jobs:
            job = httpx.get(f"{topology.second}/v1/jobs/{job_id}", timeout=60).json()
            if job["status"] == "running" and job["worker"] and job["progress"] > 0.05:
                return job
        return None

    return topology.wait_until(running, "a job running on a worker")


def kill_its_worker(topology: Topology, job: dict) -> None:
    """SIGKILL the worker running `job`: no goodbye, so its lease stays until it runs out."""
    victim = next(w for w in topology.workers if f":{w.pid}:" in job["worker"])
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)


def finished_once(topology: Topology, jobs: list[str], victim_job: dict) -> dict:
    """Every job ends, succeeded, the victim's finished by the other worker and streamed to its end
    through the second API; the graph holds exactly what the results say. The victim's job as it
    ended (taken over)."""
    streamed = events(topology.second, victim_job["id"])
    assert streamed[-1][0] == "done", streamed[-1]
    finished = [topology.wait_until(lambda j=j: ended(topology.first, j), f"job {j}") for j in jobs]
    assert all(j["status"] == "succeeded" for j in finished), [j["error"] for j in finished]
    assert all(j["worker"] is None for j in finished)
    # written once: the graph holds exactly what the three results say
    stats = httpx.get(f"{topology.second}/v1/graph/stats", timeout=60).json()
    assert stats["transcripts"] == 3
    assert stats["chunks"] == sum(j["result"]["chunks"] for j in finished)
    return next(j for j in finished if j["id"] == victim_job["id"])

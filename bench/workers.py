"""Ingest jobs per minute with 1 and 2 worker processes at LLM-bound load (a benchmark, not a test;
issue #17: "jobs per minute roughly doubling from 1 to 2 workers").

Each run is a live `weaver serve` (its own process, a fresh data dir) with KW_LLM_PROVIDER=openai
pointed at the OpenAI-compatible stand-in (`llm_standin.py`, its own process, every chat call answered
after `--delay-ms`), embeddings through the stand-in too (so the LLM's latency, not this machine's CPU,
bounds a job), and the arm's KW_WORKER_PROCESSES / KW_INGEST_WORKERS / KW_LLM_CONCURRENCY. Once every
worker process is ready, `--transcripts` QMSum meeting excerpts (each meeting's first `--words` words)
are posted at once, and the clock runs from the first job's creation to the last one's end, both as
the job store recorded them. Arms alternate within each round (the order rotates), one fresh server
per arm and round.

Arms (processes × jobs at once per process, LLM calls in flight per process):
  1x4   KW_WORKER_PROCESSES=1, the defaults (KW_INGEST_WORKERS=4, KW_LLM_CONCURRENCY=16)
  2x4   KW_WORKER_PROCESSES=2, the same defaults in each
  1x8   one process with the total concurrency of 2x4 (KW_INGEST_WORKERS=8, KW_LLM_CONCURRENCY=32):
        whether the gain is the second process or just twice the jobs in flight

    .venv/bin/python bench/workers.py [--runs 3] [--arms 1x4,2x4,1x8] [--transcripts 16] [--words 2000]
                                      [--delay-ms 500] [--local-embeddings]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from llm_standin import StandInProcess  # noqa: E402

from tests.support.live_server import free_port  # noqa: E402
from tests.support.qmsum import qmsum_dir  # noqa: E402

ARMS = {  # name -> (KW_WORKER_PROCESSES, KW_INGEST_WORKERS, KW_LLM_CONCURRENCY)
    "1x4": (1, 4, 16),
    "2x4": (2, 4, 16),
    "1x8": (1, 8, 32),
}


@dataclass
class Run:
    arm: str
    jobs: int
    wall_s: float  # first job created → last job finished (the job store's clock)
    chat_calls: int
    max_in_flight: int
    load_before: float
    load_after: float
    workers: set[str] = field(default_factory=set)  # worker processes seen running a job
    extract_s: float = 0.0  # median of the jobs' extract stage (the LLM calls)
    stages_s: float = 0.0  # median of the jobs' stage times added up (they overlap: an upper bound)
    stage_ms: dict[str, float] = field(default_factory=dict)  # median of each stage over the jobs

    @property
    def per_minute(self) -> float:
        return self.jobs / self.wall_s * 60


def head_of(turns: list[dict], words: int) -> list[dict]:
    if not words:
        return turns
    kept, count = [], 0
    for turn in turns:
        if count >= words:
            break
        kept.append(turn)
        count += len(turn["content"].split())
    return kept


def transcripts(data: Path, count: int, words: int) -> list[tuple[str, list]]:
    files = sorted(data.glob("*.json"))[:count]
    if len(files) < count:
        sys.exit(f"only {len(files)} QMSum meetings in {data}")
    return [(p.stem, head_of(json.loads(p.read_text())["meeting_transcripts"], words)) for p in files]


def start_server(data_dir: Path, env_extra: dict[str, str], processes: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KW_")},
        "KW_DATA_DIR": str(data_dir),
        "KW_PORT": str(port),
        "KW_METRICS": "off",
        "KW_LOG_LEVEL": "INFO",  # "worker ready" tells when each worker process can take jobs
        **env_extra,
    }
    weaver = Path(sys.executable).parent / "weaver"
    log_path = data_dir / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen([str(weaver), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"weaver serve exited during start-up; see {log_path}")
        try:
            healthy = httpx.get(f"{url}/healthz", timeout=5).status_code == 200
        except httpx.TransportError:
            healthy = False
        if healthy and log_path.read_text().count('"worker ready"') >= processes:
            return server, url
        time.sleep(0.5)
    server.terminate()
    raise RuntimeError("weaver serve and its workers did not start within 300 s")


def stamp(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


async def ingest_all(url: str, meetings: list[tuple[str, list]]) -> tuple[float, set[str], list[dict]]:
    """Post every transcript at once and wait for all; (seconds from the first job's creation to the
    last one's end, the workers seen running them, the jobs)."""
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:

        async def post(title: str, turns: list) -> str:
            body = {"title": title, "content": turns, "namespace": "bench"}
            response = await client.post("/v1/transcripts", json=body)
            response.raise_for_status()
            return response.json()["job_id"]

        ids = list(await asyncio.gather(*(post(title, turns) for title, turns in meetings)))
        done: dict[str, dict] = {}
        workers: set[str] = set()
        deadline = time.monotonic() + 900
        while len(done) < len(ids):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(ids) - len(done)} jobs unfinished after 900 s")
            await asyncio.sleep(0.5)
            for job_id in ids:
                if job_id in done:
                    continue
                job = (await client.get(f"/v1/jobs/{job_id}")).json()
                if job.get("worker"):
                    workers.add(job["worker"].rsplit(":", 1)[0])  # host:pid
                if job["status"] == "failed":
                    raise RuntimeError(f"job {job_id} failed: {job.get('error')}")
                if job["status"] == "succeeded":
                    done[job_id] = job
        first = min(stamp(j["created_at"]) for j in done.values())
        last = max(stamp(j["updated_at"]) for j in done.values())
        return last - first, workers, list(done.values())


def one_run(arm: str, meetings: list[tuple[str, list]], delay_ms: float, api_embeddings: bool) -> Run:
    processes, jobs_at_once, concurrency = ARMS[arm]
    load_before = os.getloadavg()[0]
    with StandInProcess(delay_ms=delay_ms) as llm, tempfile.TemporaryDirectory(prefix="kw-workers-") as tmp:
        env = {
            "KW_LLM_PROVIDER": "openai",
            "KW_OPENAI_BASE_URL": llm.url,
            "KW_OPENAI_API_KEY": "bench",
            "KW_LLM_MODEL": "standin",
            "KW_WORKER_PROCESSES": str(processes),
            "KW_INGEST_WORKERS": str(jobs_at_once),
            "KW_LLM_CONCURRENCY": str(concurrency),
        }
        if api_embeddings:
            env |= {"KW_EMBEDDING_PROVIDER": "openai", "KW_EMBEDDING_MODEL": "text-embedding-3-small"}
        server, url = start_server(Path(tmp), env, processes)
        try:
            wall_s, workers, jobs = asyncio.run(ingest_all(url, meetings))
        finally:
            server.terminate()
            server.wait(timeout=60)
        stats = llm.stats()
    stage_ms = [job["result"]["stage_ms"] for job in jobs]
    return Run(arm, len(meetings), wall_s, stats["chat_calls"], stats["max_in_flight"], load_before,
               os.getloadavg()[0], workers, statistics.median(s.get("extract", 0) for s in stage_ms) / 1000,
               statistics.median(sum(s.values()) for s in stage_ms) / 1000,
               {k: statistics.median(s.get(k, 0) for s in stage_ms) for k in stage_ms[0]})  # fmt: skip


def cell(values: list[float], digits: int = 1) -> str:
    mid = statistics.median(values)
    if len(values) == 1:
        return f"{mid:,.{digits}f}"
    return f"{mid:,.{digits}f} ({min(values):,.{digits}f}–{max(values):,.{digits}f})"


def table(runs: list[Run], arms: list[str]) -> str:
    lines = [
        "| arm | worker processes × jobs at once | LLM calls in flight (cap) | jobs/min | wall s "
        "| chat calls | most in flight at the stand-in | a job's extract s | a job's stages s "
        "| load average before → after |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for arm in arms:
        mine = [r for r in runs if r.arm == arm]
        processes, jobs_at_once, concurrency = ARMS[arm]
        loads = ", ".join(f"{r.load_before:.1f}→{r.load_after:.1f}" for r in mine)
        lines.append(
            f"| {arm} | {processes} × {jobs_at_once} | {processes * concurrency} "
            f"| {cell([r.per_minute for r in mine])} | {cell([r.wall_s for r in mine])} "
            f"| {cell([r.chat_calls for r in mine], 0)} | {cell([r.max_in_flight for r in mine], 0)} "
            f"| {cell([r.extract_s for r in mine], 2)} | {cell([r.stages_s for r in mine], 2)} | {loads} |"
        )
    for arm in arms:
        mine = [r for r in runs if r.arm == arm]
        stages = ", ".join(
            f"{k} {statistics.median(r.stage_ms[k] for r in mine):,.0f}" for k in mine[0].stage_ms
        )
        lines.append(f"\n{arm}, a job's stages (ms, median of the runs' medians): {stages}")
    by_round = {}
    for r in runs:
        by_round.setdefault(r.arm, []).append(r.per_minute)
    base = by_round.get(arms[0])
    if base:
        for arm in arms[1:]:
            ratios = [a / b for a, b in zip(by_round[arm], base, strict=False)]  # same round, one load
            lines.append(
                f"\n{arm} ÷ {arms[0]} jobs/min, round by round: {cell(ratios, 2)}× "
                f"({', '.join(f'{x:.2f}' for x in ratios)})"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="rounds; each runs every arm once")
    parser.add_argument("--arms", default="1x4,2x4,1x8", help=f"comma-separated, of {', '.join(ARMS)}")
    parser.add_argument("--transcripts", type=int, default=16)
    parser.add_argument("--words", type=int, default=2000, help="each meeting's first N words (0: all)")
    parser.add_argument("--delay-ms", type=float, default=500, help="the stand-in's answer time per call")
    parser.add_argument(
        "--local-embeddings", action="store_true", help="the default local (CPU) embedders, not the stand-in"
    )
    parser.add_argument("--qmsum", type=Path, default=None, help="QMSum validation meetings (default: found)")
    args = parser.parse_args()
    arms = args.arms.split(",")
    if unknown := [a for a in arms if a not in ARMS]:
        sys.exit(f"unknown arms {unknown}; known: {', '.join(ARMS)}")
    data = args.qmsum or qmsum_dir()
    if data is None:
        sys.exit("QMSum validation meetings not found: pass --qmsum DIR or set KW_QMSUM_DIR")
    meetings = transcripts(data, args.transcripts, args.words)
    words = sum(len(t["content"].split()) for _, turns in meetings for t in turns)
    runs: list[Run] = []
    for i in range(args.runs):
        order = arms[i % len(arms) :] + arms[: i % len(arms)]  # alternate which arm goes first
        for arm in order:
            run = one_run(arm, meetings, args.delay_ms, not args.local_embeddings)
            runs.append(run)
            print(
                f"round {i + 1} {arm}: {run.per_minute:.1f} jobs/min ({run.wall_s:.1f} s, "
                f"{run.chat_calls} chat calls, ≤{run.max_in_flight} in flight, "
                f"workers {sorted(run.workers)}; a job: extract {run.extract_s:.2f} s, "
                f"stages {run.stages_s:.2f} s), "
                f"load {run.load_before:.1f} → {run.load_after:.1f}",
                file=sys.stderr,
                flush=True,
            )
    print(
        f"\n{len(meetings)} transcripts ({words:,} words), stand-in {args.delay_ms:.0f} ms per call, "
        f"embeddings {'local' if args.local_embeddings else 'via the stand-in'}; "
        f"{args.runs} rounds, median (range):\n"
    )
    print(table(runs, arms))


if __name__ == "__main__":
    main()

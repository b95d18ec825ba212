"""Load on a live `weaver serve` over loopback, with the server's default limits (a benchmark, not a
test): throughput and p50/p95/p99 of `/v1/retrieve` and `/v1/query` at 8 and 32 concurrent clients,
how many answers were 429 (over the tenant's rate) or 503 (shed: too many questions in flight), and
`/v1/retrieve` at 8 concurrent while 20 transcripts are ingested at once — and that phase's p95 over the
idle `/v1/retrieve` × 8 p95 of the same run (issue #17's bound: at most 2×).

The server is its own process (`weaver serve`, offline defaults — so ingest runs in the
KW_WORKER_PROCESSES worker process it starts, not in the API — auth on) on a fresh data dir: four
AMI meetings of QMSum (ES2006a-d, 26k words) in namespace `bench`, asked their own QMSum questions.
Every client of a phase shares one tenant's API key, as one busy customer would. Clients are closed
loops (the next request when the last is answered) and behave: after a 429 or 503 they wait
`Retry-After`, as the docs ask. Latencies are of answered (200) requests. Each phase stops after its
request count or its time cap, whichever comes first; the whole run after `--runs` rounds.

    .venv/bin/python bench/load.py [--runs 3] [--requests 160] [--qmsum DIR] [--only-ingest]
                                   [--env KW_NAME=value ...]

`--only-ingest` runs just the phases the ratio needs (idle `/v1/retrieve` × 8, the same during 20
ingests, and idle again after them: the shared machine's load drifts); `--env` passes settings to the
server (e.g. `KW_WORKER_NICE=19`) to compare set-ups.
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
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.live_server import free_port  # noqa: E402
from tests.support.qmsum import qmsum_dir  # noqa: E402

ADMIN, READER, WRITER = (
    "bench-admin-key-0123456789",
    "bench-reader-key-0123456789",
    "bench-ingest-key-012345678",
)
ASKED = ("ES2006a", "ES2006b", "ES2006c", "ES2006d")  # the namespace questions are asked of
INGEST_WORDS = 2_000  # each of the 20 transcripts ingested under load: a meeting's first ~2,000 words
PHASE_CAP_S = 120.0
FLOOD_READS = 600  # well past the default burst (100) of a tenant's rate (50/s)


@dataclass
class Phase:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    wall_s: float = 0.0
    extra: dict = field(default_factory=dict)

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.wall_s if self.wall_s else 0.0


def start_server(data_dir: Path, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KW_")},
        **(extra_env or {}),
        "KW_DATA_DIR": str(data_dir),
        "KW_PORT": str(port),
        "KW_API_KEYS": json.dumps({ADMIN: "*", READER: "bench", WRITER: "ingest"}),
        "KW_METRICS": "off",
        "KW_LOG_LEVEL": "WARNING",
    }
    weaver = Path(sys.executable).parent / "weaver"
    log = (data_dir / "server.log").open("w")  # kept with the data dir: read it when a run fails
    server = subprocess.Popen([str(weaver), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("weaver serve exited during start-up")
        try:
            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                return server, url
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise RuntimeError("weaver serve did not start within 300 s")


def head_of(turns: list[dict], words: int) -> list[dict]:
    kept, count = [], 0
    for turn in turns:
        if count >= words:
            break
        kept.append(turn)
        count += len(turn["content"].split())
    return kept


async def ingest(
    client: httpx.AsyncClient, key: str, meetings: list[tuple[str, list]], namespace: str
) -> list[str]:
    """Post every transcript at once; the job ids."""
    headers = {"Authorization": f"Bearer {key}"}

    async def post(title: str, turns: list) -> str:
        body = {"title": title, "content": turns, "namespace": namespace}
        response = await client.post("/v1/transcripts", json=body, headers=headers)
        response.raise_for_status()
        return response.json()["job_id"]

    return list(await asyncio.gather(*(post(title, turns) for title, turns in meetings)))


async def wait_for_jobs(client: httpx.AsyncClient, key: str, job_ids: list[str], cap_s: float) -> float:
    """Until every job is done (polling each unfinished one every 2 s); seconds it took."""
    started, pending = time.monotonic(), set(job_ids)
    headers = {"Authorization": f"Bearer {key}"}
    while pending and time.monotonic() - started < cap_s:
        await asyncio.sleep(2)
        for job_id in sorted(pending):
            job = (await client.get(f"/v1/jobs/{job_id}", headers=headers)).json()
            if job.get("status") == "failed":
                raise RuntimeError(f"job {job_id} failed: {job.get('error')}")
            if job.get("status") == "succeeded":
                pending.discard(job_id)
    if pending:
        raise RuntimeError(f"{len(pending)} jobs still running after {cap_s:.0f} s")
    return time.monotonic() - started


async def closed_loop(
    client: httpx.AsyncClient, phase: Phase, path: str, questions: list[str], clients: int, requests: int,
    until: asyncio.Event | None = None,
) -> Phase:  # fmt: skip
    """`clients` loops asking in turn until `requests` are answered (or `until` is set), at most the cap.
    A path without a question (GET) is read instead."""
    headers = {"Authorization": f"Bearer {READER}"}
    started = time.monotonic()
    asked = 0

    def more() -> bool:
        if time.monotonic() - started > PHASE_CAP_S:
            return False
        return not until.is_set() if until is not None else len(phase.latencies_ms) < requests

    async def loop() -> None:
        nonlocal asked
        while more():
            question = questions[asked % len(questions)]
            asked += 1
            t0 = time.perf_counter()
            if path.startswith("/v1/graph"):
                response = await client.get(path, headers=headers)
            else:
                response = await client.post(path, json={"question": question}, headers=headers)
            elapsed_ms = (time.perf_counter() - t0) * 1000
            phase.statuses[response.status_code] += 1
            if response.status_code == 200:
                phase.latencies_ms.append(elapsed_ms)
            elif response.status_code in (429, 503):
                await asyncio.sleep(float(response.headers.get("retry-after", "1")))
            else:
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")

    await asyncio.gather(*(loop() for _ in range(clients)))
    phase.wall_s = time.monotonic() - started
    return phase


@dataclass
class Workload:
    questions: list[str]  # QMSum's own questions of the meetings in namespace `bench`
    asked: list[tuple[str, list]]  # those meetings (ingested before the clock starts)
    under_load: list[tuple[str, list]]  # 20 other meetings' first ~2,000 words, ingested during a phase

    @classmethod
    def read(cls, data: Path) -> Workload:
        asked = {name: json.loads((data / f"{name}.json").read_text()) for name in ASKED}
        others = sorted(p for p in data.glob("*.json") if p.stem not in ASKED)[:20]
        return cls(
            questions=[
                q["query"] for m in asked.values() for q in m["general_query_list"] + m["specific_query_list"]
            ],
            asked=[(name, meeting["meeting_transcripts"]) for name, meeting in asked.items()],
            under_load=[
                (p.stem, head_of(json.loads(p.read_text())["meeting_transcripts"], INGEST_WORDS))
                for p in others
            ],
        )


async def phases(url: str, work: Workload, requests: int, only_ingest: bool = False) -> list[Phase]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        await wait_for_jobs(client, ADMIN, await ingest(client, ADMIN, work.asked, "bench"), 900)
        await closed_loop(client, Phase("warm-up"), "/v1/query", work.questions, 2, 10)
        done = []
        for path in ("/v1/retrieve",) if only_ingest else ("/v1/retrieve", "/v1/query"):
            for clients in (8,) if only_ingest else (8, 32):
                phase = Phase(f"`{path}` × {clients}")
                done.append(
                    await closed_loop(client, phase, path, work.questions, clients, requests * clients // 8)
                )
        if not only_ingest:
            # a tenant reading more than its rate allows (cheap reads, so the rate binds before the CPU does)
            flood = Phase("`/v1/graph/stats` × 32")
            done.append(await closed_loop(client, flood, "/v1/graph/stats", work.questions, 32, FLOOD_READS))
        during = Phase("`/v1/retrieve` × 8 during 20 ingests")
        stop = asyncio.Event()
        readers = asyncio.create_task(closed_loop(client, during, "/v1/retrieve", work.questions, 8, 0, stop))
        started = time.monotonic()
        await wait_for_jobs(client, WRITER, await ingest(client, WRITER, work.under_load, "ingest"), 900)
        during.extra["ingest_s"] = time.monotonic() - started
        stop.set()
        done.append(await readers)
        # idle again: the machine's other load may have changed while the jobs ran (a shared box)
        after = Phase("`/v1/retrieve` × 8 after the ingests")
        done.append(await closed_loop(client, after, "/v1/retrieve", work.questions, 8, requests))
        return done


def one_run(
    work: Workload, requests: int, only_ingest: bool = False, extra_env: dict[str, str] | None = None
) -> list[Phase]:
    with tempfile.TemporaryDirectory(prefix="kw-load-") as tmp:
        server, url = start_server(Path(tmp), extra_env)
        try:
            return asyncio.run(phases(url, work, requests, only_ingest))
        finally:
            server.terminate()
            server.wait(timeout=60)


def table(runs: list[list[Phase]]) -> str:
    lines = [
        "| phase | req/s | p50 ms | p95 ms | p99 ms | answered | 429 | 503 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i, first in enumerate(runs[0]):
        same = [run[i] for run in runs]

        def cell(values: list[float], digits: int = 0) -> str:
            mid = statistics.median(values)
            if len(values) == 1:
                return f"{mid:,.{digits}f}"
            return f"{mid:,.{digits}f} ({min(values):,.{digits}f}–{max(values):,.{digits}f})"

        lines.append(
            f"| {first.name} | {cell([p.throughput for p in same], 1)} | {cell([p.pct(0.5) for p in same])} "
            f"| {cell([p.pct(0.95) for p in same])} | {cell([p.pct(0.99) for p in same])} "
            f"| {cell([len(p.latencies_ms) for p in same])} | {cell([p.statuses[429] for p in same])} "
            f"| {cell([p.statuses[503] for p in same])} |"
        )
    ingest_s = [during(run).extra["ingest_s"] for run in runs]
    lines.append(f"\n20 transcripts ingested under that load in {statistics.median(ingest_s):.0f} s "
                 f"({min(ingest_s):.0f}–{max(ingest_s):.0f})")  # fmt: skip
    ratios = [under_ingest_ratio(run) for run in runs]
    mid = statistics.median(ratios)
    lines.append(
        f"`/v1/retrieve` × 8 p95 during 20 ingests ÷ idle p95 before them (same run): {mid:.2f}× "
        f"({min(ratios):.2f}–{max(ratios):.2f}×; goal ≤ 2×: {'met' if mid <= 2 else 'not met'})"
    )
    afters = [under_ingest_ratio(run, after=True) for run in runs]
    lines.append(
        f"… ÷ idle p95 after them: {statistics.median(afters):.2f}× ({min(afters):.2f}–{max(afters):.2f}×)"
    )
    return "\n".join(lines)


def during(run: list[Phase]) -> Phase:
    return next(p for p in run if p.name.endswith("during 20 ingests"))


def under_ingest_ratio(run: list[Phase], after: bool = False) -> float:
    """p95 of `/v1/retrieve` × 8 during the ingests over its idle p95 (before them, or after), one run."""
    name = "`/v1/retrieve` × 8 after the ingests" if after else "`/v1/retrieve` × 8"
    idle = next(p for p in run if p.name == name)
    return during(run).pct(0.95) / idle.pct(0.95)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=160, help="answers per phase at 8 clients (×4 at 32)")
    parser.add_argument("--qmsum", type=Path, default=None, help="QMSum validation meetings (default: found)")
    parser.add_argument(
        "--only-ingest", action="store_true", help="only `/v1/retrieve` × 8: idle, during ingests, idle"
    )
    parser.add_argument(
        "--env", action="append", default=[], metavar="KW_NAME=value", help="a server setting (repeatable)"
    )
    args = parser.parse_args()
    extra_env = dict(item.split("=", 1) for item in args.env)
    data = args.qmsum or qmsum_dir()
    if data is None:
        sys.exit("QMSum validation meetings not found: pass --qmsum DIR or set KW_QMSUM_DIR")
    work = Workload.read(data)
    runs, loads = [], []
    for i in range(args.runs):
        load_before = os.getloadavg()[0]
        runs.append(one_run(work, args.requests, args.only_ingest, extra_env))
        loads.append(f"{load_before:.1f} → {os.getloadavg()[0]:.1f}")
        print(f"run {i + 1}: load average {loads[-1]}", file=sys.stderr)
        print(table(runs[-1:]), file=sys.stderr)
    print(f"\n{args.runs} runs, median (range); server settings: {extra_env or 'defaults'}; "
          f"load average per run: {', '.join(loads)}\n")  # fmt: skip
    print(table(runs))


if __name__ == "__main__":
    main()

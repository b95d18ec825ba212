"""Retrieval and ingest at scale on real meetings, per graph engine, over a live `weaver serve` (a
benchmark, not a test; issue #31, item 5).

The 197 QMSum meetings (`qmsum-val` and `qmsum-train`, sorted by name; `--meetings N` takes the first
N) go into ONE namespace through the HTTP API of a `weaver serve` subprocess on 127.0.0.1 — the default
configuration: offline, no keys, ingest in the KW_WORKER_PROCESSES (1) worker process it starts —
with FalkorDB (the embedded redis-server) or Neo4j 5.26 (a local server, `backend/graph/neo4j_local.py`).
Per engine, side by side in one Markdown table:

- ingest chunks/s: the jobs' chunks over the time some big-namespace job was running (the job store's
  clock, created → finished), all jobs and those posted one by one (one job at a time, nothing asked);
- first `/v1/retrieve` after an ingest: the meeting's own first QMSum question, asked as soon as its
  job has finished (meetings are posted one by one); at each checkpoint, the last `--repeats` meetings',
  with its slowest server-side steps (the answer's `timings_ms`);
- warm `/v1/retrieve` p50/p95 (hybrid, default k) over a fixed set of the meetings' own questions, one
  pass per repeat, at checkpoints (10, 50, 100 and all meetings, those reached);
- p95 while the same namespace keeps ingesting: one client asks the big namespace in a loop and
  another asks a second namespace (the 3 shortest meetings) in a loop, first with no ingest (idle),
  then while further meetings are posted into the big namespace; the ratios during ÷ idle, per repeat;
- RSS (psutil) of the API process, its worker processes and the database process at checkpoints and
  their peak (sampled every second); the data dir's and the database's disk use.

Order per engine: the second namespace; the head meetings one by one (checkpoints at 10, 50, 100);
`--repeats` contention rounds (idle, then 2 meetings posted at once, 1 below 20 meetings); the last
`--repeats` meetings one by one; the final checkpoint. Each latency figure is measured `--repeats`
times and printed as median (range). Every process started is stopped at the end, also on Ctrl-C.

    .venv/bin/python bench/scale.py [--meetings 197] [--graph falkordb,neo4j] [--repeats 3]
                                    [--out results.json] [--data DIR ...] [--checkout DIR] [--keep]
                                    [--neo4j-heap 1g] [--neo4j-setting KEY=VALUE ...]
                                    [--setting KW_NAME=VALUE ...]

The server runs on its defaults (no KW_* of the caller's environment reaches it); `--setting` changes
one for a trial, and the run's table then names it.

`--checkout DIR` serves another checkout's `backend` (e.g. `git worktree add ../base HEAD~3`) with
this venv: the same benchmark before and after a change.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import zip_longest
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.graph.neo4j_local import LocalNeo4j  # noqa: E402
from tests.support.live_server import free_port  # noqa: E402

DATA = [ROOT.parent / "shared" / "data", Path("/work/shared/data")]
BIG, OTHER = "scale", "scale-other"
CHECKPOINTS = (10, 50, 100)
QUESTIONS = 60  # the warm set: the first meetings' own questions, in turn
OTHER_MEETINGS = 3
JOB_CAP_S = 1800.0  # one job (the largest meeting is ~25k words)
PHASE_CAP_S = 600.0  # an idle contention phase
START_CAP_S = 300.0
MB = 1024 * 1024


@dataclass
class Meeting:
    name: str
    turns: list[dict]
    questions: list[str]


@dataclass
class Checkpoint:
    meetings: int
    chunks: int
    first_ms: list[float]  # first /v1/retrieve after each of the last meetings' ingest
    first_steps: dict[str, float]  # their server-side steps (`timings_ms`), median
    warm_p50: list[float]
    warm_p95: list[float]
    warm_steps: dict[str, float]
    rss_mb: dict[str, float]
    disk_mb: dict[str, float]


@dataclass
class Result:
    engine: str
    meetings: int = 0
    chunks: int = 0
    ingest_s: float = 0.0  # time some big-namespace job was running
    checkpoints: list[Checkpoint] = field(default_factory=list)
    idle_p95: list[float] = field(default_factory=list)  # big namespace, per contention round
    during_p95: list[float] = field(default_factory=list)
    other_idle_p50: list[float] = field(default_factory=list)
    other_during_p50: list[float] = field(default_factory=list)
    idle_steps: list[dict[str, float]] = field(default_factory=list)  # big namespace's `timings_ms`
    during_steps: list[dict[str, float]] = field(default_factory=list)
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)  # answers other than 200
    failed_jobs: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    load: str = ""
    jobs: list[tuple[float, float, int, bool]] = field(default_factory=list)  # start, end, chunks, alone

    def chunks_per_s(self, alone: bool = False) -> float:
        """Chunks over the time some big-namespace job ran (only those posted one by one: `alone`)."""
        picked = [job for job in self.jobs if job[3] or not alone]
        seconds = busy_s([(start, end) for start, end, _, _ in picked])
        return sum(job[2] for job in picked) / seconds if seconds else 0.0


def load_meetings(dirs: list[Path]) -> list[Meeting]:
    paths = sorted((p for d in dirs for p in d.glob("*.json")), key=lambda p: p.name)
    meetings = []
    for path in paths:
        raw = json.loads(path.read_text())
        asked = [q["query"] for q in raw["specific_query_list"] + raw["general_query_list"]]
        meetings.append(Meeting(path.stem, raw["meeting_transcripts"], asked))
    return meetings


def data_dirs(given: list[Path] | None) -> list[Path]:
    if given:
        return given
    for base in DATA:
        if (base / "qmsum-val").is_dir():
            return [base / "qmsum-val", base / "qmsum-train"]
    sys.exit("QMSum meetings not found: pass --data DIR (repeatable)")


def disk_mb(path: Path) -> float:
    total = 0
    for base, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):  # a file removed while we walked
                total += os.lstat(os.path.join(base, name)).st_blocks * 512
    return total / MB


class Stack:
    """One engine's processes on a fresh data dir: (Neo4j,) `weaver serve` and what it starts."""

    def __init__(
        self,
        engine: str,
        workdir: Path | None,
        keep: bool,
        checkout: Path = ROOT,
        neo4j_heap: str = "1g",
        neo4j_settings: dict[str, str] | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        self.engine, self.keep, self.checkout = engine, keep, checkout.resolve()
        self.neo4j_heap, self.neo4j_settings = neo4j_heap, neo4j_settings or {}
        self.settings = settings or {}
        if workdir is not None:
            workdir.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=f"kw-scale-{engine}-", dir=workdir))
        self.data = self.root / "data"
        self.neo4j: LocalNeo4j | None = None
        self.server: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> Stack:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("KW_")}
        env |= self.settings | {"KW_DATA_DIR": str(self.data), "KW_PORT": str(port),
                                "PYTHONPATH": str(self.checkout)}  # fmt: skip
        if self.engine == "neo4j":
            self.neo4j = LocalNeo4j(
                self.data / "neo4j", free_port(), secrets.token_urlsafe(18),
                heap=self.neo4j_heap, settings=self.neo4j_settings,
            )  # fmt: skip
            print(f"[{self.engine}] starting Neo4j in {self.neo4j.home} …", file=sys.stderr)
            env |= {"KW_GRAPH_BACKEND": "neo4j", "KW_NEO4J_URI": self.neo4j.start(),
                    "KW_NEO4J_PASSWORD": self.neo4j.password}  # fmt: skip
        self.data.mkdir(parents=True, exist_ok=True)
        log = (self.root / "server.log").open("w")
        # `weaver serve` of the checkout; its own session: a Ctrl-C is ours to pass on, in order
        serve = [sys.executable, "-m", "backend.cli", "serve"]
        self.server = subprocess.Popen(serve, cwd=self.checkout, env=env, stdin=subprocess.DEVNULL,
                                       stdout=log, stderr=log, start_new_session=True)  # fmt: skip
        log.close()
        self.url = f"http://127.0.0.1:{port}"
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_CAP_S
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"weaver serve exited during start-up; see {self.root / 'server.log'}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)  # refused at once while it starts: do not spin
            time.sleep(0.5)
        raise RuntimeError(f"weaver serve not ready within {START_CAP_S:.0f} s")

    def processes(self) -> dict[str, list[psutil.Process]]:
        """API, workers (the API's children) and the database process, those alive."""
        found: dict[str, list[psutil.Process]] = {"api": [], "workers": [], "db": []}
        try:
            api = psutil.Process(self.server.pid)
            found["api"], found["workers"] = [api], api.children(recursive=True)
        except psutil.Error:
            pass
        found["db"] = [p for p in [self._db_process()] if p is not None]
        return found

    def _db_process(self) -> psutil.Process | None:
        try:
            if self.neo4j is not None:
                return next(c for c in psutil.Process().children() if "LocalNeo4j" in " ".join(c.cmdline()))
            pid = int((self.data / "falkordb" / "falkordb.pid").read_text().strip())
            proc = psutil.Process(pid)
            return proc if "redis-server" in proc.name() else None
        except (OSError, ValueError, StopIteration, psutil.Error):
            return None

    def rss_mb(self) -> dict[str, float]:
        rss = {}
        for role, procs in self.processes().items():
            total = 0
            for proc in procs:
                with contextlib.suppress(psutil.Error):  # it ended meanwhile
                    total += proc.memory_info().rss
            rss[role] = total / MB
        return rss

    def disk_mb(self) -> dict[str, float]:
        db = self.data / ("neo4j" if self.engine == "neo4j" else "falkordb")
        return {"data dir": disk_mb(self.data), "database": disk_mb(db)}

    def close(self) -> None:
        db = self._db_process() if self.neo4j is None else None
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()  # the API stops its workers and, last out, the embedded FalkorDB
            try:
                self.server.wait(90)
            except subprocess.TimeoutExpired:
                for child in psutil.Process(self.server.pid).children(recursive=True):
                    child.kill()
                self.server.kill()
                self.server.wait()
        if db is not None:  # the embedded server exits a few seconds after its SHUTDOWN
            try:
                db.wait(30)
            except psutil.TimeoutExpired:
                db.terminate()
                db.wait(30)
            except psutil.Error:
                pass
        if self.neo4j is not None:
            self.neo4j.stop()
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Asker:
    """Asks questions over one client; keeps the answers other than 200 it met."""

    client: httpx.AsyncClient
    statuses: Counter = field(default_factory=Counter)
    steps: dict[str, float] = field(default_factory=dict)  # the last answer's `timings_ms`

    async def ask(self, namespace: str, question: str) -> float | None:
        """Milliseconds of one answered `/v1/retrieve`; None when it was not answered (counted)."""
        t0 = time.perf_counter()
        response = await self.client.post("/v1/retrieve", json={"question": question, "namespace": namespace})
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code == 200:
            self.steps = response.json().get("timings_ms", {})
            return elapsed
        self.statuses[f"{response.status_code} {response.text[:80]}"] += 1
        if response.status_code in (429, 503):
            await asyncio.sleep(float(response.headers.get("retry-after", "1")))
        return None

    async def post(self, namespace: str, meeting: Meeting) -> str:
        body = {"title": meeting.name, "content": meeting.turns, "namespace": namespace}
        response = await self.client.post("/v1/transcripts", json=body)
        response.raise_for_status()
        return response.json()["job_id"]

    async def finished(self, job_id: str) -> dict:
        """The job once it has succeeded or failed (polled every 0.2 s)."""
        deadline = time.monotonic() + JOB_CAP_S
        while time.monotonic() < deadline:
            job = (await self.client.get(f"/v1/jobs/{job_id}")).json()
            if job["status"] in ("succeeded", "failed"):
                return job
            await asyncio.sleep(0.2)
        raise RuntimeError(f"job {job_id} not finished after {JOB_CAP_S:.0f} s")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def median_steps(answers: list[dict[str, float]]) -> dict[str, float]:
    names = {name for steps in answers for name in steps}
    return {name: statistics.median(steps.get(name, 0.0) for steps in answers) for name in names}


def pct_steps(answers: list[dict[str, float]], q: float) -> dict[str, float]:
    """Each step's own percentile over the answers (a step an answer did not take counts as 0)."""
    names = {name for steps in answers for name in steps}
    return {name: pct([steps.get(name, 0.0) for steps in answers], q) for name in names}


def top_steps(steps: dict[str, float], n: int = 3) -> str:
    return ", ".join(f"{name} {ms:,.0f}" for name, ms in sorted(steps.items(), key=lambda kv: -kv[1])[:n])


def stamp(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def busy_s(intervals: list[tuple[float, float]]) -> float:
    """Seconds covered by the union of the intervals."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


class Run:
    """One engine's measurements, in the order the docstring gives."""

    def __init__(self, stack: Stack, asker: Asker, meetings: list[Meeting], other: list[Meeting],
                 repeats: int) -> None:  # fmt: skip
        self.stack, self.asker, self.meetings, self.repeats = stack, asker, meetings, repeats
        self.other = other
        self.result = Result(stack.engine)
        self.first_ms: list[float] = []
        self.first_steps: list[dict[str, float]] = []
        in_turn = zip_longest(*(m.questions for m in meetings[:10]))  # the first meetings' questions
        self.questions = [q for group in in_turn for q in group if q][:QUESTIONS]
        self.other_questions = [q for m in other for q in m.questions]
        self.peak: dict[str, float] = {}

    def record(self, job: dict, alone: bool) -> None:
        if job["status"] != "succeeded":
            self.result.failed_jobs.append(f"{job['id']}: {job.get('error')}")
            return
        self.result.meetings += 1
        self.result.chunks += job["result"]["chunks"]
        times = stamp(job["created_at"]), stamp(job["updated_at"])
        self.result.jobs.append((*times, job["result"]["chunks"], alone))

    async def one_by_one(self, meeting: Meeting) -> None:
        """Ingest one meeting, then ask its first question the moment its job is done."""
        started = time.monotonic()
        job = await self.asker.finished(await self.asker.post(BIG, meeting))
        self.record(job, alone=True)
        first = await self.asker.ask(BIG, meeting.questions[0])
        if first is not None:
            self.first_ms.append(first)
            self.first_steps.append(self.asker.steps)
        print(f"[{self.stack.engine}] {self.result.meetings}/{len(self.meetings)} {meeting.name}: "
              f"{(job.get('result') or {}).get('chunks', job.get('error'))} chunks in "
              f"{time.monotonic() - started:.1f} s, first retrieve {first or float('nan'):.0f} ms",
              file=sys.stderr)  # fmt: skip

    async def checkpoint(self) -> None:
        for q in self.questions[:5]:  # the first-after rebuild and caches are behind us
            await self.asker.ask(BIG, q)
        p50, p95, steps = [], [], []
        for _ in range(self.repeats):
            answered = []
            for q in self.questions:
                if (ms := await self.asker.ask(BIG, q)) is not None:
                    answered.append(ms)
                    steps.append(self.asker.steps)
            p50.append(pct(answered, 0.5))
            p95.append(pct(answered, 0.95))
        last = slice(-self.repeats, None)
        point = Checkpoint(self.result.meetings, self.result.chunks, self.first_ms[last],
                           median_steps(self.first_steps[last]), p50, p95, median_steps(steps),
                           await asyncio.to_thread(self.stack.rss_mb),
                           await asyncio.to_thread(self.stack.disk_mb))  # fmt: skip
        self.result.checkpoints.append(point)
        print(f"[{self.stack.engine}] at {point.meetings} meetings: first {cell(point.first_ms)}, warm p95 "
              f"{cell(point.warm_p95)}, RSS {point.rss_mb}", file=sys.stderr)  # fmt: skip

    async def loop(self, namespace: str, asked: list[str], out: list[float], stop: asyncio.Event,
                   count: int = 0, steps: list[dict[str, float]] | None = None) -> None:  # fmt: skip
        """Ask in turn until `stop` is set; with `count`, set it after that many answers (or the cap)."""
        deadline = time.monotonic() + PHASE_CAP_S
        while not stop.is_set():
            ms = await self.asker.ask(namespace, asked[len(out) % len(asked)])
            if ms is not None:
                out.append(ms)
                if steps is not None:  # read before any other await: this answer's
                    steps.append(self.asker.steps)
            if count and (len(out) >= count or time.monotonic() > deadline):
                stop.set()

    async def both_loops(self, meetings: list[Meeting] | None, steps: list[dict[str, float]],
                         ) -> tuple[list[float], list[float]]:  # fmt: skip
        """The big and the other namespace asked in a loop each: for the warm set's length (idle), or
        until `meetings`, posted into the big namespace at once, are ingested. The big namespace's
        answers' server-side steps go to `steps`."""
        big, other, stop = [], [], asyncio.Event()
        for ns, asked in ((BIG, self.questions), (OTHER, self.other_questions)):
            await self.asker.ask(ns, asked[0])  # after an ingest the first question is not an idle one
        count = 0 if meetings else len(self.questions)
        loops = [asyncio.create_task(self.loop(BIG, self.questions, big, stop, count, steps)),
                 asyncio.create_task(self.loop(OTHER, self.other_questions, other, stop))]  # fmt: skip
        try:
            if meetings:
                jobs = await asyncio.gather(*(self.asker.post(BIG, m) for m in meetings))
                for job in await asyncio.gather(*(self.asker.finished(j) for j in jobs)):
                    self.record(job, alone=False)
            else:
                await loops[0]  # it stops both after its count
        finally:
            stop.set()
            await asyncio.gather(*loops)
        return big, other

    async def contention(self, meetings: list[Meeting]) -> None:
        """Idle (both loops, no ingest), then the same while `meetings` are posted into the big one."""
        r = self.result
        idle_big, idle_other = await self.both_loops(None, r.idle_steps)
        busy_big, busy_other = await self.both_loops(meetings, r.during_steps)
        r.idle_p95.append(pct(idle_big, 0.95))
        r.during_p95.append(pct(busy_big, 0.95))
        r.other_idle_p50.append(pct(idle_other, 0.5))
        r.other_during_p50.append(pct(busy_other, 0.5))
        print(f"[{self.stack.engine}] contention: big p95 {r.idle_p95[-1]:.0f} → {r.during_p95[-1]:.0f} "
              f"ms ({len(busy_big)} asked), other p50 {r.other_idle_p50[-1]:.0f} → "
              f"{r.other_during_p50[-1]:.0f} ms", file=sys.stderr)  # fmt: skip

    async def sample(self) -> None:
        while True:
            for role, mb in (await asyncio.to_thread(self.stack.rss_mb)).items():
                self.peak[role] = max(self.peak.get(role, 0.0), mb)
            await asyncio.sleep(1.0)

    async def run(self) -> Result:
        started, load = time.monotonic(), os.getloadavg()[0]
        sampler = asyncio.create_task(self.sample())
        try:
            await self.phases()
        finally:
            sampler.cancel()
        r = self.result
        r.ingest_s, r.peak_rss_mb = busy_s([job[:2] for job in r.jobs]), self.peak
        r.statuses = dict(self.asker.statuses)
        r.wall_s, r.load = time.monotonic() - started, f"{load:.1f} → {os.getloadavg()[0]:.1f}"
        return r

    async def phases(self) -> None:
        others = await asyncio.gather(*(self.asker.post(OTHER, m) for m in self.other))
        for job in await asyncio.gather(*(self.asker.finished(j) for j in others)):
            if job["status"] != "succeeded":
                raise RuntimeError(f"the second namespace's job failed: {job.get('error')}")
        per = 2 if len(self.meetings) >= 20 else 1
        tail = self.repeats
        head = len(self.meetings) - self.repeats * per - tail
        for meeting in self.meetings[:head]:
            await self.one_by_one(meeting)
            if self.result.meetings in CHECKPOINTS:
                await self.checkpoint()
        for i in range(self.repeats):
            await self.contention(self.meetings[head + i * per : head + (i + 1) * per])
        for meeting in self.meetings[len(self.meetings) - tail :]:
            await self.one_by_one(meeting)
        await self.checkpoint()


def engine_run(engine: str, meetings: list[Meeting], other: list[Meeting], args: argparse.Namespace,
               ) -> Result:  # fmt: skip
    settings = dict(item.split("=", 1) for item in args.neo4j_setting)
    changed = dict(item.split("=", 1) for item in args.setting)
    with Stack(engine, args.workdir, args.keep, args.checkout, args.neo4j_heap, settings, changed) as stack:
        print(f"[{engine}] weaver serve on {stack.url}, data in {stack.data}", file=sys.stderr)

        async def go() -> Result:
            async with httpx.AsyncClient(base_url=stack.url, timeout=300) as client:
                return await Run(stack, Asker(client), meetings, other, args.repeats).run()

        return asyncio.run(go())


def cell(values: list[float], unit: str = " ms", digits: int = 0) -> str:
    values = [v for v in values if v == v]  # NaN: nothing was answered
    if not values:
        return "—"
    mid = statistics.median(values)
    if len(values) == 1 or min(values) == max(values):
        return f"{mid:,.{digits}f}{unit}"
    return f"{mid:,.{digits}f}{unit} ({min(values):,.{digits}f}–{max(values):,.{digits}f})"


def ratios(over: list[float], under: list[float]) -> list[float]:
    return [a / b for a, b in zip(over, under, strict=True) if b]


def rows(r: Result) -> list[tuple[str, str]]:
    out = [("meetings (chunks) in the big namespace", f"{r.meetings} ({r.chunks:,})"),
           ("ingest chunks/s: all jobs (those posted one by one)",
            f"{r.chunks_per_s():.1f} ({r.chunks_per_s(alone=True):.1f})"),
           ("time some ingest job was running", f"{r.ingest_s / 60:.1f} min")]  # fmt: skip
    for c in r.checkpoints:
        at = f"at {c.meetings} meetings"
        out += [(f"first `/v1/retrieve` after an ingest, {at}", cell(c.first_ms)),
                (f"… its slowest steps (ms), {at}", top_steps(c.first_steps)),
                (f"warm p50, {at}", cell(c.warm_p50)), (f"warm p95, {at}", cell(c.warm_p95)),
                (f"… slowest steps of a warm one (median ms), {at}", top_steps(c.warm_steps)),
                (f"RSS API / workers / database, {at}",
                 " / ".join(f"{c.rss_mb[k]:,.0f}" for k in ("api", "workers", "db")) + " MB"),
                (f"disk data dir (database), {at}",
                 f"{c.disk_mb['data dir']:,.0f} MB ({c.disk_mb['database']:,.0f})")]  # fmt: skip
    first, last = r.checkpoints[0], r.checkpoints[-1]
    if first is not last:
        growth = last.rss_mb["api"] - first.rss_mb["api"]
        out.append((f"API RSS growth {first.meetings} → {last.meetings} meetings", f"{growth:+,.0f} MB"))
    out += [("big ns p95 idle (2 loops)", cell(r.idle_p95)),
            ("big ns p95 while it ingests", cell(r.during_p95)),
            ("… ratio to idle", cell(ratios(r.during_p95, r.idle_p95), "×", 2)),
            ("… slowest steps at p95 (ms), idle", top_steps(pct_steps(r.idle_steps, 0.95), 4)),
            ("… slowest steps at p95 (ms), while it ingests", top_steps(pct_steps(r.during_steps, 0.95), 4)),
            ("other ns p50 idle", cell(r.other_idle_p50)),
            ("other ns p50 while the big one ingests", cell(r.other_during_p50)),
            ("… ratio to idle", cell(ratios(r.other_during_p50, r.other_idle_p50), "×", 2)),
            ("peak RSS API / workers / database",
             " / ".join(f"{r.peak_rss_mb.get(k, 0):,.0f}" for k in ("api", "workers", "db")) + " MB"),
            ("answers other than 200; failed jobs", f"{sum(r.statuses.values())}; {len(r.failed_jobs)}"),
            ("run wall time (load average)", f"{r.wall_s / 60:.1f} min ({r.load})")]  # fmt: skip
    return out


def table(results: list[Result]) -> str:
    lines = ["| | " + " | ".join(r.engine for r in results) + " |", "|---" + "|---:" * len(results) + "|"]
    columns = [rows(r) for r in results]
    for i, (name, _) in enumerate(columns[0]):
        cells = [col[i][1] if i < len(col) and col[i][0] == name else "?" for col in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--meetings", type=int, default=197, help="the first N of the sorted meetings")
    parser.add_argument("--graph", default="falkordb,neo4j", help="engines, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    parser.add_argument("--data", type=Path, action="append", help="a QMSum meetings dir (repeatable)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the data dirs go (default: temp)")
    parser.add_argument("--checkout", type=Path, default=ROOT, help="serve this checkout's backend")
    parser.add_argument("--keep", action="store_true", help="keep the data dirs and server logs")
    parser.add_argument("--neo4j-heap", default="1g", help="the Neo4j JVM's -Xmx (as `weaver neo4j`)")
    parser.add_argument(
        "--neo4j-setting", action="append", default=[], metavar="KEY=VALUE",
        help="an extra Neo4j setting, e.g. server.memory.pagecache.size=2g (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--setting", action="append", default=[], metavar="KW_NAME=VALUE",
        help="a server setting other than its default, for a trial (repeatable)",
    )  # fmt: skip
    args = parser.parse_args()
    if bad := [s for s in args.setting if not s.startswith("KW_") or "=" not in s]:
        parser.error(f"--setting takes KW_NAME=VALUE: {', '.join(bad)}")
    everything = load_meetings(data_dirs(args.data))
    meetings = everything[: args.meetings]
    other = sorted(everything, key=lambda m: sum(len(t["content"].split()) for t in m.turns))[:OTHER_MEETINGS]
    per = 2 if len(meetings) >= 20 else 1
    if len(meetings) < args.repeats * (per + 1):
        sys.exit(f"--meetings {len(meetings)} is too few for --repeats {args.repeats}")
    for sig in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C or a kill: stop what was started (also when
        signal.signal(sig, signal.default_int_handler)  # started in the background, SIGINT ignored)
    try:
        results = [engine_run(engine, meetings, other, args) for engine in args.graph.split(",")]
    except KeyboardInterrupt:
        sys.exit("interrupted; every process this run started is stopped")
    if args.out:
        saved = [asdict(r) | {"chunks_per_s": r.chunks_per_s()} for r in results]
        args.out.write_text(json.dumps(saved, indent=1))
    print(f"\n{len(meetings)} QMSum meetings into one namespace; second namespace: "
          f"{', '.join(m.name for m in other)}; median (range) of {args.repeats}")  # fmt: skip
    trial = [f"Neo4j heap {args.neo4j_heap}"] if args.neo4j_heap != "1g" else []
    trial += [*args.neo4j_setting, *args.setting]
    print(f"not the defaults: {', '.join(trial)}\n" if trial else "the defaults\n")
    print(table(results))


if __name__ == "__main__":
    main()

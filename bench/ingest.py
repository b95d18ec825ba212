"""Ingest speed, printed as tables (a benchmark, not a test).

0. The default configuration (local embeddings: bge-small for chunks, MiniLM for names) ingesting the
   peer benchmark's four QMSum meetings at once through an OpenAI-compatible stand-in: wall time and
   CPU seconds (this process and the FalkorDB server) per configuration of the stand-in — 0 ms (our
   own work alone, where the embeddings dominate) and 500 ms + 17 ms per output token — and a
   re-ingest of the same meetings into another namespace (the embedding and LLM caches answer).
   `--baseline DIR` runs the same against another checkout's `backend` (e.g. `git worktree add
   /tmp/base main`), the two taking turns, and prints the ratios.
1. Offline (the default models): wall time, chunks/s and stage times to ingest the largest QMSum
   validation meeting.
2. With an OpenAI-compatible stand-in that answers after a fixed delay (default 500 ms): the same
   pipeline with KW_LLM_CONCURRENCY parallel calls vs a serial run (concurrency 1), per extraction
   window (the default) and per chunk (KW_EXTRACT_WINDOW_TOKENS=0), and the overhead of the extract
   stage beyond its floor, ceil(LLM calls / concurrency) × delay.

    .venv/bin/python bench/ingest.py [--sections default,offline,windows] [--runs 3] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `--code-root DIR` (set by --baseline): measure another checkout's backend with this script
CODE = Path(sys.argv[sys.argv.index("--code-root") + 1]) if "--code-root" in sys.argv else ROOT
sys.path.insert(0, str(CODE))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "peers" / "systems"))

from llm_standin import GPT_4O_MINI_MS_PER_TOKEN, StandInProcess  # noqa: E402
from timed_run import Clock, server_pids  # noqa: E402

from backend.config import load_settings  # noqa: E402
from backend.ingest.pipeline import IngestRequest  # noqa: E402
from backend.runtime import open_runtime  # noqa: E402
from tests.support.qmsum import qmsum_dir  # noqa: E402

QMSUM = qmsum_dir() or ROOT.parent / "shared" / "data" / "qmsum-val"


async def ingest_once(settings, meeting: str) -> tuple[float, dict]:
    content = json.loads((QMSUM / f"{meeting}.json").read_text())
    runtime = await open_runtime(settings)
    try:
        started = time.perf_counter()
        job, _ = await runtime.ingest.submit(IngestRequest(namespace="bench", title=meeting, content=content))
        job = await runtime.ingest.wait(job.id)
        wall = time.perf_counter() - started
    finally:
        await runtime.close()
    if job.status.value != "succeeded":
        raise SystemExit(f"{meeting}: job failed: {job.error}")
    return wall, job.result


PEER_MEETINGS = ["ES2006a", "ES2009a", "IS1006a", "TS3009a"]  # bench/peers/run.py's


def peer_texts() -> list[tuple[str, str]]:
    """The peer benchmark's input: each meeting as plain `Speaker: text` lines."""
    out = []
    for name in PEER_MEETINGS:
        turns = json.loads((QMSUM / f"{name}.json").read_text())["meeting_transcripts"]
        lines = [f"{t['speaker']}: {t['content']}" for t in turns if t["content"].strip(" .")]
        out.append((name, "\n".join(lines)))
    return out


async def ingest_all(runtime, namespace: str) -> None:
    jobs = []
    for name, text in peer_texts():
        request = IngestRequest(namespace=namespace, title=name, format="text", content=text)
        jobs.append((await runtime.ingest.submit(request))[0])
    for job in jobs:
        done = await runtime.ingest.wait(job.id)
        if done.status.value != "succeeded":
            raise SystemExit(f"{job.id}: job failed: {done.error}")


async def default_config_once(url: str) -> dict:
    """One run: four meetings at once into a fresh data dir, then again into another namespace."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=tmp, llm_provider="openai", openai_base_url=url,
                                 llm_model="gpt-4o-mini", metrics="off")  # fmt: skip
        runtime = await open_runtime(settings)
        servers = server_pids(tmp)
        try:
            with Clock(servers) as first:
                await ingest_all(runtime, "bench")
            with Clock(servers) as again:
                await ingest_all(runtime, "bench-again")
        finally:
            await runtime.close()
    return {"wall_s": first.seconds, "cpu_s": first.cpu_s, "again_wall_s": again.seconds,
            "again_cpu_s": again.cpu_s}  # fmt: skip


def default_config_child(code_root: Path, url: str) -> dict:
    """The same run in a child process importing `code_root`'s backend."""
    import subprocess

    command = [sys.executable, __file__, "--sections", "default-once", "--llm-url", url,
               "--code-root", str(code_root)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"run against {code_root} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _spread(values: list[float]) -> str:
    import statistics

    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def default_config(args) -> None:
    import statistics

    trees = [("this checkout", ROOT)] + ([("baseline", Path(args.baseline))] if args.baseline else [])
    print(f"\n## Default configuration: {len(PEER_MEETINGS)} QMSum meetings at once (median and range "
          f"of {args.runs} runs; CPU = this process + the FalkorDB server)\n")  # fmt: skip
    print("| stand-in | code | wall s | CPU s | CPU s / transcript | re-ingest wall s | re-ingest CPU s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for delay, per_token in ((0, 0.0), (args.delay_ms, GPT_4O_MINI_MS_PER_TOKEN)):
        runs: dict[str, list[dict]] = {name: [] for name, _ in trees}
        with StandInProcess(delay_ms=delay, per_token_ms=per_token) as llm:
            for _ in range(args.runs):
                for name, root in trees:  # the trees take turns: drift on a shared machine hits both
                    runs[name].append(default_config_child(root, llm.url))
        label = f"{delay:.0f} ms + {per_token:g} ms/token" if delay else "0 ms (our work alone)"
        for name, _ in trees:
            r = runs[name]
            cpu = [x["cpu_s"] for x in r]
            again_wall, again_cpu = [x["again_wall_s"] for x in r], [x["again_cpu_s"] for x in r]
            print(f"| {label} | {name} | {_spread([x['wall_s'] for x in r])} | {_spread(cpu)} | "
                  f"{statistics.median(cpu) / len(PEER_MEETINGS):.2f} | "
                  f"{_spread(again_wall)} | {_spread(again_cpu)} |")  # fmt: skip
        if args.baseline:
            pairs = list(zip(runs["this checkout"], runs["baseline"], strict=True))
            ratios = [b["wall_s"] / a["wall_s"] for a, b in pairs]
            cpu_ratios = [b["cpu_s"] / a["cpu_s"] for a, b in pairs]
            print(f"| {label} | speed-up (baseline / this, pair by pair) | {_spread(ratios)}× | "
                  f"{_spread(cpu_ratios)}× | | | |")  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sections", default="default,offline,windows")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", help="another checkout whose backend to measure alongside")
    parser.add_argument("--code-root", help=argparse.SUPPRESS)
    parser.add_argument("--llm-url", help=argparse.SUPPRESS)
    parser.add_argument(
        "--meeting", default="Bed015", help="offline run (default: the largest validation meeting)"
    )
    parser.add_argument("--llm-meeting", default="ES2006a")
    parser.add_argument("--delay-ms", type=float, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    sections = args.sections.split(",")
    if "default-once" in sections:
        print(json.dumps(await default_config_once(args.llm_url)))
        return
    if "default" in sections:
        default_config(args)
    if "offline" in sections:
        await offline(args)
    if "windows" in sections:
        await windows(args)


async def offline(args) -> None:
    turns = len(json.loads((QMSUM / f"{args.meeting}.json").read_text())["meeting_transcripts"])
    with tempfile.TemporaryDirectory() as tmp:
        wall, r = await ingest_once(load_settings(data_dir=tmp), args.meeting)
    print(f"\n## Offline ingest of QMSum {args.meeting} ({turns} turns): spaCy, MiniLM int8, FalkorDB\n")
    print(
        "| chunks | entities | relations | wall s | chunks/s | "
        + " | ".join(f"{s} ms" for s in r["stage_ms"])
        + " |"
    )
    print("|---:" * (5 + len(r["stage_ms"])) + "|")
    print(
        f"| {r['chunks']} | {r['entities']} | {r['relations']} | {wall:.1f} | {r['chunks'] / wall:.1f} | "
        + " | ".join(f"{v:,.0f}" for v in r["stage_ms"].values())
        + " |"
    )


async def windows(args) -> None:
    rows = []
    with StandInProcess(delay_ms=args.delay_ms) as llm:
        for window, concurrency in ((1000, args.concurrency), (1000, 1), (0, args.concurrency), (0, 1)):
            with tempfile.TemporaryDirectory() as tmp:  # a fresh data dir: no cached answers
                settings = load_settings(
                    data_dir=tmp, llm_provider="openai", openai_base_url=llm.url, llm_model="standin",
                    llm_concurrency=concurrency, extract_window_tokens=window,
                )  # fmt: skip
                calls_before = llm.stats()["chat_calls"]
                wall, r = await ingest_once(settings, args.llm_meeting)
                rows.append((window, concurrency, wall, r, llm.stats()["chat_calls"] - calls_before))
    print(
        f"\n## LLM extraction of {args.llm_meeting}; a stand-in process answers in {args.delay_ms:.0f} ms\n"
    )
    print("| window | concurrency | chunks | LLM calls | extract s | floor s | extract overhead | wall s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for window, concurrency, wall, r, calls in rows:
        extract_s = r["stage_ms"]["extract"] / 1000
        floor = math.ceil(calls / concurrency) * args.delay_ms / 1000  # calls = extraction windows
        print(
            f"| {window or 'per chunk'} | {concurrency} | {r['chunks']} | {calls} | {extract_s:.2f} | "
            f"{floor:.2f} | {(extract_s - floor) / floor * 100:+.1f} % | {wall:.2f} |"
        )
    fast, slow, per_chunk = rows[0][2], rows[1][2], rows[2][2]
    print(f"\nParallel vs serial, whole pipeline: {slow / fast:.1f}× faster ({slow:.1f} s → {fast:.1f} s)")
    gain = f"{per_chunk / fast:.1f}× faster ({per_chunk:.1f} s → {fast:.1f} s)"
    print(f"Windows vs one call per chunk, parallel: {gain}")


if __name__ == "__main__":
    asyncio.run(main())

"""Ingest speed, printed as tables (a benchmark, not a test).

1. Offline (the default models): wall time, chunks/s and stage times to ingest the largest QMSum
   validation meeting.
2. With an OpenAI-compatible stand-in that answers after a fixed delay (default 500 ms): the same
   pipeline with KW_LLM_CONCURRENCY parallel calls vs a serial run (concurrency 1), per extraction
   window (the default) and per chunk (KW_EXTRACT_WINDOW_TOKENS=0), and the overhead of the extract
   stage beyond its floor, ceil(LLM calls / concurrency) × delay.

    .venv/bin/python bench/ingest.py [--meeting Bed015] [--llm-meeting ES2006a] [--delay-ms 500]
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
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from llm_standin import StandInProcess  # noqa: E402

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


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--meeting", default="Bed015", help="offline run (default: the largest validation meeting)"
    )
    parser.add_argument("--llm-meeting", default="ES2006a")
    parser.add_argument("--delay-ms", type=float, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

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

"""Server time of an offline question (retrieval + the extractive answer, no LLM), as a benchmark:
the examples ingested into a fresh data dir, every question of examples/eval/answers.json asked (the
standalone form of a follow-up), in `--rounds` passes: the first pass meets every passage for the
first time (the answerer has embedded nothing yet), later passes are a server that has answered
questions about these meetings before. Median and p95 per pass; each figure from `--runs` fresh
runs (median and range).

    .venv/bin/python bench/offline_answer.py [--runs 3] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.config import load_settings  # noqa: E402
from backend.ingest.pipeline import IngestRequest  # noqa: E402
from backend.retrieve.evidence import Question  # noqa: E402
from backend.runtime import open_runtime  # noqa: E402

CASES = ROOT / "examples" / "eval" / "answers.json"


def questions() -> list[str]:
    cases = json.loads(CASES.read_text())["cases"]
    return [turn.get("standalone") or turn["ask"] for case in cases for turn in case["turns"]]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def one_run(rounds: int) -> list[tuple[float, float]]:
    with tempfile.TemporaryDirectory() as data:
        runtime = await open_runtime(load_settings(data_dir=Path(data), worker_processes=0))
        try:
            for path in json.loads(CASES.read_text())["transcripts"]:
                file = (CASES.parent / path).resolve()
                job, _ = await runtime.ingest.submit(
                    IngestRequest(namespace="bench", title=file.stem, content=file.read_text())
                )
                await runtime.ingest.wait(job.id)
            passes = []
            for _ in range(rounds):
                took = []
                for text in questions():
                    started = time.perf_counter()
                    evidence = await runtime.retriever.retrieve("bench", Question(question=text))
                    async for _event in runtime.answerer.stream(text, evidence):
                        pass
                    took.append((time.perf_counter() - started) * 1000)
                passes.append((statistics.median(took), pct(took, 0.95)))
            return passes
        finally:
            await runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    runs = [asyncio.run(one_run(args.rounds)) for _ in range(args.runs)]
    print(f"{len(questions())} questions, {args.runs} runs: median [range] of each run's figure, ms")
    print("| pass | median | p95 |\n|---|---:|---:|")
    for i in range(args.rounds):
        medians = [run[i][0] for run in runs]
        p95s = [run[i][1] for run in runs]
        label = "first (nothing embedded yet)" if i == 0 else f"pass {i + 1}"
        print(
            f"| {label} | {statistics.median(medians):.0f} [{min(medians):.0f}–{max(medians):.0f}] "
            f"| {statistics.median(p95s):.0f} [{min(p95s):.0f}–{max(p95s):.0f}] |"
        )


if __name__ == "__main__":
    main()

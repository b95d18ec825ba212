"""Shared by every runner script (each runs inside its own system's venv, so only the standard
library here): arguments, the input texts, and the one JSON line a runner prints."""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True, help="the stand-in's OpenAI base URL (…/v1)")
    parser.add_argument("--api-key", required=True, help="names this caller in the stand-in's counts")
    parser.add_argument("--input", required=True, help="JSON list of {name, text}")
    parser.add_argument("--workdir", required=True)
    parser.add_argument(
        "--concurrency", type=int, default=0, help="parallel LLM calls; 0 = the system's default"
    )
    return parser.parse_args()


def texts(path: str) -> list[dict]:
    with open(path) as f:
        return json.load(f)


class Clock:
    def __enter__(self) -> Clock:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started


def report(wall_s: float, nodes: int, relations: int, concurrency: int, notes: str = "") -> None:
    # The runner or the largest process it started (GraphRAG indexes in a child process).
    peak_kb = max(
        resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    peak_mb = peak_kb / 1024
    line = {"wall_s": round(wall_s, 3), "nodes": nodes, "relations": relations, "concurrency": concurrency,
            "peak_rss_mb": round(peak_mb, 1), "notes": notes}  # fmt: skip
    print(json.dumps(line))
    sys.stdout.flush()

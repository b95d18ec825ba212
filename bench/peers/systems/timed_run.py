"""What every runner script does around its timed work (each runs inside its own system's venv, so only
the standard library here): its arguments, the input texts, the clock — wall time and the CPU seconds
of the runner, the processes it waited for and any server it names (our embedded FalkorDB) — and the
one JSON line a runner prints. Peak memory is measured from outside, by bench/peers/run.py."""

from __future__ import annotations

import argparse
import json
import os
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
    parser.add_argument(
        "--parallel-docs", type=int, default=4, help="documents ingested at once (where the system allows)"
    )
    return parser.parse_args()


def texts(path: str) -> list[dict]:
    with open(path) as f:
        return json.load(f)


def cpu_seconds(pids: tuple[int, ...] = ()) -> float:
    """User + system CPU of this process, the children it has waited for, and `pids` (other processes,
    read from /proc; a process that is gone counts 0)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def server_pids(workdir: str) -> tuple[int, ...]:
    """Servers a system started under its work dir, by their pid files (our FalkorDB's)."""
    from pathlib import Path

    return tuple(int(p.read_text()) for p in Path(workdir).rglob("falkordb.pid"))


class Clock:
    """Wall and CPU seconds of the timed work; `servers` are pids outside this process tree whose CPU
    is part of the work (read at the start and the end)."""

    def __init__(self, servers: tuple[int, ...] = ()) -> None:
        self.servers = servers

    def __enter__(self) -> Clock:
        self.cpu_started = cpu_seconds(self.servers)
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started
        self.cpu_s = cpu_seconds(self.servers) - self.cpu_started


def report(clock: Clock, nodes: int, relations: int, concurrency: int, notes: str = "", **extra) -> None:
    line = {"wall_s": round(clock.seconds, 3), "cpu_s": round(clock.cpu_s, 3), "nodes": nodes,
            "relations": relations, "concurrency": concurrency, "notes": notes, **extra}  # fmt: skip
    print(json.dumps(line))
    sys.stdout.flush()

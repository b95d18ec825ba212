"""What tracing costs a request: `POST /v1/retrieve` latency with all three exporters on (Phoenix,
Langfuse and X-Ray via OTLP, each to a local receiver that decodes what it gets) vs tracing off (no
provider: every span a no-op), same process, same graph, in many short alternating rounds so both
settings see the same machine (a shared 2-core VM drifts by ±10 % over a minute).

A traced round's clocks stop only when every span it made has been encoded and posted: exporting
runs on background threads that share the GIL with requests, and a round that left its export for
later would hide most of tracing's cost. Prints p50/p95/mean latency, time and CPU per request
(CPU of every thread in this process: server, exporters and the client), five estimates of the
overhead, the spans each backend received per traced request, and the CPU steal during the run.

    .venv/bin/python bench/tracing.py [--requests 1200] [--rounds 20]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.cli.demo import EXAMPLES  # noqa: E402
from backend.config import load_settings  # noqa: E402
from backend.ingest.files import EXTENSIONS  # noqa: E402
from backend.observability import tracing  # noqa: E402
from tests.support.live_server import free_port, live_server  # noqa: E402
from tests.support.sse import read_events  # noqa: E402

QUESTIONS = [
    "How long does the Atlas tracker battery last?",
    "What does Maritime Mutual want from the Northwind pilot?",
    "When do the trackers ship from Eindhoven?",
    "Who is building the SAP export?",
]


@dataclass
class Round:
    traced: bool
    latencies: list[float]  # ms, each request as the client saw it
    wall: float  # s, the whole round: for a traced round, until its spans are all exported
    cpu: float  # s of CPU, every thread of this process: server, exporters, and the client
    flush: float = 0.0  # s of `wall` after the last response, exporting what was left


def measure(api: str, n: int) -> list[float]:
    """With the standard library's client: httpx is instrumented in this process, and the client's own
    spans are not the server's overhead."""
    host, port = api.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    out = []
    for i in range(n):
        body = json.dumps({"question": QUESTIONS[i % len(QUESTIONS)]})
        started = time.perf_counter()
        connection.request("POST", "/v1/retrieve", body, {"content-type": "application/json"})
        response = connection.getresponse()
        response.read()
        out.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, response.status
    connection.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1200)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    port = free_port()
    sink_url = f"http://127.0.0.1:{port}"
    # the receivers run in their own process, as the real backends would: their CPU is not ours
    receiver = subprocess.Popen([sys.executable, "-m", "tests.support.otlp_sink", str(port)], cwd=ROOT)
    time.sleep(1.0)
    steal = cpu_steal()
    try:
        run(args, sink_url)
    finally:
        receiver.terminate()
    if steal is not None and (now := cpu_steal()) is not None:
        print(f"CPU stolen by the hypervisor during the run: {steal_share(steal, now):.1f} %")


def cpu_steal() -> tuple[int, int] | None:
    """(steal, total) jiffies from /proc/stat: on a shared VM, steal moves these ratios by percents."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return (fields[7] if len(fields) > 7 else 0), sum(fields)


def steal_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    return 100 * (after[0] - before[0]) / max(after[1] - before[1], 1)


def run(args, sink_url: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            data_dir=tmp,
            phoenix_endpoint=sink_url,
            langfuse_host=sink_url,
            langfuse_public_key="pk-bench",
            langfuse_secret_key="sk-bench",  # noqa: S106 — a local receiver
            xray_mode="otlp",
            xray_otlp_endpoint=f"{sink_url}/xray/v1/traces",
        )
        with live_server(settings) as api, httpx.Client(base_url=api, timeout=30) as client:
            for path in sorted(p for p in EXAMPLES.iterdir() if p.suffix in EXTENSIONS):
                job = client.post(
                    "/v1/transcripts", json={"content": path.read_text(), "title": path.stem}
                ).json()
                read_events(f"{api}/v1/jobs/{job['job_id']}/events")
            measure(api, 50)  # warm-up
            before = httpx.get(f"{sink_url}/counts").json()
            n, rounds = args.requests // args.rounds, []
            for i in range(args.rounds):  # which setting goes first alternates: neither gets the warm slot
                if i % 2:
                    rounds.append((untraced_round(api, n), traced_round(api, settings, n)))
                else:
                    rounds.append((traced_round(api, settings, n), untraced_round(api, n)))
            received = httpx.get(f"{sink_url}/counts").json()
    report(args, rounds, {path: count - before.get(path, 0) for path, count in sorted(received.items())})


def traced_round(api: str, settings, n: int) -> Round:
    tracing.setup_tracing(settings)
    started, cpu = time.perf_counter(), time.process_time()
    latencies = measure(api, n)
    flushing = time.perf_counter()
    tracing.flush()  # the clocks stop when every span of the round is encoded and posted
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    tracing.shutdown()
    return Round(True, latencies, wall, cpu, wall - (flushing - started))


def untraced_round(api: str, n: int) -> Round:
    started, cpu = time.perf_counter(), time.process_time()
    latencies = measure(api, n)
    return Round(False, latencies, time.perf_counter() - started, time.process_time() - cpu)


def ratio(pairs: list[tuple[Round, Round]], field: str, pooled: bool = False) -> float:
    if pooled:
        return sum(getattr(a, field) for a, _ in pairs) / sum(getattr(b, field) for _, b in pairs)
    return statistics.median(getattr(a, field) / getattr(b, field) for a, b in pairs)


def report(args, rounds: list[tuple[Round, Round]], delivered: dict[str, int]) -> None:
    pairs = [(a, b) if a.traced else (b, a) for a, b in rounds]
    on = [x for traced, _ in pairs for x in traced.latencies]
    off = [x for _, untraced in pairs for x in untraced.latencies]
    print(f"\n`POST /v1/retrieve`, {args.requests} requests per setting, {args.rounds} alternating rounds\n")
    print("| tracing | p50 ms | p95 ms | mean ms | round time / request, ms | CPU / request, ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, values, rounds_of in (
        ("off (no-op spans)", off, [b for _, b in pairs]),
        ("on: Phoenix + Langfuse + X-Ray (OTLP)", on, [a for a, _ in pairs]),
    ):
        ordered = sorted(values)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        wall = sum(r.wall for r in rounds_of) / len(values) * 1000
        cpu = sum(r.cpu for r in rounds_of) / len(values) * 1000
        print(f"| {label} | {statistics.median(values):.1f} | {p95:.1f} | {statistics.mean(values):.1f} "
              f"| {wall:.2f} | {cpu:.2f} |")  # fmt: skip
    estimates = {
        "round time (export included), all rounds": ratio(pairs, "wall", pooled=True),
        "round time, median of the pairs' ratios": ratio(pairs, "wall"),
        "CPU (export included), all rounds": ratio(pairs, "cpu", pooled=True),
        "CPU, median of the pairs' ratios": ratio(pairs, "cpu"),
        "median request latency": statistics.median(on) / statistics.median(off),
    }
    print()
    for name, value in estimates.items():
        print(f"Overhead, {name + ':':<44} {(value - 1) * 100:+.1f} %")
    flush = statistics.mean(a.flush for a, _ in pairs) * 1000
    print(f"(of a traced round's time, its final flush: {flush:.1f} ms per {len(on) // len(pairs)} requests)")
    # proof the traced rounds really exported: every span of every traced request, at every backend
    print("\nSpans received per traced request: " + ", ".join(
        f"{path} {count / len(on):.1f}" for path, count in delivered.items()))  # fmt: skip


if __name__ == "__main__":
    main()

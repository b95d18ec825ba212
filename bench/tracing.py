"""What tracing costs a request: `POST /v1/retrieve` latency with all three exporters on (Phoenix,
Langfuse and X-Ray via OTLP, each to a local receiver that decodes what it gets) vs tracing off (no
provider: every span a no-op), same process, same graph, in many short rounds so every setting sees
the same machine (a shared 2-core VM drifts by ±10 % over a minute). Traced rounds come in two arms,
the same provider, sampler, ids, `BatchSpanProcessor` and OTLP encoder/exporter in both: `lean`, our
`LeanSpan` (observability/spans.py), and `sdk`, the SDK's own tracer and span; each round runs
off, lean and sdk in a rotating order.

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

from opentelemetry.sdk.trace import TracerProvider  # noqa: E402

from backend.cli.demo import EXAMPLES  # noqa: E402
from backend.config import load_settings  # noqa: E402
from backend.ingest.files import EXTENSIONS  # noqa: E402
from backend.observability import tracing  # noqa: E402
from backend.observability.spans import LeanTracerProvider  # noqa: E402
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
    latencies: list[float]  # ms, each request as the client saw it
    wall: float  # s, the whole round: for a traced round, until its spans are all exported
    cpu: float  # s of CPU, every thread of this process: server, exporters, and the client
    flush: float = 0.0  # s of `wall` after the last response, exporting what was left
    arm: str = "off"  # "off" (no-op spans) | "lean" | "sdk"

    @property
    def traced(self) -> bool:
        return self.arm != "off"


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
            for i in range(args.rounds):  # the order rotates: no arm always gets the warm slot
                order = ARMS[i % 3 :] + ARMS[: i % 3]
                done = {arm: one_round(api, settings, n, arm) for arm in order}
                rounds.append(tuple(done[arm] for arm in ARMS))
            received = httpx.get(f"{sink_url}/counts").json()
    report(args, rounds, {path: count - before.get(path, 0) for path, count in sorted(received.items())})


ARMS = ("off", "lean", "sdk")
PROVIDERS = {"lean": LeanTracerProvider, "sdk": TracerProvider}


def one_round(api: str, settings, n: int, arm: str) -> Round:
    if arm != "off":
        tracing.setup_tracing(settings, PROVIDERS[arm])
    started, cpu = time.perf_counter(), time.process_time()
    latencies = measure(api, n)
    flushing = time.perf_counter()
    if arm != "off":
        tracing.flush()  # the clocks stop when every span of the round is encoded and posted
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if arm != "off":
        tracing.shutdown()
    return Round(latencies, wall, cpu, wall - (flushing - started), arm)


def ratio(pairs: list[tuple[Round, Round]], field: str, pooled: bool = False) -> float:
    if pooled:
        return sum(getattr(a, field) for a, _ in pairs) / sum(getattr(b, field) for _, b in pairs)
    return statistics.median(getattr(a, field) / getattr(b, field) for a, b in pairs)


def percent(ratio: float) -> str:
    return f"{(ratio - 1) * 100:+.1f} %"


def median_latency(rounds: list[Round]) -> float:
    return statistics.median(x for r in rounds for x in r.latencies)


def report(args, rounds: list[tuple[Round, Round, Round]], delivered: dict[str, int]) -> None:
    print(f"\n`POST /v1/retrieve`, {args.requests} requests per setting, {args.rounds} rotating rounds\n")
    print("| tracing | p50 ms | p95 ms | mean ms | round time / request, ms | CPU / request, ms |")
    print("|---|---:|---:|---:|---:|---:|")
    labels = {
        "off": "off (no-op spans)",
        "lean": "on, LeanSpan: Phoenix + Langfuse + X-Ray (OTLP)",
        "sdk": "on, SDK span: Phoenix + Langfuse + X-Ray (OTLP)",
    }
    for i, arm in enumerate(ARMS):
        rounds_of = [r[i] for r in rounds]
        values = sorted(x for r in rounds_of for x in r.latencies)
        p95 = values[int(0.95 * (len(values) - 1))]
        wall = sum(r.wall for r in rounds_of) / len(values) * 1000
        cpu = sum(r.cpu for r in rounds_of) / len(values) * 1000
        mean = statistics.mean(values)
        print(f"| {labels[arm]} | {statistics.median(values):.1f} | {p95:.1f} | {mean:.1f} "
              f"| {wall:.2f} | {cpu:.2f} |")  # fmt: skip
    off, lean, sdk = ([r[i] for r in rounds] for i in range(3))
    print()
    for name, a, b in (("lean vs off", lean, off), ("sdk vs off", sdk, off), ("sdk vs lean", sdk, lean)):
        pairs = list(zip(a, b, strict=True))
        latency = median_latency(a) / median_latency(b)
        wall, pooled = percent(ratio(pairs, "wall")), percent(ratio(pairs, "wall", True))
        print(f"{name}: round time {wall} (pooled {pooled}), "
              f"CPU {percent(ratio(pairs, 'cpu'))} (pooled {percent(ratio(pairs, 'cpu', True))}), "
              f"median latency {percent(latency)}")  # fmt: skip
    traced = [x for r in lean + sdk for x in r.latencies]
    # proof the traced rounds really exported: every span of every traced request, at every backend
    print("\nSpans received per traced request: " + ", ".join(
        f"{path} {count / len(traced):.1f}" for path, count in delivered.items()))  # fmt: skip


if __name__ == "__main__":
    main()

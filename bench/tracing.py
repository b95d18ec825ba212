"""What tracing costs a request: `POST /v1/retrieve` latency with all three exporters on (Phoenix,
Langfuse and X-Ray via OTLP, each to a local receiver that decodes what it gets) vs tracing off (no
provider: every span a no-op), same process, same graph, in many short alternating rounds so both
settings see the same machine (a shared 2-core VM drifts by ±10 % over a minute). Prints a table and
two estimates: the ratio of the pooled medians, and the median of each round's ratio to the round
beside it.

    .venv/bin/python bench/tracing.py [--requests 1200] [--rounds 40]
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
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.config import load_settings  # noqa: E402
from backend.demo import EXAMPLES  # noqa: E402
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
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    port = free_port()
    sink_url = f"http://127.0.0.1:{port}"
    # the receivers run in their own process, as the real backends would: their CPU is not ours
    receiver = subprocess.Popen([sys.executable, "-m", "tests.support.otlp_sink", str(port)], cwd=ROOT)
    time.sleep(1.0)
    try:
        run(args, sink_url)
    finally:
        receiver.terminate()


def run(args, sink_url: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            data_dir=tmp,
            phoenix_endpoint=sink_url,
            langfuse_host=sink_url,
            langfuse_public_key="pk-bench",
            langfuse_secret_key="sk-bench",  # noqa: S106 — a local receiver
            xray_mode="otlp",
            xray_otlp_endpoint=f"{sink_url}/v1/traces",
        )
        with live_server(settings) as api, httpx.Client(base_url=api, timeout=30) as client:
            for path in sorted(p for p in EXAMPLES.iterdir() if p.suffix in EXTENSIONS):
                job = client.post(
                    "/v1/transcripts", json={"content": path.read_text(), "title": path.stem}
                ).json()
                read_events(f"{api}/v1/jobs/{job['job_id']}/events")
            measure(api, 50)  # warm-up
            on, off, paired = [], [], []
            n = args.requests // args.rounds
            for _ in range(args.rounds):
                tracing.setup_tracing(settings)
                traced = measure(api, n)
                tracing.shutdown()  # flushes: the exporters' work lands in the traced round
                untraced = measure(api, n)
                on += traced
                off += untraced
                paired.append(statistics.median(traced) / statistics.median(untraced))
    print(f"\n`POST /v1/retrieve`, {args.requests} requests per setting, {args.rounds} alternating rounds\n")
    print("| tracing | p50 ms | p95 ms | mean ms |")
    print("|---|---:|---:|---:|")
    for label, values in (("off (no-op spans)", off), ("on: Phoenix + Langfuse + X-Ray (OTLP)", on)):
        ordered = sorted(values)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        print(f"| {label} | {statistics.median(values):.1f} | {p95:.1f} | {statistics.mean(values):.1f} |")
    ratio = statistics.median(on) / statistics.median(off)
    print(f"\nOverhead (median on / off): {(ratio - 1) * 100:+.1f} %")
    print(f"Overhead (median of per-round ratios): {(statistics.median(paired) - 1) * 100:+.1f} %")


if __name__ == "__main__":
    main()

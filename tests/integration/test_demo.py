"""The README's main job, `weaver demo`, run as a presenter runs it (the local Phoenix aside, which
the tracing tests start): it ingests the examples, answers its questions with citations, and keeps
the terminal for the walkthrough — the JSON log lines, each with its trace id, go to a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_answers_with_citations_and_keeps_logs_out_of_the_terminal(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KW_")}
    env["KW_DATA_DIR"] = str(tmp_path / "data")
    command = [sys.executable, "-m", "backend.cli", "demo", "--no-serve", "--no-phoenix"]
    done = subprocess.run(
        [*command, "--port", str(free_port())],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert out.count("\nQ: ") == 3 and out.count("extractive answer") == 3
    assert "Eindhoven" in out and "[1]" in out  # an answer quoting what was said, with its citation
    log_file = tmp_path / "data" / "logs" / "demo.jsonl"
    assert f"logs       {log_file}" in out
    terminal = (out + done.stderr).splitlines()
    assert not [line for line in terminal if line.lstrip().startswith('{"ts"')]
    records = [json.loads(line) for line in log_file.read_text().splitlines()]
    requests = [r for r in records if r["message"] == "request"]
    assert any(r["path"] == "/v1/query" and r["status"] == 200 for r in requests)
    assert all(len(r["trace_id"]) == 32 for r in requests)

"""What `weaver ingest` and `weaver ask` put on a person's terminal: progress and answers, no JSON log
lines (those go to the data dir's logs), and warnings still shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "customer-call.srt"


def weaver(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "KW_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        capture_output=True, text=True, env=env, timeout=600, input=stdin,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def json_lines(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        try:
            if isinstance(json.loads(line), dict):
                found.append(line)
        except ValueError:
            pass
    return found


def test_ingest_and_ask_keep_log_lines_off_the_terminal(tmp_path):
    ingest = weaver(tmp_path, "ingest", str(EXAMPLE), "--namespace", "demo")
    assert "done: " in ingest.stdout + ingest.stderr
    ask = weaver(tmp_path, "ask", "Who raises the SAP export?", "--namespace", "demo")
    assert "[1]" in ask.stdout
    for done in (ingest, ask):
        assert json_lines(done.stdout + done.stderr) == []
    logged = (tmp_path / "logs" / "ingest.jsonl").read_text()
    assert any(json.loads(line).get("message") == "ingest done" for line in logged.splitlines())


def test_asking_an_empty_namespace_says_which_ones_hold_transcripts(tmp_path):
    weaver(tmp_path, "ingest", str(EXAMPLE), "--namespace", "demo")
    asked = weaver(tmp_path, "ask", "Who raises the SAP export?")  # KW_DEFAULT_NAMESPACE: default
    assert (
        "namespace 'default' holds no transcripts; these do: 'demo' (1) — e.g. --namespace demo"
        in asked.stderr
    )
    chat = weaver(tmp_path, "chat", stdin="/quit\n")
    assert "e.g. --namespace demo" in chat.stderr
    there = weaver(tmp_path, "ask", "Who raises the SAP export?", "--namespace", "demo")
    assert "holds no transcripts" not in there.stderr


def test_a_model_that_fails_is_a_line_on_the_terminal_not_a_traceback(tmp_path):
    from tests.support.llm_standins import Script, openai_handler, serve

    script = Script(known={"Northwind": "Organization"}, answer_status=503)
    with serve(openai_handler(script)) as llm:
        env = {**os.environ, "KW_DATA_DIR": str(tmp_path), "KW_LLM_PROVIDER": "openai",
               "KW_OPENAI_BASE_URL": f"{llm.url}/v1", "KW_LLM_MAX_RETRIES": "0"}  # fmt: skip

        def run(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [sys.executable, "-m", "backend.cli", *args],
                capture_output=True,
                text=True,
                env=env,
                timeout=600,
            )

        assert run("ingest", str(EXAMPLE), "--namespace", "demo").returncode == 0  # extraction answers
        asked = run("ask", "Who raises the SAP export?", "--namespace", "demo")
        # in a chat, a failed question is a line and the conversation goes on
        chat = subprocess.run(
            [sys.executable, "-m", "backend.cli", "chat", "--namespace", "demo"],
            capture_output=True, text=True, env=env, timeout=600,
            input="Who raises the SAP export?\n/history\n/quit\n",
        )  # fmt: skip
    assert asked.returncode == 1 and "Traceback" not in asked.stderr, asked.stderr
    assert "weaver ask: openai answered 503" in asked.stderr  # the operator's own terminal: the reason
    assert chat.returncode == 0 and "Traceback" not in chat.stderr, chat.stderr
    assert "(no answer: openai answered 503" in chat.stdout and "Continue later with" in chat.stdout


def test_ask_within_one_transcript_by_its_title(tmp_path):
    examples = EXAMPLE.parent
    weaver(tmp_path, "ingest", str(EXAMPLE), str(examples / "product-sync.vtt"), "--namespace", "demo")
    question = ["ask", "What was said about the SAP export?", "--namespace", "demo", "--k", "10"]
    everywhere = weaver(tmp_path, *question)
    # the answer quotes both calls, and says how to ask within one of them
    assert "(from 2 transcripts: " in everywhere.stdout
    assert "`--in TITLE` asks within one)" in everywhere.stdout
    within = weaver(tmp_path, *question, "--in", "Product-Sync")  # titles match whatever their case
    rows = [line for line in within.stdout.splitlines() if line.startswith("[")]
    assert rows and all("product-sync" in row for row in rows), within.stdout
    assert "(from " not in within.stdout
    asked = f"{question[1]}\n/quit\n"
    chat = weaver(tmp_path, "chat", "--namespace", "demo", "--in", "product-sync", stdin=asked)
    rows = [line for line in chat.stdout.splitlines() if line.startswith("[") and "turn" not in line]
    assert rows and all("product-sync" in row for row in rows), chat.stdout
    env = {**os.environ, "KW_DATA_DIR": str(tmp_path)}
    unknown = subprocess.run(
        [sys.executable, "-m", "backend.cli", *question, "--in", "board meeting"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert unknown.returncode == 1
    assert "no transcript titled 'board meeting' in namespace 'demo'" in unknown.stderr


def test_a_listing_piped_into_head_ends_quietly(tmp_path):
    """`weaver settings | head -1`: head leaves after its line. Here the reader is gone before weaver
    writes anything, so every write meets a closed pipe, as the later writes do behind `head`."""
    env = {**os.environ, "KW_DATA_DIR": str(tmp_path)}
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "backend.cli", "settings"],
            stdout=write, stderr=subprocess.PIPE, env=env, timeout=300,
        )  # fmt: skip
    finally:
        os.close(write)
    err = done.stderr.decode()
    assert done.returncode == 0 and "Traceback" not in err and "BrokenPipe" not in err, err

"""The conversation in the terminal, as a user runs it: `weaver ask --session new`, then a follow-up
with the printed id, then `weaver chat --session` for the third question and `/history`. Each command
is its own process, so the conversation lives in the data dir between them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from backend.ingest.files import EXTENSIONS
from tests.support.conversation import THREE_TURNS, citation_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def weaver(data_dir: Path, *args: str, stdin: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KW_")}
    env["KW_DATA_DIR"] = str(data_dir)
    done = subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def cited_transcript(out: str, fact: str) -> str:
    """The transcript of the citations table row the fact's [n] points at."""
    n = citation_for(out, fact)
    row = next(line for line in out.splitlines() if line.startswith(f"[{n}] "))
    return row.split()[1]


def check(out: str, turn: int) -> None:
    _, standalone, facts = THREE_TURNS[turn]
    if standalone:
        assert f"understood as: {standalone}]" in out, out
    for fact, _, title in facts:
        assert cited_transcript(out, fact) == title, out


def test_a_conversation_across_cli_commands(tmp_path):
    data = tmp_path / "data"
    files = sorted(str(p) for p in (ROOT / "examples").iterdir() if p.suffix in EXTENSIONS)
    weaver(data, "ingest", *files, "--namespace", "demo")

    first = weaver(data, "ask", THREE_TURNS[0][0], "--session", "new", "--namespace", "demo")
    check(first, 0)
    session_id = re.search(r"continue: weaver ask --session (ses_[0-9a-f]{32})", first).group(1)

    second = weaver(data, "ask", THREE_TURNS[1][0], "--session", session_id)  # its namespace: the session's
    assert f"[{session_id} · turn 2 · understood as" in second
    check(second, 1)

    chat = weaver(data, "chat", "--session", session_id, stdin=f"{THREE_TURNS[2][0]}\n/history\n")
    check(chat, 2)
    history = chat.split("you> ")[-2]
    assert [
        line.split(". ", 1)[1].split("  (")[0] for line in history.splitlines() if re.match(r"\d\. ", line)
    ] == [q for q, _, _ in THREE_TURNS]
    assert f"weaver chat --session {session_id}" in chat

"""The peer benchmark's smoke run (bench/peers/run.py --smoke): one 300-word transcript through
KnowledgeWeaver and neo4j-graphrag (the peer that installs fastest) against the LLM stand-in, both
building a graph from the same stand-in answers. The full benchmark is `bench/peers/run.py`; its
results are in bench/peers/RESULTS.md. Nothing is installed here: the test runs when the peer's
environment has been built (by a benchmark run, `.venv/bin/python bench/peers/run.py --smoke`) and
skips saying so otherwise, so `make test` never reaches a package index."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.qmsum import meeting_path

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
PEER = "neo4j-graphrag"


def skip_unless_built(system: str) -> None:
    """The peer's virtual environment and the offline tiktoken files, as bench/peers/envs.py leaves them."""
    sys.path.insert(0, str(ROOT / "bench" / "peers"))
    try:
        import envs
    finally:
        sys.path.remove(str(ROOT / "bench" / "peers"))
    marker = envs.WORK / system / ".installed"
    built = marker.is_file() and marker.read_text() == "\n".join(envs.PACKAGES[system])
    cached = any((envs.WORK / "tiktoken-cache").glob("fb374d41*"))  # what envs.tiktoken_cache looks for
    if not built or not cached:
        pytest.skip(
            f"{system}'s environment is not built: `.venv/bin/python bench/peers/run.py --smoke` builds it"
        )


def test_smoke_run_compares_us_with_a_peer_on_the_same_stand_in(tmp_path):
    meeting_path("ES2006a")  # skips with the reason when the QMSum data is absent
    skip_unless_built(PEER)
    output = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "peers" / "run.py"), "--smoke",
         "--systems", f"knowledgeweaver,{PEER}", "--output", str(output)],
        capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    lines = output.read_text().splitlines()
    header = [
        c.strip() for c in next(line for line in lines if line.startswith("| system")).strip("|").split("|")
    ]
    rows = {line.split("|")[1].strip(): line for line in lines
            if line.startswith("| knowledgeweaver") or line.startswith("| neo4j-graphrag")}  # fmt: skip
    assert set(rows) == {"knowledgeweaver", "neo4j-graphrag"}, output.read_text()
    for line in rows.values():
        cells = dict(zip(header, (c.strip() for c in line.strip("|").split("|")), strict=True))
        assert "failed" not in line, line
        assert int(cells["chat calls"]) > 0 and int(cells["nodes"]) > 0 and int(cells["relations"]) > 0, line
        assert re.fullmatch(r"\d+\.\d{2}", cells["wall s, median (range)"]), line
        assert float(cells["CPU s, median (range)"]) > 0, line
        assert int(cells["peak RSS MB (sum)"]) > 0, line

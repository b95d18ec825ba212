"""`weaver eval turns` on one QMSum meeting: the report has every mode, and its numbers mean what they
say (recall and MRR in [0, 1]; vector and hybrid retrieval find most relevant spans)."""

from __future__ import annotations

import pytest

from backend.config import load_settings
from backend.domain import Citation
from backend.evaluate import evaluate_turns, report, score
from backend.retrieve.models import Mode
from backend.runtime import open_runtime
from tests.support.qmsum import meeting_path

pytestmark = pytest.mark.integration


def citation(start: int, end: int) -> Citation:
    return Citation(transcript_id="t", title="", chunk_id="c", text="", speakers=[], start_s=None, end_s=None,
                    turn_start=start, turn_end=end, score=0.0)  # fmt: skip


def test_scoring_counts_overlapping_spans_and_the_first_hit():
    spans = [(10, 12), (40, 45)]
    assert score([citation(0, 5), citation(11, 20), citation(44, 50)], spans) == (1.0, 0.5)
    assert score([citation(0, 5)], spans) == (0.0, 0.0)
    assert score([citation(12, 12)], spans) == (0.5, 1.0)


async def test_eval_reports_every_mode_on_a_real_meeting(tmp_path):
    runtime = await open_runtime(load_settings(data_dir=tmp_path))
    try:
        scores = await evaluate_turns(runtime, [meeting_path("ES2006a")], k=10, log=lambda _: None)
    finally:
        await runtime.close()
    table = report(scores, 10)
    assert all(f"| {mode.value} |" in table for mode in Mode)
    for mode_scores in scores.values():
        assert len(mode_scores.recalls) == 6  # the meeting's six specific questions
        assert all(0.0 <= r <= 1.0 for r in mode_scores.recalls + mode_scores.reciprocal_ranks)
    assert sum(scores[Mode.VECTOR].recalls) / 6 >= 0.5
    assert sum(scores[Mode.HYBRID].recalls) / 6 >= 0.5

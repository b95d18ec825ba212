"""`weaver eval turns` on three QMSum meetings in one namespace (the realistic setting, the default):
the report has every mode and every column, and its numbers mean what they say (recall and MRR in
[0, 1]; hybrid retrieval finds its spans among all three meetings' chunks)."""

from __future__ import annotations

import pytest

from backend.config import load_settings
from backend.domain import Citation
from backend.evaluate import TUNING, evaluate_turns, half_of, report, score
from backend.retrieve.evidence import Mode
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


def test_the_split_is_fixed_and_covers_every_series():
    names = [p.stem for p in sorted(meeting_path("ES2006a").parent.glob("*.json"))]
    tuning = [n for n in names if n in TUNING]
    assert len(tuning) == 18 and len(names) - len(tuning) == 17
    for series in ("B", "ES", "IS", "TS", "covid", "education"):
        halves = {half_of(meeting_path(n)) for n in names if n.startswith(series)}
        assert halves == {"tune", "report"}, series


async def test_eval_reports_every_mode_with_all_meetings_in_one_namespace(tmp_path):
    meetings = [meeting_path(name) for name in ("ES2006a", "IS1006a", "TS3010a")]
    runtime = await open_runtime(load_settings(data_dir=tmp_path))
    try:
        scores = await evaluate_turns(runtime, meetings, (5, 10), half="all", log=lambda _: None)
        together = await runtime.store.list_transcripts("eval", limit=10)
        within = await evaluate_turns(
            runtime, meetings, (10,), half="all", modes=(Mode.HYBRID,), within_meeting=True,
            log=lambda _: None,
        )  # fmt: skip
        named = await evaluate_turns(
            runtime, meetings, (10,), half="all", modes=(Mode.HYBRID,), name_meeting=True,
            log=lambda _: None,
        )  # fmt: skip
    finally:
        await runtime.close()
    assert len(together) == 3  # one namespace holds all three meetings
    table = report(scores)
    assert all(f"| {mode.value} |" in table for mode in Mode)
    assert "recall@5 | recall@10 | MRR | meeting@1 | words/question | p50 ms | p95 ms" in table
    questions = 6 + 6 + 2  # the three meetings' specific questions
    for mode_scores in scores.values():
        assert len(mode_scores.reciprocal_ranks) == questions
        assert all(0.0 <= r <= 1.0 for r in mode_scores.recalls[10] + mode_scores.reciprocal_ranks)
        assert len(mode_scores.meeting_first) == questions
        assert all(a <= b for a, b in zip(mode_scores.recalls[5], mode_scores.recalls[10], strict=True))
        assert all(0 < words <= 3000 for words in mode_scores.context_words)
    hybrid = scores[Mode.HYBRID].recalls[10]
    assert sum(hybrid) / questions >= 0.5
    # a first citation from another meeting scores no reciprocal rank of 1
    assert all(
        rr < 1.0
        for rr, first in zip(
            scores[Mode.HYBRID].reciprocal_ranks, scores[Mode.HYBRID].meeting_first, strict=True
        )
        if not first
    )
    # asked within its own meeting (the same namespace), every question's first citation is from it
    assert all(within[Mode.HYBRID].meeting_first)
    assert sum(within[Mode.HYBRID].recalls[10]) >= sum(hybrid)
    # naming its meeting in the question ("In ES2006a: …") asks within it too
    assert all(named[Mode.HYBRID].meeting_first)
    assert sum(named[Mode.HYBRID].recalls[10]) >= sum(hybrid)

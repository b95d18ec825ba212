"""A job's progress as its followers and the job store see it: the pipeline's reports of each stage's
done/total, weighted by the stage's share of the job, sampled into the store and published as events.
"""

from __future__ import annotations

import time

from backend.speech import stage as transcription_stage

from . import pipeline
from .events import JobEvents
from .job_store import JobStore
from .request import IngestRequest

_SAVE_EVERY_S = 0.25  # progress is written to the job store at most this often (and on every stage change)


def stage_weights(request: IngestRequest) -> dict[str, float]:
    """Each stage's share of the job's 0..1 progress; a recording spends about half of it listening."""
    if request.audio is None:
        return pipeline.STAGES
    return {
        transcription_stage.STAGE: 0.5,
        **{stage: share * 0.5 for stage, share in pipeline.STAGES.items()},
    }


class JobProgress:
    """Turns pipeline reports into job progress: a stage's share of the job times its done/total."""

    def __init__(
        self, job_id: str, jobs: JobStore, events: JobEvents, weights: dict[str, float], owner: str
    ) -> None:
        self.job_id, self.jobs, self.events, self.owner = job_id, jobs, events, owner
        self.weights = weights
        self.fractions: dict[str, float] = {}
        self.counts: dict[str, tuple[int, int]] = {}
        self.stage = ""
        self.progress = 0.0
        self._saved_at = 0.0

    async def report(self, stage: str, done: float, total: float) -> None:
        self.counts[stage] = (done, total)
        # A stage's total can grow (`embed` counts the chunks during extraction, then the names
        # resolution found), so its fraction can fall; the job's progress never does.
        self.fractions[stage] = done / total if total else 1.0
        progress = sum(self.weights[s] * f for s, f in self.fractions.items())
        self.progress = max(self.progress, min(progress, 0.999))  # 1.0 only when the job is done
        # Stages overlap (chunks are embedded during extraction): the job's stage is the first one, in
        # the pipeline's order, not yet done, started or not. Every stage reports, so none is skipped;
        # every stage's own counts travel with each event.
        current = next((s for s in self.weights if self.fractions.get(s, 0.0) < 1.0), stage)
        changed = current != self.stage
        self.stage = current
        data = {
            "job_id": self.job_id,
            "stage": current,
            "progress": round(self.progress, 4),
            "counts": {s: {"done": d, "total": t} for s, (d, t) in self.counts.items()},
        }
        if changed:
            await self.events.publish(self.job_id, "stage", data)
        # a stage's last count always reaches followers, whatever the sampling
        await self.events.publish(self.job_id, "progress", data, keep=total > 0 and done >= total)
        now = time.monotonic()
        if changed or now - self._saved_at >= _SAVE_EVERY_S:
            self._saved_at = now
            await self.jobs.update(self.job_id, owner=self.owner, stage=current, progress=self.progress)

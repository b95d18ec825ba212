"""What a job's followers see as its stage: each stage once, in the pipeline's order, while the stages
overlap (chunks are embedded during extraction, names after resolution). Before, `embed` showed twice
(between extraction and resolution, its chunk counts already complete, and again after resolution)."""

from __future__ import annotations

from backend.ingest.events import JobEvents
from backend.ingest.job_progress import JobProgress
from backend.ingest.pipeline import STAGES
from backend.ingest.sqlite_jobs import SqliteJobStore

# The reports of a three-chunk transcript with 19 names, as pipeline.run makes them: chunk vectors land
# during extraction; the names join `embed`'s total as resolution ends.
REPORTS = [
    ("parse", 1, 1),
    ("chunk", 1, 1),
    ("extract", 0, 3),
    ("embed", 2, 3),
    ("extract", 1, 3),
    ("embed", 3, 3),
    ("extract", 3, 3),
    ("resolve", 0, 1),
    ("embed", 3, 22),
    ("resolve", 1, 1),
    ("embed", 10, 22),
    ("embed", 22, 22),
    ("write", 0, 79),
    ("write", 79, 79),
]


async def followed(tmp_path, reports) -> list[tuple[str, dict]]:
    jobs = SqliteJobStore(tmp_path / "jobs.sqlite3")
    job = await jobs.create("default", "ingest", "tr_1", {"content": "x"})
    progress = JobProgress(job.id, jobs, JobEvents(jobs), STAGES, owner="w")
    for stage, done, total in reports:
        await progress.report(stage, done, total)
    return [(event, data) for _, event, data in await jobs.events_after(job.id, 0)]


async def test_each_stage_is_shown_once_in_the_pipelines_order(tmp_path):
    events = await followed(tmp_path, REPORTS)
    shown = [data["stage"] for event, data in events if event == "stage"]
    assert shown == ["chunk", "extract", "resolve", "embed", "write"]
    # while the chunks were embedded beside extraction, the job's stage stayed `extract`
    during = [d for e, d in events if e == "progress" and d["counts"].get("embed") == {"done": 3, "total": 3}]
    assert during and {d["stage"] for d in during} <= {"extract", "resolve"}
    # the names' embeddings are counted under `embed`, with the chunks'
    assert events[-1][1]["counts"]["embed"] == {"done": 22, "total": 22}
    # and the progress figure never goes back, though `embed`'s share fell when its total grew
    figures = [d["progress"] for e, d in events if e == "progress"]
    assert figures == sorted(figures) and figures[-1] < 1.0

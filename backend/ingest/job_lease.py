"""A job run under its lease: the lease renewed while it runs, the run stopped if the lease is lost, and
the job handed back at once if its worker is stopped (cleanly: a deploy, a restart)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine

from backend.domain import JobStatus

from .events import JobEvents
from .job_store import JobStore

log = logging.getLogger(__name__)


async def run_leased(
    jobs: JobStore,
    events: JobEvents,
    owner: str,
    job_id: str,
    lease_s: float,
    job: Coroutine,
    went_round: Callable[[], None],
) -> None:
    """Run `job` while renewing its lease every third of it (`went_round` after each look); stop
    working on it if the lease is lost. Stopped (the process shutting down cleanly), the job goes back
    to the queue at once, its attempt not counted: a deploy or a restart does not use up a job's
    attempts or wait out its lease."""
    run = asyncio.create_task(job)
    try:
        while not run.done():
            await asyncio.wait({run}, timeout=lease_s / 3)
            went_round()
            if not run.done() and not await jobs.renew(job_id, owner, lease_s):
                if await _ending(jobs, job_id):  # it ended between the wait and the renewal
                    break
                log.warning("lost the lease of a job; another worker has it", extra={"job_id": job_id})
                run.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await run
                return
    except asyncio.CancelledError:
        run.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await run
        await hand_back(jobs, events, owner, job_id, reason="its worker stopped; it runs again")
        raise
    await run


async def _ending(jobs: JobStore, job_id: str) -> bool:
    """Whether the job's row says it ended (the run is publishing its end): a renewal fails then too,
    and cancelling the run would cut its end event off."""
    job = await jobs.get(job_id)
    return job is not None and job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


async def hand_back(jobs: JobStore, events: JobEvents, owner: str, job_id: str, *, reason: str) -> None:
    """The job back in the queue at once, its attempt not counted, and its followers told why."""
    try:
        if not await jobs.hand_back(job_id, owner):
            return
    except Exception:  # the store is away too: the lease runs out instead, as after a crash
        log.warning("could not hand a job back; it runs again when its lease ends", extra={"job_id": job_id})
        return
    log.info("job handed back", extra={"job_id": job_id, "reason": reason})
    data = {"job_id": job_id, "stage": "queued", "progress": 0.0, "counts": {}}
    with contextlib.suppress(Exception):
        await events.publish(job_id, "stage", {**data, "reason": reason})

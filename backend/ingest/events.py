"""Job progress events: written to the job store by whichever process runs the job, followed by every
client of it (SSE, the CLI's progress bar) in whichever process serves that client.

A follower reads the store's events after the last one it saw; it wakes at once for events published
in its own process and polls for those of other processes. Progress is sampled for the store (a stage
change, a stage's last count, `done` and `error` always go through), so a fast pipeline does not
write a row per chunk. A finished job's events are pruned an hour after it ended; its row says how.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import AsyncIterator

from backend.domain import JobStatus

from .job_store import JobStore, queue_place

_POLL_S = 0.25  # how often a follower looks for events written by another process
_STATUS_EVERY_S = 2.0  # how often it also reads the job's row, in case its end event was never written
_PROGRESS_EVERY_S = 0.2  # progress events reach the store at most this often per job
_ENDS = ("done", "error")


class JobEvents:
    def __init__(self, jobs: JobStore) -> None:
        self._jobs = jobs
        self._wake: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._progress_at: dict[str, float] = {}

    async def publish(self, job_id: str, event: str, data: dict, *, keep: bool = False) -> None:
        """`keep`: a progress event that must reach followers (a stage's last count), never sampled out."""
        if event == "progress" and not keep:
            now = time.monotonic()
            if now - self._progress_at.get(job_id, 0.0) < _PROGRESS_EVERY_S:
                return
            self._progress_at[job_id] = now
        await self._jobs.add_event(job_id, event, data)
        if event in _ENDS:
            self._progress_at.pop(job_id, None)
        for wake in list(self._wake.get(job_id, ())):
            wake.set()

    async def follow(self, job_id: str) -> AsyncIterator[tuple[str, dict]]:
        """The job's events from now until `done` or `error` (at once if it has already ended)."""
        wake = asyncio.Event()
        self._wake[job_id].add(wake)
        try:
            seen = await self._jobs.last_event(job_id)
            job = await self._jobs.get(job_id)
            if job is None:
                return
            if job.status is JobStatus.SUCCEEDED:
                yield "done", {"job_id": job_id, "result": job.result}
                return
            if job.status is JobStatus.FAILED:
                yield "error", {"job_id": job_id, "error": job.error, "retryable": True}
                return
            checked = time.monotonic()
            place = None
            if job.status is JobStatus.QUEUED:  # where it stands, then each time that changes
                place = await queue_place(self._jobs, job_id)
                yield "queued", {"job_id": job_id, **place.model_dump()}
            while True:
                if time.monotonic() - checked >= _STATUS_EVERY_S:
                    # An end is written to the job's row before its event; a worker cut off between the
                    # two (its process stopped) leaves no end event: the row says it ended.
                    checked = time.monotonic()
                    ended = await self._jobs.get(job_id)
                    if ended is not None and ended.status is JobStatus.SUCCEEDED:
                        yield "done", {"job_id": job_id, "result": ended.result}
                        return
                    if ended is not None and ended.status is JobStatus.FAILED:
                        yield "error", {"job_id": job_id, "error": ended.error, "retryable": True}
                        return
                    if ended is not None and ended.status is JobStatus.QUEUED:  # queued again: handed back
                        moved = await queue_place(self._jobs, job_id)
                        if moved != place:
                            place = moved
                            yield "queued", {"job_id": job_id, **place.model_dump()}
                for seq, event, data in await self._jobs.events_after(job_id, seen):
                    seen = seq
                    if event in _ENDS:  # the stored job holds the whole result and the reason
                        ended = await self._jobs.get(job_id)
                        if event == "done":
                            yield "done", {"job_id": job_id, "result": ended.result}
                        else:
                            yield "error", {"job_id": job_id, "error": ended.error, "retryable": True}
                        return
                    yield event, data
                wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=_POLL_S)
        finally:
            self._wake[job_id].discard(wake)
            if not self._wake[job_id]:
                del self._wake[job_id]

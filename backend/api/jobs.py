"""Ingest jobs: state, a live event stream, retry."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from backend import sse
from backend.domain import Job

from .auth import CallerDep
from .deps import IngestDep, RuntimeDep
from .openapi import errors

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
_KEEPALIVE_S = 15.0


@router.get("/{job_id}", response_model=Job, responses=errors(404))
async def get_job(job_id: str, caller: CallerDep, ingest: IngestDep) -> Job:
    return await ingest.get(job_id, caller.namespace)


@router.post("/{job_id}/retry", status_code=202, response_model=Job, responses=errors(404, 409))
async def retry_job(job_id: str, caller: CallerDep, ingest: IngestDep) -> Job:
    """Run a failed job again from its stored request (409 unless it failed)."""
    return await ingest.retry(job_id, caller.namespace)


@router.get("/{job_id}/events", responses={200: {"content": {"text/event-stream": {}}}, **errors(404)})
async def job_events(job_id: str, caller: CallerDep, runtime: RuntimeDep) -> StreamingResponse:
    """Server-sent events: while the job waits, `queued` with its place (`waiting`, `ahead`), again
    whenever it changes; then `stage` and `progress` with real counts (`done` of `total` in the current
    stage, overall `progress` 0..1), then `done` with the result or `error` with the reason."""
    job = await runtime.ingest.get(job_id, caller.namespace)

    async def stream():
        current = await runtime.jobs.get(job_id) or job
        yield sse.encode("progress", {"job_id": job_id, "stage": current.stage, "progress": current.progress})
        events = runtime.events.follow(job_id)
        next_event = asyncio.ensure_future(anext(events, None))
        try:
            while True:
                done, _ = await asyncio.wait({next_event}, timeout=_KEEPALIVE_S)
                if not done:
                    yield sse.KEEP_ALIVE
                    continue
                item = next_event.result()
                if item is None:
                    return
                yield sse.encode(*item)
                next_event = asyncio.ensure_future(anext(events, None))
        finally:
            next_event.cancel()
            await events.aclose()

    return StreamingResponse(stream(), media_type=sse.MEDIA_TYPE, headers=sse.HEADERS)

"""Runs ingest jobs: accepts requests into the job store, and — in a worker — claims them one lease at
a time, runs the pipeline, renews the lease while it works, and keeps the job's state and events up
to date. Any number of worker processes share one store: a job runs in one of them at a time, and a
job whose worker died is taken over when its lease runs out (see jobs.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid

from backend.domain import Job, JobStatus, Transcript
from backend.errors import (
    Conflict,
    GraphUnavailable,
    NotFound,
    Overloaded,
    ProviderUnavailable,
    WeaverError,
)
from backend.observability import metrics, tracing
from backend.speech import stage as transcription_stage

from . import pipeline
from .events import JobEvents
from .job_lease import hand_back, run_leased
from .job_progress import JobProgress, stage_weights
from .job_store import JobStore, queue_place
from .prepare import prepare, recording_transcript_id
from .recording import hear
from .request import IngestRequest, Services
from .worker_heartbeat import HEARTBEAT_S, SlotRounds, beat

log = logging.getLogger(__name__)
_POLL_S = 1.0  # an idle worker looks for jobs submitted by other processes this often
_PRUNE_EVERY_S = 300.0  # an idle worker prunes old jobs' events this often
_STORE_BACKOFF_S = (1.0, 30.0)  # a slot whose job store failed asks again after this, doubling
_GRAPH_BACKOFF_S = (1.0, 30.0)  # a slot whose graph is away asks it again after this, doubling


class IngestWorker:
    def __init__(
        self,
        services: Services,
        jobs: JobStore,
        events: JobEvents,
        *,
        workers: int = 2,
        lease_s: float = 60.0,
        max_attempts: int = 3,
    ) -> None:
        self.services = services
        self.jobs = jobs
        self.events = events
        self._workers = workers
        self._lease_s = lease_s
        self._max_attempts = max_attempts
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._pruned_at = 0.0
        self._work = asyncio.Event()  # set by a submit in this process: no need to wait for a poll
        self._tasks: list[asyncio.Task] = []
        self._prepared: dict[str, Transcript] = {}  # job id -> its transcript, parsed at submit
        self.rounds = SlotRounds(workers, fresh_s=max(lease_s, HEARTBEAT_S))

    async def start(self) -> None:
        """Start claiming jobs (a process that only serves the API never calls this)."""
        self._tasks = [asyncio.create_task(self._loop(i), name=f"ingest-{i}") for i in range(self._workers)]
        self._tasks.append(asyncio.create_task(beat(self.rounds), name="worker-heartbeat"))

    async def stop(self) -> None:
        # A job cut off here is handed back to the queue (`run_leased`); if that fails, it keeps its
        # lease until it runs out, and then another worker takes it over.
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def submit(self, request: IngestRequest) -> tuple[Job, bool]:
        """Queue a transcript or a stored recording; (job, created). The same transcript or recording
        again answers with its job."""
        if request.audio is not None:
            if self.services.transcriber is None:
                raise ProviderUnavailable("this process has no transcriber for recordings")
            kind, transcript_id = (
                "recording",
                recording_transcript_id(request.namespace, request.audio),
            )
        else:  # 422s happen here, before queuing
            # parsed beside the event loop: a 2 MB upload held every other request ~170 ms
            prepared = await asyncio.to_thread(prepare, request, self.services.settings)
            kind, transcript_id = "transcript", prepared.id
        existing = await self.jobs.for_transcript(request.namespace, transcript_id)
        if existing and await self._still_stands(existing):
            return existing, False
        waiting, limit = await self.jobs.queued(), self.services.settings.max_queued_jobs
        if waiting >= limit:
            raise Overloaded(
                f"{waiting:,} ingest jobs are waiting to run (KW_MAX_QUEUED_JOBS); try again in a minute",
                retry_after_s=60,
            )
        job, created = await self.jobs.create_for_transcript(
            request.namespace,
            kind,
            transcript_id,
            request.model_dump(mode="json"),
            newest=existing.id if existing else None,
            trace_id=_trace_id(request),
        )
        if not created:  # the same upload, posted at the same moment by another caller
            return job, False
        if request.audio is None and self._tasks:  # kept only where it may run: an API-only process
            self._prepared[job.id] = prepared  # would hold every upload. Run elsewhere or again: parsed again
        self._work.set()
        return job, True

    async def _still_stands(self, job: Job) -> bool:
        """Whether an earlier job answers for this transcript: one queued or running will write it, one
        that succeeded did, unless the transcript has been deleted since (then it is ingested again)."""
        if job.status is JobStatus.FAILED:
            return False
        if job.status is not JobStatus.SUCCEEDED or job.transcript_id is None:
            return True
        return await self.services.store.get_transcript(job.namespace, job.transcript_id) is not None

    async def retry(self, job_id: str, namespace: str | None) -> Job:
        job = await self.get(job_id, namespace)
        if job.status is not JobStatus.FAILED:
            raise Conflict(f"job {job_id} is {job.status.value}; only a failed job can be retried")
        await self.jobs.update(
            job_id, status=JobStatus.QUEUED, stage="queued", progress=0.0, error=None, attempts=0
        )
        self._work.set()
        return await self.get(job_id, namespace)

    async def get(self, job_id: str, namespace: str | None) -> Job:
        """A job, if the caller's namespace may see it (None: any)."""
        job = await self.jobs.get(job_id)
        if job is None or (namespace is not None and job.namespace != namespace):
            raise NotFound(f"no job {job_id}")
        if job.status is JobStatus.QUEUED:
            job.queue = await queue_place(self.jobs, job_id)
        return job

    async def wait(self, job_id: str) -> Job:
        """Until the job ends; for the CLI and tests."""
        async for _ in self.events.follow(job_id):
            pass
        return await self.jobs.get(job_id)

    async def _loop(self, slot: int) -> None:
        backoff = _STORE_BACKOFF_S[0]
        while True:
            self.rounds.went_round(slot)
            try:
                job = await self._next_job()
            except asyncio.CancelledError:
                raise
            except Exception:  # the job store failed: a slot that died of it would never claim again
                log.exception("could not look for a job; trying again", extra={"in_s": backoff})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _STORE_BACKOFF_S[1])
                continue
            backoff = _STORE_BACKOFF_S[0]
            if job is None:
                continue
            try:
                await run_leased(
                    self.jobs, self.events, self.name, job.id, self._lease_s,
                    self._run(job.id), lambda: self.rounds.went_round(slot),
                )  # fmt: skip
            except asyncio.CancelledError:
                raise
            except GraphUnavailable as exc:
                # The database is away (restarting, its nightly dump): not the job's fault. It goes
                # back to the queue, its attempt not counted, and no job is claimed until the graph
                # answers again; its writes so far are MERGEs the next run repeats.
                await hand_back(
                    self.jobs, self.events, self.name, job.id,
                    reason="the graph database does not answer; it runs again when it does",
                )  # fmt: skip
                log.warning("the graph is away", extra={"job_id": job.id, "error": exc.message})
                await self._wait_for_graph(slot)
            except Exception as exc:  # a bug in one job must not stop the worker
                log.exception("job crashed", extra={"job_id": job.id})
                # Its lease runs out and it is tried again; should it never get through, this is the
                # reason its dead letter gives.
                with contextlib.suppress(Exception):
                    await self.jobs.update(job.id, owner=self.name, error=_failure(exc))

    async def _wait_for_graph(self, slot: int) -> None:
        pause = _GRAPH_BACKOFF_S[0]
        while True:
            self.rounds.went_round(slot)  # waiting, not stuck: the heartbeat says so
            await asyncio.sleep(pause)
            try:
                if await self.services.store.ping():
                    log.info("the graph answers again")
                    return
            except Exception as exc:  # still away, however it says so: the slot must not die of it
                log.debug("the graph is still away", extra={"error": type(exc).__name__})
            pause = min(pause * 2, _GRAPH_BACKOFF_S[1])

    async def _next_job(self) -> Job | None:
        """A job claimed; or, with none to claim, None after the poll's wait (pruning old events now
        and then)."""
        job = await self.jobs.claim(self.name, self._lease_s, self._max_attempts)
        if job is None:
            if time.monotonic() - self._pruned_at > _PRUNE_EVERY_S:
                self._pruned_at = time.monotonic()
                await self.jobs.prune_events()
            self._work.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._work.wait(), timeout=_POLL_S)
        return job

    async def _run(self, job_id: str) -> None:
        request = IngestRequest.model_validate(await self.jobs.request(job_id))
        tracker = JobProgress(job_id, self.jobs, self.events, stage_weights(request), self.name)
        started = time.perf_counter()
        parent = tracing.context_from({"traceparent": request.traceparent}) if request.traceparent else None
        try:
            with tracing.tracer().start_as_current_span("ingest.pipeline", context=parent) as current:
                current.set_attribute(tracing.KIND, "CHAIN")
                current.set_attribute("job.id", job_id)
                if not request.traceparent:  # a job from the CLI starts its own trace: keep its id
                    await self.jobs.update(job_id, owner=self.name, trace_id=tracing.trace_id_hex(current))
                listened_ms, book = None, None
                if request.audio is not None:
                    heard = time.perf_counter()
                    request, book = await hear(request, self.services, tracker.report)
                    listened_ms = round((time.perf_counter() - heard) * 1000, 1)
                transcript = self._prepared.pop(job_id, None) or await asyncio.to_thread(
                    prepare, request, self.services.settings
                )
                current.set_attribute("transcript.id", transcript.id)
                result = await pipeline.run(transcript, self.services, tracker.report, book=book)
                if listened_ms is not None:
                    result.stage_ms = {transcription_stage.STAGE: listened_ms, **result.stage_ms}
                for key in ("chunks", "entities", "relations"):
                    current.set_attribute(f"result.{key}", getattr(result, key))
        except (asyncio.CancelledError, GraphUnavailable):
            raise  # GraphUnavailable: the loop hands the job back and waits for the graph
        except Exception as exc:
            message = _failure(exc)
            if not isinstance(exc, WeaverError):
                log.exception("ingest failed", extra={"job_id": job_id})
            else:  # ours: the reason is the message; no traceback to read
                log.warning("ingest failed", extra={"job_id": job_id, "error": message})
            if await self.jobs.update(job_id, owner=self.name, status=JobStatus.FAILED, error=message):
                await metrics.emit({"Status": "failed"}, IngestJobs=1)
                await self.events.publish(
                    job_id, "error", {"job_id": job_id, "error": message, "retryable": True}
                )
            return
        summary = result.model_dump(mode="json")
        await metrics.emit({"Status": "succeeded"}, IngestJobs=1)
        await metrics.emit(
            {},
            IngestLatencyMs=(time.perf_counter() - started) * 1000,
            EntitiesWritten=result.entities,
            RelationsWritten=result.relations,
            EntitiesMerged=result.entities_merged,
        )
        if not await self.jobs.update(
            job_id,
            owner=self.name,
            status=JobStatus.SUCCEEDED,
            stage="done",
            progress=1.0,
            result=summary,
            usage=result.usage,
        ):
            return  # another worker took the job over (our lease ran out); its writes are the same MERGEs
        log.info(
            "ingest done",
            extra={"job_id": job_id, "transcript_id": result.transcript_id, "chunks": result.chunks,
                   "entities": result.entities, "relations": result.relations,
                   "failed_chunks": len(result.failed_chunks),
                   "duration_ms": round((time.perf_counter() - started) * 1000, 1)},
        )  # fmt: skip
        await self.events.publish(job_id, "done", {"job_id": job_id, "result": summary})


def _failure(exc: Exception) -> str:
    """What a job's caller is told went wrong: our errors say it; anything else is named, not shown."""
    return exc.public_message if isinstance(exc, WeaverError) else f"internal error ({type(exc).__name__})"


def _trace_id(request: IngestRequest) -> str | None:
    # traceparent: version-traceid-spanid-flags
    parts = (request.traceparent or "").split("-")
    return parts[1] if len(parts) == 4 else None

"""Runs ingest jobs: accepts requests, queues them, runs the pipeline on a pool of workers, keeps the
job store and the event stream up to date, and on start-up resumes what a crash left unfinished.

The queue is in-process (`asyncio.Queue`); the SQS adapter of the scale-out plan replaces
`_queue` and `submit`'s enqueue, nothing else.
"""

from __future__ import annotations

import asyncio
import logging
import time

from backend.domain import Job, JobStatus, Transcript
from backend.errors import Conflict, NotFound, ProviderUnavailable, WeaverError
from backend.observability import metrics, tracing
from backend.speech import stage as speech

from . import pipeline
from .events import JobEvents
from .jobs import JobStore
from .known_names import NameBook, read_name_book
from .pipeline import IngestRequest, Services

log = logging.getLogger(__name__)
_SAVE_EVERY_S = 0.25  # progress is written to the job store at most this often (and on every stage change)


class IngestWorker:
    def __init__(self, services: Services, jobs: JobStore, events: JobEvents, *, workers: int = 2) -> None:
        self.services = services
        self.jobs = jobs
        self.events = events
        self._workers = workers
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task] = []
        self._prepared: dict[str, Transcript] = {}  # job id -> its transcript, parsed at submit

    async def start(self) -> None:
        for job in await self.jobs.unfinished():
            log.info("resuming job", extra={"job_id": job.id, "status": job.status.value, "stage": job.stage})
            await self.jobs.update(job.id, status=JobStatus.QUEUED, stage="queued")
            self._queue.put_nowait(job.id)
        self._tasks = [asyncio.create_task(self._loop(), name=f"ingest-{i}") for i in range(self._workers)]

    async def stop(self) -> None:
        # A job cut off here stays "running" in the store and is resumed by the next start().
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
                pipeline.recording_transcript_id(request.namespace, request.audio),
            )
        else:  # 422s happen here, before queuing
            prepared = pipeline.prepare(request, self.services.settings)
            kind, transcript_id = "transcript", prepared.id
        existing = await self.jobs.for_transcript(request.namespace, transcript_id)
        if existing and await self._still_stands(existing):
            return existing, False
        job = await self.jobs.create(
            request.namespace,
            kind,
            transcript_id,
            request.model_dump(mode="json"),
            trace_id=_trace_id(request),
        )
        if request.audio is None:
            self._prepared[job.id] = prepared  # parsed once; a resumed or retried job parses again
        self._queue.put_nowait(job.id)
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
        await self.jobs.update(job_id, status=JobStatus.QUEUED, stage="queued", progress=0.0, error=None)
        self._queue.put_nowait(job_id)
        return await self.get(job_id, namespace)

    async def get(self, job_id: str, namespace: str | None) -> Job:
        """A job, if the caller's namespace may see it (None: any)."""
        job = await self.jobs.get(job_id)
        if job is None or (namespace is not None and job.namespace != namespace):
            raise NotFound(f"no job {job_id}")
        return job

    async def wait(self, job_id: str) -> Job:
        """Until the job ends; for the CLI and tests."""
        with self.events.listen(job_id) as queue:
            job = await self.jobs.get(job_id)
            while job and job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
                event, _ = await queue.get()
                if event in ("done", "error"):
                    job = await self.jobs.get(job_id)
        return job

    async def _loop(self) -> None:
        while True:
            job_id = await self._queue.get()
            try:
                await self._run(job_id)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug in one job must not stop the worker
                log.exception("job crashed", extra={"job_id": job_id})
            finally:
                self._queue.task_done()

    async def _run(self, job_id: str) -> None:
        await self.jobs.start_attempt(job_id)
        request = IngestRequest.model_validate(await self.jobs.request(job_id))
        tracker = _Tracker(job_id, self.jobs, self.events, _weights(request))
        started = time.perf_counter()
        parent = tracing.context_from({"traceparent": request.traceparent}) if request.traceparent else None
        try:
            with tracing.tracer().start_as_current_span("ingest.pipeline", context=parent) as current:
                current.set_attribute(tracing.KIND, "CHAIN")
                current.set_attribute("job.id", job_id)
                if not request.traceparent:  # a job from the CLI starts its own trace: keep its id
                    await self.jobs.update(job_id, trace_id=tracing.trace_id_hex(current))
                listened_ms, book = None, None
                if request.audio is not None:
                    heard = time.perf_counter()
                    request, book = await self._transcribe(request, tracker)
                    listened_ms = round((time.perf_counter() - heard) * 1000, 1)
                transcript = self._prepared.pop(job_id, None) or pipeline.prepare(
                    request, self.services.settings
                )
                current.set_attribute("transcript.id", transcript.id)
                result = await pipeline.run(transcript, self.services, tracker.report, book=book)
                if listened_ms is not None:
                    result.stage_ms = {speech.STAGE: listened_ms, **result.stage_ms}
                for key in ("chunks", "entities", "relations"):
                    current.set_attribute(f"result.{key}", getattr(result, key))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            message = (
                exc.message if isinstance(exc, WeaverError) else f"internal error ({type(exc).__name__})"
            )
            if not isinstance(exc, WeaverError):
                log.exception("ingest failed", extra={"job_id": job_id})
            await self.jobs.update(job_id, status=JobStatus.FAILED, error=message)
            await metrics.emit({"Status": "failed"}, IngestJobs=1)
            self.events.publish(job_id, "error", {"job_id": job_id, "error": message, "retryable": True})
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
        await self.jobs.update(
            job_id, status=JobStatus.SUCCEEDED, stage="done", progress=1.0, result=summary, usage=result.usage
        )
        log.info(
            "ingest done",
            extra={"job_id": job_id, "transcript_id": result.transcript_id, "chunks": result.chunks,
                   "entities": result.entities, "relations": result.relations,
                   "duration_ms": round((time.perf_counter() - started) * 1000, 1)},
        )  # fmt: skip
        self.events.publish(job_id, "done", {"job_id": job_id, "result": summary})

    async def _transcribe(
        self, request: IngestRequest, tracker: _Tracker
    ) -> tuple[IngestRequest, NameBook | None]:
        """A recording becomes the transcript content the pipeline parses, heard with the names its
        namespace knows; and the names to check what was heard against (None: not checked)."""
        settings = self.services.settings
        book = None
        if settings.speech_bias_names or settings.speech_correct_names:
            book = await read_name_book(
                self.services.store, request.namespace, speaker=request.speaker, hints=request.hints
            )
        result = await speech.transcribe(
            request.audio,
            self.services.transcriber,
            settings.data_dir,
            tracker.report,
            language=request.language or settings.speech_language,
            speaker=request.speaker,
            vocabulary=book.vocabulary(settings.speech_bias_names) if book else None,
        )
        transcribed = request.model_copy(
            update={"content": result.content, "format": result.format, "language": result.language}
        )
        return transcribed, book if settings.speech_correct_names else None


def _weights(request: IngestRequest) -> dict[str, float]:
    """Each stage's share of the job's 0..1 progress; a recording spends about half of it listening."""
    if request.audio is None:
        return pipeline.STAGES
    return {speech.STAGE: 0.5, **{stage: share * 0.5 for stage, share in pipeline.STAGES.items()}}


class _Tracker:
    """Turns pipeline reports into job progress: a stage's share of the job times its done/total."""

    def __init__(self, job_id: str, jobs: JobStore, events: JobEvents, weights: dict[str, float]) -> None:
        self.job_id, self.jobs, self.events = job_id, jobs, events
        self.weights = weights
        self.fractions: dict[str, float] = {}
        self.counts: dict[str, tuple[int, int]] = {}
        self.stage = ""
        self.progress = 0.0
        self._saved_at = 0.0

    async def report(self, stage: str, done: float, total: float) -> None:
        self.counts[stage] = (done, total)
        self.fractions[stage] = max(self.fractions.get(stage, 0.0), done / total if total else 1.0)
        progress = sum(self.weights[s] * f for s, f in self.fractions.items())
        self.progress = max(self.progress, min(progress, 0.999))  # 1.0 only when the job is done
        # Stages overlap (chunks are embedded during extraction): the job's stage is the earliest
        # one still under way; every stage's own counts travel with each event.
        started = [s for s in self.weights if s in self.fractions]
        current = next((s for s in started if self.fractions[s] < 1.0), started[-1])
        changed = current != self.stage
        self.stage = current
        data = {
            "job_id": self.job_id,
            "stage": current,
            "progress": round(self.progress, 4),
            "counts": {s: {"done": d, "total": t} for s, (d, t) in self.counts.items()},
        }
        if changed:
            self.events.publish(self.job_id, "stage", data)
        self.events.publish(self.job_id, "progress", data)
        now = time.monotonic()
        if changed or now - self._saved_at >= _SAVE_EVERY_S:
            self._saved_at = now
            await self.jobs.update(self.job_id, stage=current, progress=self.progress)


def _trace_id(request: IngestRequest) -> str | None:
    # traceparent: version-traceid-spanid-flags
    parts = (request.traceparent or "").split("-")
    return parts[1] if len(parts) == 4 else None

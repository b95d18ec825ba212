"""The AWS job store (the `JobStore` port of job_store.py): SQS holds the work, DynamoDB the state,
S3 the large requests. Any API task answers and streams any job; any worker task runs any job.

The store composes its parts, each a module of its own:
- **the table** (job_table.py): one partition per job, its rows and their TTL;
- **the queue** (job_queue.py): job ids and run numbers, never a body;
- **the lease is the message's visibility** (aws_job_leases.py): `claim` receives a job id from SQS
  with a visibility timeout of the lease and takes the job if it is free; `renew` is the heartbeat.
  **Owner-guarded writes** are DynamoDB condition expressions on `lease_owner` and `status`;
- **dead letters** (aws_job_dead_letters.py): the queue's redrive policy moves them aside; workers
  look there between claims and fail each such job with the reason;
- **requests** (aws_job_requests.py): inline on a row, or in S3 when large;
- **events** (aws_job_events.py): rows after the job's row, gap-free and ordered across writers.
Finished jobs and their requests are deleted by DynamoDB's TTL KW_JOB_RETENTION_S after they end,
events a day after they were written.

boto3 blocks: calls run on this store's own threads, so a worker's long polls never take the threads
the pipeline's `asyncio.to_thread` work needs.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from backend.config import Settings
from backend.domain import Job, JobStatus
from backend.errors import ProviderUnavailable

from .aws_job_claims import TranscriptClaims
from .aws_job_dead_letters import DeadLetters
from .aws_job_events import EventRows
from .aws_job_leases import Leases
from .aws_job_requests import RequestRows
from .aws_job_states import JobStates
from .job_queue import JobQueue
from .job_store import check_fields, new_job_id
from .job_table import (
    JobTable,
    job_from_item,
    new_job_item,
    refused,
)

log = logging.getLogger(__name__)
QUEUED = JobStatus.QUEUED
_THREADS = 32


class AwsJobStore:
    name = "aws"

    def __init__(
        self,
        *,
        table: JobTable,
        queue: JobQueue,
        s3,
        bucket: str,
        receive_wait_s: int = 5,
        dead_letters_every_s: float = 10.0,
    ) -> None:
        self.bucket = bucket
        self._table, self._queue = table, queue
        self._requests = RequestRows(table, s3, bucket)
        self._events = EventRows(table)
        self._leases = Leases(table, queue)
        self._claims = TranscriptClaims(table)
        self._states = JobStates(table, self._leases, self._enqueue)
        self._dead_letters = DeadLetters(table, queue, self._events)
        self._wait_s = receive_wait_s
        self._dead_letters_every_s = dead_letters_every_s
        self._swept_at = float("-inf")
        self._closing = threading.Event()
        self._threads = ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="kw-jobs")

    @classmethod
    def from_settings(cls, settings: Settings) -> AwsJobStore:
        import boto3
        from botocore.config import Config

        from backend.speech.storage import s3_client

        # Long polls hold a connection for up to receive_wait_s: reads may take longer than that.
        config = Config(
            retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30,
            max_pool_connections=_THREADS,
        )  # fmt: skip
        client = functools.partial(
            boto3.client,
            region_name=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
            config=config,
        )
        assert settings.jobs_queue_url and settings.jobs_dlq_url and settings.jobs_table  # Settings checks
        return cls(
            table=JobTable(client("dynamodb"), settings.jobs_table, settings.job_retention_s),
            queue=JobQueue(client("sqs"), settings.jobs_queue_url, settings.jobs_dlq_url),
            s3=s3_client(settings),
            bucket=settings.uploads_bucket,
        )

    # --- plumbing -------------------------------------------------------------------------------
    async def _run(self, fn, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._threads, fn, *args)

    # --- jobs -----------------------------------------------------------------------------------
    async def create(
        self,
        namespace: str,
        kind: str,
        transcript_id: str | None,
        request: dict,
        *,
        trace_id: str | None = None,
    ) -> Job:
        return await self._run(self._create, namespace, kind, transcript_id, request, trace_id)

    async def create_for_transcript(
        self,
        namespace: str,
        kind: str,
        transcript_id: str,
        request: dict,
        *,
        newest: str | None,
        trace_id: str | None = None,
    ) -> tuple[Job, bool]:
        return await self._run(
            self._create_guarded, namespace, kind, transcript_id, request, trace_id, newest
        )

    def _create_guarded(self, namespace, kind, transcript_id, request, trace_id, newest) -> tuple[Job, bool]:
        claim = lambda job_id: self._claims.put(namespace, transcript_id, job_id, newest)  # noqa: E731
        try:
            return self._create(namespace, kind, transcript_id, request, trace_id, claim), True
        except ClientError as exc:
            if not refused(exc):
                raise
        # another caller created one since: theirs
        job = self._claims.newest(namespace, transcript_id)
        if job is None:
            raise ProviderUnavailable("the job table changed under a new job; post it again")
        return job, False

    def _create(
        self, namespace: str, kind: str, transcript_id: str | None, request: dict, trace_id, claim=None
    ) -> Job:
        """`claim(job_id)`: a further write of the same transaction, whose condition may refuse it."""
        job_id = new_job_id()
        stored = self._requests.row(namespace, job_id, request)
        item = new_job_item(job_id, namespace, kind, transcript_id, trace_id, time.time())
        writes = [
            {"Put": {"TableName": self._table.name, "Item": item}},
            {"Put": {"TableName": self._table.name, "Item": stored}},  # never a job without its request
            *([claim(job_id)] if claim else []),
        ]
        self._table.call("transact_write_items", TransactItems=writes)
        self._enqueue(job_id, 1)
        return job_from_item(item)

    def _enqueue(self, job_id: str, run: int) -> None:
        try:
            self._queue.send(job_id, run)
        except ProviderUnavailable:
            # A job no worker will ever hear of must not look queued: failed, it can be retried.
            self._update(job_id, None, {"status": JobStatus.FAILED, "error": "it could not be queued (SQS)"})
            raise

    async def get(self, job_id: str) -> Job | None:
        item = await self._run(self._table.item, job_id)
        return job_from_item(item) if item else None

    async def request(self, job_id: str) -> dict:
        return await self._run(self._requests.read, job_id)

    async def update(self, job_id: str, *, owner: str | None = None, **fields: Any) -> bool:
        check_fields(fields)
        return await self._run(self._states.update, job_id, owner, fields)

    # --- leases ---------------------------------------------------------------------------------
    async def claim(self, owner: str, lease_s: float, max_attempts: int) -> Job | None:
        cancelled = threading.Event()
        try:
            return await self._run(self._claim, owner, lease_s, max_attempts, cancelled)
        except asyncio.CancelledError:
            cancelled.set()  # a message the thread receives from now on goes back at once
            raise
        except ProviderUnavailable as exc:
            # AWS unreachable: the worker's loop asks again shortly; it must not die of it.
            log.warning("could not claim a job", extra={"reason": exc.message})
            return None

    def _claim(self, owner: str, lease_s: float, max_attempts: int, cancelled: threading.Event) -> Job | None:
        if time.monotonic() - self._swept_at >= self._dead_letters_every_s:
            self._swept_at = time.monotonic()
            self._dead_letters.fail_jobs()
        while True:
            # The lease is counted from before the receive, so it never outlasts the message's
            # visibility: when SQS hands the message out again, the row's lease has run out too.
            lease_until = time.time() + lease_s
            delivery = self._queue.receive(lease_s, 0 if cancelled.is_set() else self._wait_s)
            if delivery is None:
                return None
            if cancelled.is_set() or self._closing.is_set():
                self._queue.release(delivery.receipt)
                return None
            # The queue's redrive allows more: these settings rule. A receive is an attempt unless the
            # job was handed back by a worker that stopped cleanly (its row's attempts say so).
            if delivery.receives > max_attempts and self._attempts(delivery.job_id) >= max_attempts:
                self._queue.dead_letter(delivery)
                self._swept_at = float("-inf")  # handle it on the next claim
                continue
            job = self._leases.take(delivery, owner, lease_until)
            if job is not None:
                return job

    async def renew(self, job_id: str, owner: str, lease_s: float) -> bool:
        return await self._run(self._leases.renew, job_id, owner, lease_s)

    def _attempts(self, job_id: str) -> float:
        item = self._table.item(job_id)
        return float(item["attempts"]["N"]) if item and "attempts" in item else float("inf")

    async def hand_back(self, job_id: str, owner: str) -> bool:
        return await self._run(self._leases.hand_back, job_id, owner)

    # --- events (aws_job_events.py) ------------------------------------------------------------
    async def add_event(self, job_id: str, event: str, data: dict) -> None:
        await self._run(self._events.add, job_id, event, data)

    async def events_after(self, job_id: str, seq: int) -> list[tuple[int, str, dict]]:
        return await self._run(self._events.after, job_id, seq)

    async def last_event(self, job_id: str) -> int:
        return await self._run(self._events.last, job_id)

    async def prune_events(self, older_than_s: float = 3600.0) -> None:
        """Nothing to do: event rows expire by themselves (TTL, aws_job_events.py), with no scan to find
        the jobs that ended and no delete per row."""

    # --- look-ups -------------------------------------------------------------------------------
    async def for_transcript(self, namespace: str, transcript_id: str) -> Job | None:
        return await self._run(self._claims.newest, namespace, transcript_id)

    async def queued(self) -> int:
        return await self._run(self._queue.depth)

    async def ahead(self, job_id: str) -> int | None:
        return None  # a standard SQS queue has no order to be ahead in; `queued` says how many wait

    async def ping(self) -> bool:
        return await self._run(self._ping)

    def _ping(self) -> bool:
        table = self._table.call("describe_table", TableName=self._table.name)["Table"]
        self._queue.depth()
        return table.get("TableStatus") in ("ACTIVE", "UPDATING")

    def close(self) -> None:
        # Long polls end within receive_wait_s; what they receive from now on goes straight back.
        self._closing.set()
        self._threads.shutdown(wait=True, cancel_futures=True)
        self._queue.close()
        self._table.close()
        self._requests.close()

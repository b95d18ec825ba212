"""The job store port: what the API, the workers and the event followers need of wherever jobs live.

Two adapters implement it — `SqliteJobStore` (sqlite_jobs.py: the data dir, the local default) and
`AwsJobStore` (aws_jobs.py: SQS, DynamoDB and S3) — and `tests/unit/test_job_leases.py` runs the same
behaviour tests on both. Which one a process uses is decided in `backend/runtime.py` (KW_JOB_BACKEND).

The contract both keep:
- **Leases.** `claim` hands a job to one worker (`owner`) until `lease_s` from now; `renew` extends it
  while that worker still holds it. A job is taken over only when its lease has run out.
- **Owner-guarded writes.** `update(..., owner=w)` writes only while `w` holds the running job's lease
  (True if written), so a worker that lost its lease cannot overwrite the new holder's state.
- **Dead letters.** A job claimed `max_attempts` times without finishing is failed with the reason
  (`dead_letter_reason`), and an `error` event is written for its followers.
- **Events.** `add_event` appends to the job's ordered events; `events_after(seq)` returns those after
  `seq` in order, across processes. A finished job's events are history once a slow follower has had
  time to read them (`prune_events`; the AWS store's rows expire by themselves).
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from backend.domain import Job, QueuePlace

# The fields `update` may set; anything else is a bug in the caller.
JOB_FIELDS = frozenset(
    {"stage", "progress", "error", "result", "usage", "trace_id", "attempts", "status", "transcript_id"}
)
STOPPED = "its worker stopped before finishing"


async def queue_place(jobs: JobStore, job_id: str) -> QueuePlace:
    """Where a queued job stands now (read when asked for: nothing is stored)."""
    waiting, ahead = await jobs.queued(), await jobs.ahead(job_id)
    # `waiting` and `ahead` are two reads: a job claimed between them must not make ahead ≥ waiting
    return QueuePlace(waiting=max(waiting, 1 + (ahead or 0)), ahead=ahead)


def new_job_id() -> str:
    return "job_" + uuid.uuid4().hex[:20]


def dead_letter_reason(attempts: int, error: str | None) -> str:
    return f"gave up after {attempts} attempts: {error or STOPPED}"


def check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - JOB_FIELDS
    if unknown:
        raise ValueError(f"unknown job fields: {sorted(unknown)}")


class JobStore(Protocol):
    name: str  # "sqlite" | "aws": readiness and logs say which

    async def create(
        self,
        namespace: str,
        kind: str,
        transcript_id: str | None,
        request: dict,
        *,
        trace_id: str | None = None,
    ) -> Job:
        """A queued job holding `request` (stored with it, so it can run again without the caller)."""
        ...

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
        """(job, created): a new job for the transcript, unless one has been created for it since the
        caller looked — `newest` is the id of its newest job then (None: it had none). Then that one,
        not created: the same file uploaded twice at once makes one job, across processes."""
        ...

    async def hand_back(self, job_id: str, owner: str) -> bool:
        """The running job `owner` holds goes back to the queue at once, this attempt not counted: its
        worker is stopping cleanly (a deploy, a restart). False when `owner` no longer held it."""
        ...

    async def get(self, job_id: str) -> Job | None: ...

    async def request(self, job_id: str) -> dict: ...

    async def update(self, job_id: str, *, owner: str | None = None, **fields: Any) -> bool:
        """Set fields of a job; with `owner`, only while that worker holds its lease. True if written.
        `status=QUEUED` puts a finished job back in the queue (a retry)."""
        ...

    async def claim(self, owner: str, lease_s: float, max_attempts: int) -> Job | None:
        """A waiting job (or one whose lease ran out) leased to `owner`, or None when there is none."""
        ...

    async def renew(self, job_id: str, owner: str, lease_s: float) -> bool:
        """Extend `owner`'s lease; False when it no longer holds it (taken over, or finished)."""
        ...

    async def add_event(self, job_id: str, event: str, data: dict) -> None: ...

    async def events_after(self, job_id: str, seq: int) -> list[tuple[int, str, dict]]: ...

    async def last_event(self, job_id: str) -> int:
        """The sequence number of the job's newest event (0: none yet)."""
        ...

    async def prune_events(self, older_than_s: float = 3600.0) -> None:
        """Drop the events of jobs that ended more than `older_than_s` ago (the job row says how)."""
        ...

    async def for_transcript(self, namespace: str, transcript_id: str) -> Job | None:
        """The newest job for this transcript, so a re-post can answer with it."""
        ...

    async def queued(self) -> int:
        """Jobs waiting for a worker, across every process that shares this store."""
        ...

    async def ahead(self, job_id: str) -> int | None:
        """How many waiting jobs will be taken before this queued one; None where the store keeps no
        order (an SQS standard queue hands messages out in no set order)."""
        ...

    async def ping(self) -> bool: ...

    def close(self) -> None: ...

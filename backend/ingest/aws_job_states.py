"""A job's state changes on the AWS job store (aws_jobs.py): one conditional write of its row — only
under `owner`'s lease when an owner is named. An end also sets the TTL of the job and its request row
and lets go of the SQS message; a retry (back to queued) is a new run with a message of its own, and
twice at once queues it once."""

from __future__ import annotations

import time
from collections.abc import Callable

from botocore.exceptions import ClientError

from backend.domain import JobStatus

from .aws_job_leases import Leases, held_by
from .job_table import ENDED, PARTITION_KEY, REQUEST_SEQ, TTL_ATTRIBUTE, JobTable, Update, key

QUEUED = JobStatus.QUEUED


class JobStates:
    def __init__(self, table: JobTable, leases: Leases, enqueue: Callable[[str, int], None]) -> None:
        self._table, self._leases, self._enqueue = table, leases, enqueue

    def update(self, job_id: str, owner: str | None, fields: dict) -> bool:
        status = fields.get("status")
        change = Update()
        for name, value in fields.items():
            change.set(name, value)
        change.set("updated_at", time.time())
        conditions = [f"attribute_exists({change.name(PARTITION_KEY)})"]
        if owner is not None:
            conditions.append(held_by(change, owner))
        request_ttl = Update()
        if status in ENDED:
            expires = self._table.expiry()
            change.remove("lease_owner").remove("lease_until").set(TTL_ATTRIBUTE, expires)
            request_ttl.set(TTL_ATTRIBUTE, expires)
        elif status is QUEUED:  # a retry: a new run of the job, with a message of its own
            change.remove("lease_owner").remove("lease_until").remove(TTL_ATTRIBUTE).add("run", 1)
            request_ttl.remove(TTL_ATTRIBUTE)
            if owner is None:  # twice at once must not queue it twice
                conditions.append(
                    f"{change.name('status')} IN ({change.value(JobStatus.FAILED)}, "
                    f"{change.value(JobStatus.SUCCEEDED)})"
                )
        job_update = change.arguments(self._table.name, key(job_id), " AND ".join(conditions))
        try:
            if status in (*ENDED, QUEUED):
                self._table.call(
                    "transact_write_items",
                    TransactItems=[
                        {"Update": job_update},
                        {"Update": request_ttl.arguments(self._table.name, key(job_id, REQUEST_SEQ))},
                    ],
                )
            else:
                self._table.call("update_item", **job_update)
        except ClientError:
            return False  # the condition: not this worker's lease any more, or already queued
        if status in ENDED and owner is not None:
            self._leases.end(job_id)
        if status is QUEUED:
            run = int(self._table.item(job_id)["run"]["N"])
            self._enqueue(job_id, run)
        return True

"""Dead letters in the AWS job store: the jobs whose messages the queue gave up on.

The queue's redrive policy moves a message received `maxReceiveCount` (= KW_JOB_MAX_ATTEMPTS) times
to the dead-letter queue. Workers look there between claims and fail each such job with the reason,
unless it has moved on; the message stays for the operators (the DLQ alarm and runbook), hidden for
`DEAD_LETTER_HIDE_S` once seen. Calls block: the store runs them on its threads.
"""

from __future__ import annotations

import logging
import time

from botocore.exceptions import ClientError

from backend.domain import JobStatus

from .aws_job_events import EventRows
from .aws_job_leases import not_held
from .job_queue import Delivery, JobQueue
from .job_store import dead_letter_reason
from .job_table import REQUEST_SEQ, TTL_ATTRIBUTE, JobTable, Update, job_from_item, key

log = logging.getLogger(__name__)
DEAD_LETTER_HIDE_S = 3_600  # a dead letter already handled is looked at again only after this


class DeadLetters:
    def __init__(self, table: JobTable, queue: JobQueue, events: EventRows) -> None:
        self._table, self._queue, self._events = table, queue, events

    def fail_jobs(self) -> None:
        """Fail the job of every dead letter in view."""
        for delivery in self._queue.dead_letters(DEAD_LETTER_HIDE_S):
            if self._fail_job(delivery):
                log.warning("job dead-lettered", extra={"job_id": delivery.job_id})

    def _fail_job(self, delivery: Delivery) -> bool:
        """Fail the job of a dead letter with its reason, unless it has moved on (finished, re-run, or
        running under a live lease)."""
        item = self._table.item(delivery.job_id)
        if item is None:
            return False
        job = job_from_item(item)
        change = Update()
        change.set("status", JobStatus.FAILED).set("error", dead_letter_reason(job.attempts, job.error))
        expires = self._table.expiry()
        change.set("updated_at", time.time()).remove("lease_owner").remove("lease_until").set(
            TTL_ATTRIBUTE, expires
        )
        condition = not_held(change, delivery.run, or_no_lease=True)
        try:
            self._table.call(
                "transact_write_items",
                TransactItems=[
                    {"Update": change.arguments(self._table.name, key(delivery.job_id), condition)},
                    {
                        "Update": Update()
                        .set(TTL_ATTRIBUTE, expires)
                        .arguments(self._table.name, key(delivery.job_id, REQUEST_SEQ))
                    },
                ],
            )
        except ClientError:
            return False
        self._events.add(delivery.job_id, "error", {"job_id": delivery.job_id, "retryable": True})
        return True

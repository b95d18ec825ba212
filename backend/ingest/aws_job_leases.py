"""A job's lease in the AWS job store: the SQS message's visibility, recorded on the job's row.

A worker takes the job of a message it received (`take`) with a conditional write that succeeds only
while the job is queued or its last lease has run out, and records the lease (owner, expiry) on the
row; `renew` extends both (ChangeMessageVisibility is the heartbeat). A worker that dies stops
renewing, SQS hands the message out again when the visibility runs out, and the next worker takes the
job over. A delivery that finds a live lease (SQS delivers at least once) is left alone: it comes back
later. Writes of the lease's holder are guarded by `held_by`. Calls block: the store runs them on its
threads.
"""

from __future__ import annotations

import logging
import time

from botocore.exceptions import ClientError

from backend.domain import Job, JobStatus
from backend.errors import ProviderUnavailable

from .job_queue import Delivery, JobQueue
from .job_table import ENDED, JobTable, Update, job_from_item, key

log = logging.getLogger(__name__)
RUNNING, QUEUED = JobStatus.RUNNING, JobStatus.QUEUED
# A lease this close to its end counts as ended: SQS handing the message out again is the authority,
# and the slack absorbs the difference between workers' clocks.
LEASE_SLACK_S = 1.0


def held_by(change: Update, owner: str) -> str:
    """The condition that `owner` holds the running job's lease."""
    return (
        f"{change.name('lease_owner')} = {change.value(owner)} "
        f"AND {change.name('status')} = {change.value(RUNNING)}"
    )


def not_held(change: Update, run: int, *, or_no_lease: bool = False) -> str:
    """The condition that run `run` of the job is queued, or running under a lease that has run out
    (`or_no_lease`: or under none recorded)."""
    status, lease = change.name("status"), change.name("lease_until")
    this_run = f"{change.name('run')} = {change.value(run)}"
    queued, running = f"{status} = {change.value(QUEUED)}", f"{status} = {change.value(RUNNING)}"
    ran_out = f"{lease} < {change.value(time.time() + LEASE_SLACK_S)}"
    if or_no_lease:
        ran_out = f"(attribute_not_exists({lease}) OR {ran_out})"
    return f"{this_run} AND ({queued} OR ({running} AND {ran_out}))"


class Leases:
    def __init__(self, table: JobTable, queue: JobQueue) -> None:
        self._table, self._queue = table, queue
        self._receipts: dict[str, str] = {}  # job id -> the receipt this process holds its lease by

    def take(self, delivery: Delivery, owner: str, lease_until: float) -> Job | None:
        """Lease the delivered job to `owner` if it is waiting or its lease ran out."""
        change = Update()
        change.set("status", RUNNING).set("lease_owner", owner).set("lease_until", lease_until)
        change.set("updated_at", time.time()).add("attempts", 1)
        condition = not_held(change, delivery.run)
        try:
            found = self._table.call(
                "update_item",
                **change.arguments(self._table.name, key(delivery.job_id), condition),
                ReturnValues="ALL_NEW",
            )
        except ClientError:
            pass
        else:
            job = job_from_item(found["Attributes"])
            self._receipts[job.id] = delivery.receipt
            return job
        item = self._table.item(delivery.job_id)
        if item is None or int(item["run"]["N"]) != delivery.run or JobStatus(item["status"]["S"]) in ENDED:
            self._queue.delete(delivery.receipt)  # a message about a job that is gone, done or re-run
        # else another worker's lease is live (a duplicate delivery): the message comes back later
        return None

    def renew(self, job_id: str, owner: str, lease_s: float) -> bool:
        change = Update().set("lease_until", time.time() + lease_s)
        condition = held_by(change, owner)
        try:
            self._table.call("update_item", **change.arguments(self._table.name, key(job_id), condition))
        except ClientError:
            self._receipts.pop(job_id, None)
            return False
        except ProviderUnavailable as exc:
            # Cannot tell: keep working. If the lease does lapse, the owner guard keeps our writes out.
            log.warning("could not renew a job's lease", extra={"job_id": job_id, "reason": exc.message})
            return True
        receipt = self._receipts.get(job_id)
        try:
            held = receipt is not None and self._queue.extend(receipt, lease_s)
        except ProviderUnavailable:
            return True  # as above
        if not held:  # moved to the dead-letter queue, or handed to another worker
            self._receipts.pop(job_id, None)
        return held

    def hand_back(self, job_id: str, owner: str) -> bool:
        """Queued again under the same run, this take not counted, in a new message: the old one's
        receive count would grow with every hand-back, and SQS's redrive moves a message received too
        often to the dead-letter queue whatever our row says."""
        change = Update().set("status", QUEUED).set("stage", "queued").set("progress", 0)
        change.remove("lease_owner").remove("lease_until").set("updated_at", time.time()).add("attempts", -1)
        try:
            row = self._table.call(
                "update_item",
                **change.arguments(self._table.name, key(job_id), held_by(change, owner)),
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError:
            return False
        receipt = self._receipts.pop(job_id, None)
        try:
            self._queue.send(job_id, int(row["run"]["N"]))
        except ProviderUnavailable:
            if receipt:
                self._queue.release(receipt)  # the old message, then: visible again now
            return True
        if receipt:
            self._queue.delete(receipt)
        return True

    def end(self, job_id: str) -> None:
        """The job ended under this process's lease: its message is done with, so SQS will not hand
        it out again."""
        if receipt := self._receipts.pop(job_id, None):
            self._queue.delete(receipt)

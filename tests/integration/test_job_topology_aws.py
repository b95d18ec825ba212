"""The process topology on the AWS job backend (KW_JOB_BACKEND=aws): 2 API processes and 2 worker
processes whose jobs live in SQS, DynamoDB and S3 — the local stand-in (moto in server mode), spoken
to by the real boto3 — and whose graph is one data dir's embedded FalkorDB. A job posted to one API is
followed live from the other; a worker killed mid-job leaves its job to the other worker once the
message's visibility (the lease) runs out; nothing is lost and nothing is written twice
(tests/support/job_topology.py); a job no worker can load ends in the dead-letter queue and is failed
with its reason."""

from __future__ import annotations

import asyncio
import re

import pytest

from backend.config import load_settings
from backend.ingest.aws_jobs import AwsJobStore
from tests.support.aws_jobs import make_job_resources
from tests.support.job_topology import (
    ended,
    events,
    finished_once,
    kill_its_worker,
    post_meetings,
    running_on_a_worker,
    two_apis_two_workers,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MAX_ATTEMPTS = 3


def jobs_env(resources) -> dict:
    return {
        **resources.env(),
        # the message's visibility: a killed worker's job comes back after it (on a busy machine a
        # shorter lease can run out under a live worker: the job is then taken over, an extra attempt)
        "KW_JOB_LEASE_S": "10",
        "KW_JOB_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
    }


def queue_counts(sqs, url: str) -> int:
    """Messages waiting plus messages received and not yet deleted."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(found[n]) for n in names)


def poison_job(resources, aws) -> str:
    """A job as an API would queue it (a large request, so kept in S3), whose upload is then lost: no
    worker can load it, each attempt crashes."""
    store = AwsJobStore.from_settings(load_settings(**resources.settings()))
    try:
        request = {"namespace": "default", "title": "lost", "content": "Ann: hello.\n" * 10_000}
        job = asyncio.run(store.create("default", "transcript", "tr_poison", request))
    finally:
        store.close()
    aws.client("s3").delete_object(Bucket=resources.bucket, Key=f"uploads/default/{job.id}.json")
    return job.id


def done_events(resources, job_id: str) -> int:
    store = AwsJobStore.from_settings(load_settings(**resources.settings()))
    try:
        return [e for _, e, _ in asyncio.run(store.events_after(job_id, 0))].count("done")
    finally:
        store.close()


def test_two_apis_two_workers_on_aws_a_killed_worker_a_poison_job_and_nothing_lost(tmp_path, aws):
    resources = make_job_resources(aws, max_attempts=MAX_ATTEMPTS)
    with two_apis_two_workers(tmp_path, jobs_env(resources)) as topology:
        poison = poison_job(resources, aws)
        jobs = post_meetings(topology)
        # the largest meeting's request went to S3 (the job's request holds the key), the smallest's
        # is inline; the messages carry job ids only
        uploads = {o["Key"] for o in aws.client("s3").list_objects_v2(Bucket=resources.bucket)["Contents"]}
        assert (
            f"uploads/default/{jobs[0]}.json" in uploads and f"uploads/default/{jobs[2]}.json" not in uploads
        )
        victim_job = running_on_a_worker(topology, jobs)
        kill_its_worker(topology, victim_job)  # its message stays hidden until the lease runs out

        taken_over = finished_once(topology, jobs, victim_job)
        assert taken_over["attempts"] >= 2
        assert [done_events(resources, j) for j in jobs] == [1, 1, 1]

        # the poison job: tried MAX_ATTEMPTS times, dead-lettered, failed with its reason
        dead = topology.wait_until(lambda: ended(topology.second, poison), "the poison job's dead letter")
        # SQS counts receives, the job its claims: a receive that died with the killed worker counts
        # only in SQS, so the job may show one claim fewer than the queue allowed
        assert dead["status"] == "failed" and dead["attempts"] in (MAX_ATTEMPTS - 1, MAX_ATTEMPTS)
        assert re.fullmatch(
            rf"gave up after {dead['attempts']} attempts: cannot read the upload s3://\S+ \(NoSuchKey\)",
            dead["error"],
        )
        assert events(topology.first, poison)[-1] == (
            "error",
            {"job_id": poison, "error": dead["error"], "retryable": True},
        )
        sqs = aws.client("sqs")
        assert queue_counts(sqs, resources.dlq_url) == 1  # kept there for the operators (the DLQ alarm)
        # nothing left behind (a message the killed worker had just received comes back once, stale)
        topology.wait_until(lambda: queue_counts(sqs, resources.queue_url) == 0, "the jobs queue to empty")

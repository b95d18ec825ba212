"""The process topology on the AWS job backend (KW_JOB_BACKEND=aws): 2 API processes and 2 worker
processes whose jobs live in SQS, DynamoDB and S3 — the local stand-in (moto in server mode), spoken
to by the real boto3 — and whose graph is one data dir's embedded FalkorDB. A job posted to one API is
followed live from the other; a worker killed mid-job leaves its job to the other worker once the
message's visibility (the lease) runs out; nothing is lost and nothing is written twice; a job no
worker can load ends in the dead-letter queue and is failed with its reason."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from backend.config import load_settings
from backend.ingest.aws_jobs import AwsJobStore
from tests.integration.test_job_topology import _ended, events, ready, wait_until
from tests.support.aws_jobs import make_job_resources
from tests.support.live_server import free_port
from tests.support.qmsum import meeting_path

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
MAX_ATTEMPTS = 3


def start(data_dir: Path, jobs_env: dict, *args: str, port: int | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        **jobs_env,
        "KW_DATA_DIR": str(data_dir),  # the graph: one embedded FalkorDB for every process
        "KW_WORKER_PROCESSES": "0",  # this test starts the workers itself,
        "KW_API_RUNS_JOBS": "false",  # and the APIs only serve
        # the message's visibility: a killed worker's job comes back after it (on a busy machine a
        # shorter lease can run out under a live worker: the job is then taken over, an extra attempt)
        "KW_JOB_LEASE_S": "10",
        "KW_JOB_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "PYTHONPATH": str(ROOT),
        **({"KW_PORT": str(port)} if port else {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "backend.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


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
    jobs_env = resources.env()
    ports = [free_port(), free_port()]
    apis = [start(tmp_path, jobs_env, "serve", port=p) for p in ports]
    workers = [start(tmp_path, jobs_env, "worker") for _ in range(2)]
    first, second = (f"http://127.0.0.1:{p}" for p in ports)
    try:
        for base in (first, second):
            wait_until(lambda b=base: ready(b), f"{base} to be ready")
        poison = poison_job(resources, aws)
        jobs = []
        for name in ("Bmr005", "Bro011", "ES2006a"):
            accepted = httpx.post(
                f"{first}/v1/transcripts",
                json={"content": json.loads(meeting_path(name).read_text()), "title": name},
                timeout=60,
            )
            assert accepted.status_code == 202, accepted.text
            jobs.append(accepted.json()["job_id"])
        # the largest meeting's request went to S3 (the job's request holds the key), the smallest's
        # is inline; the messages carry job ids only
        uploads = {o["Key"] for o in aws.client("s3").list_objects_v2(Bucket=resources.bucket)["Contents"]}
        assert (
            f"uploads/default/{jobs[0]}.json" in uploads and f"uploads/default/{jobs[2]}.json" not in uploads
        )

        # a job posted to the first API, seen running on a worker through the second
        def running_on_a_worker():
            for job_id in jobs:
                job = httpx.get(f"{second}/v1/jobs/{job_id}", timeout=60).json()
                if job["status"] == "running" and job["worker"] and job["progress"] > 0.05:
                    return job
            return None

        victim_job = wait_until(running_on_a_worker, "a job running on a worker")
        victim = next(w for w in workers if f":{w.pid}:" in victim_job["worker"])
        victim.send_signal(signal.SIGKILL)  # no goodbye: its message stays hidden until the lease runs out
        victim.wait(timeout=30)

        # the second API streams the job's events to its end: the other worker finishes it
        streamed = events(second, victim_job["id"])
        assert streamed[-1][0] == "done", streamed[-1]
        finished = [wait_until(lambda j=j: _ended(first, j), f"job {j}") for j in jobs]
        assert all(j["status"] == "succeeded" for j in finished), [j["error"] for j in finished]
        taken_over = next(j for j in finished if j["id"] == victim_job["id"])
        assert taken_over["attempts"] >= 2
        assert all(j["worker"] is None for j in finished)
        assert [done_events(resources, j) for j in jobs] == [1, 1, 1]

        # written once: the graph holds exactly what the three results say
        stats = httpx.get(f"{second}/v1/graph/stats", timeout=60).json()
        assert stats["transcripts"] == 3
        assert stats["chunks"] == sum(j["result"]["chunks"] for j in finished)

        # the poison job: tried MAX_ATTEMPTS times, dead-lettered, failed with its reason
        dead = wait_until(lambda: _ended(second, poison), "the poison job's dead letter")
        # SQS counts receives, the job its claims: a receive that died with the killed worker counts
        # only in SQS, so the job may show one claim fewer than the queue allowed
        assert dead["status"] == "failed" and dead["attempts"] in (MAX_ATTEMPTS - 1, MAX_ATTEMPTS)
        assert re.fullmatch(
            rf"gave up after {dead['attempts']} attempts: cannot read the upload s3://\S+ \(NoSuchKey\)",
            dead["error"],
        )
        assert events(first, poison)[-1] == (
            "error",
            {"job_id": poison, "error": dead["error"], "retryable": True},
        )
        sqs = aws.client("sqs")
        assert queue_counts(sqs, resources.dlq_url) == 1  # kept there for the operators (the DLQ alarm)
        # nothing left behind (a message the killed worker had just received comes back once, stale)
        wait_until(lambda: queue_counts(sqs, resources.queue_url) == 0, "the jobs queue to empty")
    finally:
        for proc in [*workers, *apis]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*workers, *apis]:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()

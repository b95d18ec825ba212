"""Leased jobs in the SQLite job store, as two processes see it (two stores on one file): one claimer
per job, a job taken over only when its lease has run out, a worker that lost its lease cannot write,
and a job that keeps losing its worker is dead-lettered with the reason."""

from __future__ import annotations

import asyncio
import time

from backend.domain import JobStatus
from backend.ingest.jobs import JobStore


def stores(tmp_path, n=2) -> list[JobStore]:
    return [JobStore(tmp_path / "jobs.sqlite3") for _ in range(n)]


async def test_each_job_goes_to_exactly_one_claimer(tmp_path):
    a, b = stores(tmp_path)
    ids = {(await a.create("ns", "transcript", f"tr{i}", {"n": i})).id for i in range(20)}
    claims = await asyncio.gather(*(s.claim(f"w{i}", 60, 3) for i, s in enumerate([a, b] * 15)))
    taken = [c.id for c in claims if c is not None]
    assert sorted(taken) == sorted(ids)  # all 20 claimed, none twice, the 10 extra claims got nothing
    assert all(c.status is JobStatus.RUNNING and c.attempts == 1 for c in claims if c)


async def test_a_job_is_taken_over_only_after_its_lease_runs_out(tmp_path):
    a, b = stores(tmp_path)
    job = await a.create("ns", "transcript", "tr", {})
    assert (await a.claim("alive", 0.5, 3)).id == job.id
    assert await b.claim("other", 60, 3) is None  # leased
    deadline = time.monotonic() + 60
    while (taken := await b.claim("other", 60, 3)) is None:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    assert taken.id == job.id and taken.attempts == 2 and taken.worker == "other"
    # the first worker lost it: it can neither renew nor write the job's state
    assert not await a.renew(job.id, "alive", 60)
    assert not await a.update(job.id, owner="alive", status=JobStatus.SUCCEEDED, progress=1.0)
    assert await b.update(job.id, owner="other", progress=0.5)
    assert (await a.get(job.id)).status is JobStatus.RUNNING


async def test_a_job_that_keeps_losing_its_worker_is_dead_lettered_with_the_reason(tmp_path):
    (a,) = stores(tmp_path, 1)
    job = await a.create("ns", "transcript", "tr", {})
    for attempt in range(2):
        claimed = await a.claim(f"w{attempt}", 0.01, 2)
        assert claimed.attempts == attempt + 1
        await asyncio.sleep(0.05)  # its worker dies: the lease runs out
    assert await a.claim("w3", 60, 2) is None
    failed = await a.get(job.id)
    assert failed.status is JobStatus.FAILED
    assert failed.error == "gave up after 2 attempts: its worker stopped before finishing"

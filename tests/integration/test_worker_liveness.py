"""Whether jobs are still being taken, as an SRE sees it: each worker's job slots say they are alive
with `WorkerHeartbeat` (EMF, what the `worker-heartbeat` alarm reads); a slot stuck on its job store
stops counting; and a job store that fails for a while does not stop a worker for good (its slots
died of the first error before, and the process ran on without taking a job)."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest

from backend.config import load_settings
from backend.domain import JobStatus
from backend.ingest import worker_heartbeat
from backend.ingest.pipeline import IngestRequest
from backend.observability import metrics
from backend.runtime import open_runtime
from tests.integration.test_metrics import check_emf, emf_lines

pytestmark = pytest.mark.integration

DEADLINE_S = 120  # generous: a busy 2-core machine
TRANSCRIPT = "Maria Chen: Voltra ships the packs on Friday.\nDavid Okafor: Then the pilot starts Monday."


async def beats(capfd, count: int) -> list[int]:
    """The next `count` WorkerHeartbeat values this process emits."""
    values: list[int] = []
    deadline = time.monotonic() + DEADLINE_S
    while len(values) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        for doc in emf_lines(capfd.readouterr().out):
            check_emf(doc)
            if "WorkerHeartbeat" in doc:
                values.append(doc["WorkerHeartbeat"])
    assert len(values) >= count, f"{len(values)} heartbeats in {DEADLINE_S} s"
    return values[:count]


@pytest.fixture
async def runtime(tmp_path, monkeypatch):
    monkeypatch.setattr(worker_heartbeat.beat, "__defaults__", (0.1,))  # a beat every 0.1 s, not 60 s
    metrics.configure(True)
    rt = await open_runtime(load_settings(data_dir=tmp_path, ingest_workers=2))
    yield rt
    await rt.close()
    metrics.configure(False)


async def test_each_slot_that_goes_round_is_counted_and_a_stuck_one_is_not(runtime, capfd):
    assert await beats(capfd, 2) == [2, 2]  # two slots looking for jobs
    stuck = asyncio.Event()
    claim = runtime.jobs.claim

    async def hangs_once(*args):  # the job store never answers one slot (a hung connection)
        if not stuck.is_set():
            stuck.set()
            await asyncio.Event().wait()
        return await claim(*args)

    runtime.jobs.claim = hangs_once
    await asyncio.wait_for(stuck.wait(), DEADLINE_S)
    runtime.ingest.rounds.fresh_s = 0.5  # alive: went round within this (the lease, in service)
    deadline = time.monotonic() + DEADLINE_S
    while (await beats(capfd, 1))[-1] != 1:  # the stuck slot falls out once it has been quiet that long
        assert time.monotonic() < deadline, "the stuck slot was still counted"


async def test_a_job_store_failing_for_a_while_does_not_stop_the_workers(runtime, capfd):
    claim, failures = runtime.jobs.claim, []

    async def fails_at_first(*args):
        if len(failures) < 4:  # both slots fail, twice each
            failures.append(1)
            raise sqlite3.OperationalError("disk I/O error")
        return await claim(*args)

    runtime.jobs.claim = fails_at_first
    job, _ = await runtime.ingest.submit(IngestRequest(namespace="team", content=TRANSCRIPT))
    done = await asyncio.wait_for(runtime.ingest.wait(job.id), DEADLINE_S)
    assert len(failures) == 4
    assert done.status is JobStatus.SUCCEEDED, done.error
    assert await beats(capfd, 1) == [2]  # and both slots go round again


async def test_the_api_replaces_a_worker_process_that_died_not_one_told_to_stop(tmp_path, caplog):
    """Ctrl-C stops every process of a terminal at once: a worker started in the place of one that
    stopped went on loading its models while the API shut down."""
    import logging
    import os
    import signal

    from backend.worker_process import WorkerProcesses

    caplog.set_level(logging.INFO, logger="backend.worker_process")
    workers = WorkerProcesses(load_settings(data_dir=tmp_path), 2)
    await workers.start()
    try:
        died, told = workers.pids
        # at once, while it still imports: SIGTERM ends it before its own handler is in place (after
        # that, it stops and exits 0: the demo test's Ctrl-C); neither is a crash
        os.kill(told, signal.SIGTERM)
        os.kill(died, signal.SIGKILL)
        deadline = time.monotonic() + DEADLINE_S
        while workers.pids[0] == died:
            assert time.monotonic() < deadline, "a worker that died was not replaced"
            await asyncio.sleep(0.2)
        while not any("stopped when asked" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "a worker told to stop was not noticed"
            await asyncio.sleep(0.2)
        assert workers.pids[1] == told  # left stopped
    finally:
        await workers.stop()

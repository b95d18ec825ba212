"""The process topology the API runs in: API processes that only serve, worker processes that run the
jobs, all meeting in one data dir. A job posted to one API is followed live from another; a worker
killed mid-job leaves its job to the other worker once its lease runs out; nothing is lost and
nothing is written twice (tests/support/job_topology.py)."""

from __future__ import annotations

import os

import pytest

from backend.config import Settings
from tests.support.job_topology import (
    finished_once,
    kill_its_worker,
    post_meetings,
    running_on_a_worker,
    two_apis_two_workers,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# a killed worker's job is taken over after this (busy machine: not less)
JOBS_ENV = {"KW_JOB_LEASE_S": "20"}


def test_two_apis_two_workers_a_killed_worker_and_nothing_lost(tmp_path):
    with two_apis_two_workers(tmp_path, JOBS_ENV) as topology:
        jobs = post_meetings(topology)
        victim_job = running_on_a_worker(topology, jobs)
        # workers run below the API in the CPU's queue (KW_WORKER_NICE; bench/load.py --only-ingest)
        nice = min(19, os.getpriority(os.PRIO_PROCESS, 0) + Settings.model_fields["worker_nice"].default)
        assert [os.getpriority(os.PRIO_PROCESS, w.pid) for w in topology.workers] == [nice, nice]
        # and in Linux's idle class: they yield a CPU the moment the API or the database wakes
        assert [os.sched_getscheduler(w.pid) for w in topology.workers] == [os.SCHED_IDLE] * 2
        kill_its_worker(topology, victim_job)

        taken_over = finished_once(topology, jobs, victim_job)
        assert taken_over["attempts"] == 2

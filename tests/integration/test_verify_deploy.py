"""`weaver verify-deploy` as CI runs it: against the real API, and against a round-robin stand-in for a
load balancer whose tasks roll from the old commit to the new one mid-way. The exit code is the verdict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from backend.config import load_settings
from backend.verify_deploy import same_commit
from tests.support.http_standin import StandIn
from tests.support.live_server import live_server

pytestmark = pytest.mark.integration

NEW = "0123456789abcdef0123456789abcdef01234567"
OLD = "fedcba9876543210fedcba9876543210fedcba98"


def verify_deploy(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KW_")}
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", "verify-deploy", url, "--interval", "0.05", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class RollingFleet:
    """A load balancer over two tasks, round robin per request; task-a runs OLD until `rolled`."""

    def __init__(self) -> None:
        self.answered = 0
        self.rolled_at: int | None = None
        self._lock = threading.Lock()

    def roll(self) -> None:
        with self._lock:
            self.rolled_at = self.answered

    def __call__(self, method, path, headers, body):
        assert path == "/version" and "cookie" not in headers  # no stickiness cookie sent
        with self._lock:
            self.answered += 1
            task = "task-a" if self.answered % 2 else "task-b"
            sha = OLD if task == "task-a" and self.rolled_at is None else NEW
            if self.answered == 40:  # ECS replaced task-a after 20 rounds' worth of requests
                self.rolled_at = self.answered
        doc = {"version": "0.1.0", "git_sha": sha, "built_at": "x", "instance": task}
        return 200, {"content-type": "application/json"}, json.dumps(doc).encode()


def test_the_running_api_reports_its_commit(tmp_path):
    with live_server(load_settings(data_dir=tmp_path, git_sha=NEW[:12])) as api:
        done = verify_deploy(api, "--sha", NEW, "--timeout", "60")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verified: every task answering" in done.stdout
    assert f"= {NEW[:12]}" in done.stdout  # a 12-digit image tag matches the full SHA


def test_a_wrong_commit_fails_with_what_runs(tmp_path):
    with live_server(load_settings(data_dir=tmp_path, git_sha=OLD)) as api:
        done = verify_deploy(api, "--sha", NEW, "--timeout", "1")
    assert done.returncode == 1
    assert "NOT verified" in done.stdout and f"!= {OLD}" in done.stdout


def test_a_half_rolled_fleet_is_not_verified_until_every_task_runs_the_commit():
    fleet = RollingFleet()
    with StandIn(fleet) as lb:
        done = verify_deploy(lb.url, "--sha", NEW[:12], "--requests", "4", "--min-tasks", "2")
    assert done.returncode == 0, done.stdout
    assert fleet.rolled_at == 40  # nothing was verified while task-a ran OLD ...
    rounds = [line for line in done.stdout.splitlines() if line.startswith("round ")]
    assert all(f"task-a != {OLD}" in line for line in rounds[:10])
    assert "task-a = " in rounds[-1] and "task-b = " in rounds[-1]  # ... and both were heard at the end


def test_too_few_tasks_answering_is_not_verified():
    fleet = RollingFleet()
    fleet.roll()
    with StandIn(fleet) as lb:
        done = verify_deploy(lb.url, "--sha", NEW, "--min-tasks", "3", "--timeout", "1")
    assert done.returncode == 1 and "2 task(s)" in done.stdout


def test_an_unreachable_url_fails_and_a_short_sha_is_a_usage_error():
    assert verify_deploy("http://127.0.0.1:9", "--sha", NEW, "--timeout", "0").returncode == 1
    assert verify_deploy("http://127.0.0.1:9", "--sha", "abc").returncode == 2


def test_abbreviations_of_one_commit_match():
    assert same_commit(NEW[:12], NEW) and same_commit(NEW, NEW[:7]) and same_commit(NEW.upper(), NEW)
    assert not same_commit("unknown", NEW) and not same_commit(NEW[:6], NEW) and not same_commit(OLD, NEW)

"""The local AWS stand-in: moto in server mode, in a process of its own on a free loopback port. It
speaks the real wire protocols (DynamoDB, SQS, S3, …), so the real boto3 talks to it over HTTP exactly
as it would to AWS — only `endpoint_url` differs (`KW_AWS_ENDPOINT_URL`). No mock decorators: what the
code under test sends is what AWS would receive.

Used by the session store's DynamoDB tests (#22) and meant for the job queue and tables of #17: start
it once per test session (`tests/conftest.py`: the `aws_standin` fixture), give each test its own
table or queue names, or `reset()` it between tests that need an empty account.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .live_server import free_port

REGION = "us-east-1"
# moto accepts any credentials; these are what boto3 reads from the environment in tests.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
}


@dataclass
class AwsStandIn:
    endpoint_url: str
    region: str = REGION
    process: subprocess.Popen | None = field(default=None, repr=False)
    log: object = field(default=None, repr=False)  # the server's output file, closed by stop()

    def client(self, service: str):
        """A real boto3 client pointed at the stand-in."""
        import boto3

        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=CREDENTIALS["AWS_SESSION_TOKEN"],
        )

    def reset(self) -> None:
        """Forget every resource (tables, queues, buckets) — an empty account again."""
        httpx.post(f"{self.endpoint_url}/moto-api/reset", timeout=30).raise_for_status()

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.endpoint_url}/moto-api/data.json", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        if self.log is not None:
            self.log.close()


def start_aws_standin(log_dir: Path, *, timeout_s: float = 120.0) -> AwsStandIn:
    """`python -m moto.server` on a free port; returns once it answers (a cold start imports every
    service's models: seconds on a busy machine, hence the generous deadline)."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log = (log_dir / "moto.log").open("wb")
    env = {**os.environ, **CREDENTIALS}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    standin = AwsStandIn(endpoint_url=f"http://127.0.0.1:{port}", process=process, log=log)
    deadline = time.monotonic() + timeout_s
    while not standin.ready():
        if process.poll() is not None:
            raise RuntimeError(
                f"the moto server exited with {process.returncode}; see {log_dir / 'moto.log'}"
            )
        if time.monotonic() > deadline:
            standin.stop()
            raise RuntimeError(f"the moto server did not answer within {timeout_s:.0f}s")
        time.sleep(0.2)
    return standin

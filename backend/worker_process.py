"""Ingest workers as processes of their own: `weaver worker` runs one, and the API starts
`KW_WORKER_PROCESSES` of them beside itself, so parsing, spaCy, embeddings and Whisper never share the
API's event loop or its threads. Workers and API processes meet only in the data dir (the job store
and the graph), so any number of either can run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys

from pydantic import SecretStr

from backend.config import ENV_PREFIX, Settings
from backend.observability import metrics, tracing
from backend.runtime import open_runtime

log = logging.getLogger(__name__)
_STOP_WAIT_S = 30.0  # a worker asked to stop gets this long to leave its jobs to their leases


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a child process these same settings (they may not have come from
    the environment: a test or an embedding program builds them in code)."""
    env = {}
    for name, field in type(settings).model_fields.items():
        value = getattr(settings, name)
        if value == field.default:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, dict | list | tuple | set | frozenset):
            value = json.dumps(
                value if not isinstance(value, set | frozenset) else sorted(value), default=str
            )
        env[f"{ENV_PREFIX}{name.upper()}"] = str(value)
    return env


class WorkerProcesses:
    """The API's worker processes: started with it, replaced if one dies, stopped with it."""

    def __init__(self, settings: Settings, count: int) -> None:
        # the workers emit metrics when this process does (`auto`: the server, not the demo's terminal)
        decided = {f"{ENV_PREFIX}METRICS": "emf" if metrics.enabled() else "off"}
        self._env = {**os.environ, **settings_env(settings), **decided}
        self._count = count
        self._procs: list[subprocess.Popen] = []
        self._watch: asyncio.Task | None = None
        self._stopped: set[int] = set()  # workers that exited when asked, left stopped

    def _spawn(self) -> subprocess.Popen:
        command = [sys.executable, "-m", "backend.cli", "worker", "--parent", str(os.getpid())]
        # a terminal kept for people (the demo) stays so: the workers log where this process does
        files = [h for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler)]
        if files:
            command += ["--log-file", files[0].baseFilename]
        return subprocess.Popen(command, env=self._env, stdin=subprocess.DEVNULL)

    async def start(self) -> None:
        self._procs = [self._spawn() for _ in range(self._count)]
        log.info("worker processes started", extra={"pids": [p.pid for p in self._procs]})
        self._watch = asyncio.create_task(self._keep_running(), name="worker-processes")

    @property
    def pids(self) -> list[int]:
        return [proc.pid for proc in self._procs]

    async def _keep_running(self) -> None:
        """Replace a worker that died (a crash, the OOM killer's SIGKILL), not one told to stop: on
        Ctrl-C every process of the terminal stops at once, and one started in its place went on
        loading its models while this process shut down."""
        while True:
            await asyncio.sleep(1.0)
            for i, proc in enumerate(self._procs):
                if proc.poll() is None or proc.pid in self._stopped:
                    continue
                # told to stop: it exited 0 after its SIGTERM/SIGINT handler ran, or was ended by the
                # signal itself if it came before the handler was installed (while importing)
                if proc.returncode in (0, -signal.SIGTERM, -signal.SIGINT):
                    log.info("a worker process stopped when asked", extra={"pid": proc.pid})
                    self._stopped.add(proc.pid)
                    continue
                log.warning(
                    "a worker process exited; starting another",
                    extra={"pid": proc.pid, "returncode": proc.returncode},
                )
                self._procs[i] = self._spawn()

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        for proc in self._procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self._procs:
            try:
                await asyncio.to_thread(proc.wait, _STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                await asyncio.to_thread(proc.wait)
        self._procs = []


async def run_worker(settings: Settings, parent: int | None = None) -> None:
    """Claim and run jobs until SIGTERM or SIGINT (or until `parent` is gone)."""
    # Below the API in the CPU's queue: where they share a machine, a question waits for ingest less.
    os.nice(settings.worker_nice)
    if settings.worker_nice == 19 and hasattr(os, "SCHED_IDLE"):
        # Linux's idle class as well: a nice 19 thread still holds a CPU until the scheduler's next
        # tick when the API or the database wakes; an idle-class one yields it at once. Every thread
        # this process starts from here on (the models' pools) inherits it.
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # A job continues its upload's trace (`IngestRequest.traceparent`): its spans are exported from here.
    tracing.setup_tracing(settings)
    runtime = await open_runtime(settings)
    log.info("worker ready", extra={"worker": runtime.ingest.name, "jobs_at_once": settings.ingest_workers})
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=2.0)
            if parent is not None and os.getppid() != parent:
                log.warning("the API process that started this worker is gone; stopping")
                break
    finally:
        await runtime.close()
        # the spans still batched, within a bound: a slow trace backend must not hold a stop (the API
        # waits _STOP_WAIT_S for its workers, ECS 30 s for the task)
        tracing.flush(timeout_ms=3_000)
        tracing.shutdown()

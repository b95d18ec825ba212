"""Whether a process's job slots still go round, as a metric: `WorkerHeartbeat` once a minute is the
number of its slots that claimed, looked for or renewed a job lately. The API's `Heartbeat` says a
task serves; this says jobs are being taken, from wherever they run (worker processes, the worker
service on AWS, or the API itself locally). A slot stuck on a call that never returns, or a process
whose slots died, goes quiet, and the `worker-heartbeat` alarm fires on the silence."""

from __future__ import annotations

import asyncio
import logging
import time

from backend.observability import metrics

log = logging.getLogger(__name__)
HEARTBEAT_S = 60.0  # CloudWatch's finest standard resolution, as the API's heartbeat


class SlotRounds:
    """When each job slot last went round: looked for a job, or renewed the lease of the one it runs."""

    def __init__(self, slots: int, fresh_s: float) -> None:
        self.fresh_s = fresh_s  # a slot that went round within this is alive
        self._at = [time.monotonic()] * slots

    def went_round(self, slot: int) -> None:
        self._at[slot] = time.monotonic()

    def alive(self) -> int:
        now = time.monotonic()
        return sum(now - at <= self.fresh_s for at in self._at)


async def beat(rounds: SlotRounds, interval_s: float = HEARTBEAT_S) -> None:
    """Until cancelled: `WorkerHeartbeat` = the slots alive, every interval (0 is said, not skipped)."""
    while True:
        try:
            await metrics.emit({}, WorkerHeartbeat=rounds.alive())
        except Exception as exc:  # a missed beat, never a stopped one
            log.warning("worker heartbeat failed", extra={"error": type(exc).__name__})
        await asyncio.sleep(interval_s)

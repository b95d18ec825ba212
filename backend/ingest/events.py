"""Job progress events, fanned out to every listener of a job (SSE clients, the CLI's progress bar).

In-process only; the job store holds the durable state, so a listener that connects late (or to
another process) starts from the stored snapshot and then follows the live events.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from contextlib import contextmanager


class JobEvents:
    def __init__(self) -> None:
        self._listeners: dict[str, set[asyncio.Queue]] = defaultdict(set)

    @contextmanager
    def listen(self, job_id: str):
        queue: asyncio.Queue = asyncio.Queue(maxsize=1000)
        self._listeners[job_id].add(queue)
        try:
            yield queue
        finally:
            self._listeners[job_id].discard(queue)
            if not self._listeners[job_id]:
                del self._listeners[job_id]

    def publish(self, job_id: str, event: str, data: dict) -> None:
        for queue in list(self._listeners.get(job_id, ())):
            if queue.full():  # a listener that stopped reading loses the oldest progress, never the end
                queue.get_nowait()
            queue.put_nowait((event, data))

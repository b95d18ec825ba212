"""Waiting for a condition in tests: generous deadlines, never a fixed sleep (a busy 2-core machine
runs these)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(
    condition: Callable,
    timeout: float = 60,
    what: str = "the page",
    poll: float = 0.1,
    explain: Callable[[], str] = str,
):
    """The condition's first truthy value; on timeout an AssertionError naming `what`, with `explain()`
    (e.g. the tails of the processes' logs) after it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}{explain()}")

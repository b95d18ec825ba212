"""The one way this service opens a SQLite file of its own (jobs, sessions, the LLM and embedding caches):
in WAL mode, shared by every process on one data dir, waiting on each other's locks instead of failing."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

BUSY_TIMEOUT_S = 30  # a writer waits this long for another's lock (a busy 2-core machine)


def open_wal(path: Path, *, synchronous: str = "FULL") -> sqlite3.Connection:
    """An autocommit connection to `path` (made if missing) in WAL mode, for use from any thread.

    `synchronous="NORMAL"` leaves the fsync to checkpoints: a power cut can lose the last commits,
    never corrupt the file — for what can be made again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_S)
    try:
        _into_wal(db, path)
        db.execute(f"PRAGMA synchronous={_checked(synchronous)}")  # one of two fixed words
    except BaseException:
        db.close()
        raise
    return db


def _into_wal(db: sqlite3.Connection, path: Path) -> None:
    """Switching a file into WAL needs it to itself, and SQLite does not wait for that (its busy handler
    is not run for the switch): processes opening a new data dir together got "database is locked" at
    start. WAL is kept in the file, so once one has switched it the rest only read the mode."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    pause = 0.01
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            if db.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal":
                return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise sqlite3.OperationalError(
                f"{path} stayed locked for {BUSY_TIMEOUT_S} s: could not put it into WAL mode"
            )
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def _checked(synchronous: str) -> str:
    if synchronous not in ("FULL", "NORMAL"):
        raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")
    return synchronous

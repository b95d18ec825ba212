"""The local job store (the `JobStore` port of job_store.py): SQLite in the data dir (WAL, so API
processes, worker processes and the CLI share it).

A job's request is stored with it, so a job can be run again after a crash or a failure without the
caller sending anything twice. Work is *leased*: a worker claims a job with its name and an expiry,
renews the lease while it works, and a job is taken over only when its lease has run out (its worker
died); every write of a running job's state names the lease holder, so a worker that lost its lease
cannot overwrite the new holder's work. A job claimed `max_attempts` times without finishing is
dead-lettered: failed, with the reason. Progress events live here too, so a client following a job
in one process sees the events a worker in another process writes.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backend.domain import Job, JobStatus
from backend.sqlite_files import open_wal

from .job_store import check_fields, dead_letter_reason, new_job_id
from .sqlite_job_rows import ADDED, SCHEMA, row_to_job, timestamp


class SqliteJobStore:
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        # No fsync per commit (WAL syncs at checkpoints): a progress write cost ~40 ms on a busy disk
        # and the pipeline waits for its reports. A job whose end a power cut lost runs again (its
        # writes are MERGEs).
        self._db = open_wal(path, synchronous="NORMAL")
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        present = {row["name"] for row in self._db.execute("PRAGMA table_info(jobs)")}
        for column, kind in ADDED.items():
            if column not in present:
                self._db.execute(f"ALTER TABLE jobs ADD COLUMN {column} {kind}")  # names from ADDED
        self._lock = threading.Lock()

    def _exec(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    async def _run(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        return await asyncio.to_thread(self._exec, sql, params)

    async def create(
        self,
        namespace: str,
        kind: str,
        transcript_id: str | None,
        request: dict,
        *,
        trace_id: str | None = None,
    ) -> Job:
        job, _ = await self._create(namespace, kind, transcript_id, request, trace_id, None)
        return job

    async def create_for_transcript(
        self,
        namespace: str,
        kind: str,
        transcript_id: str,
        request: dict,
        *,
        newest: str | None,
        trace_id: str | None = None,
    ) -> tuple[Job, bool]:
        return await self._create(namespace, kind, transcript_id, request, trace_id, {"newest": newest})

    async def _create(
        self,
        namespace: str,
        kind: str,
        transcript_id: str | None,
        request: dict,
        trace_id,
        guard: dict | None,
    ) -> tuple[Job, bool]:
        """With `guard`: only while the transcript's newest job is still `guard["newest"]` — checked and
        inserted under SQLite's write lock (BEGIN IMMEDIATE), so other processes wait between the two."""
        job_id = new_job_id()
        now = timestamp()

        def insert() -> str:
            with self._lock, self._db:  # one transaction: a job never exists without its request
                self._db.execute("BEGIN IMMEDIATE")
                if guard is not None:
                    row = self._db.execute(
                        "SELECT id FROM jobs WHERE namespace = ? AND transcript_id = ? "
                        "ORDER BY created_at DESC LIMIT 1",
                        (namespace, transcript_id),
                    ).fetchone()
                    if (row["id"] if row else None) != guard["newest"]:
                        return row["id"]
                self._db.execute(
                    "INSERT INTO jobs (id, namespace, kind, status, stage, transcript_id, trace_id, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        job_id,
                        namespace,
                        kind,
                        JobStatus.QUEUED.value,
                        "queued",
                        transcript_id,
                        trace_id,
                        now,
                        now,
                    ),
                )
                self._db.execute(
                    "INSERT INTO job_requests (job_id, request) VALUES (?, ?)", (job_id, json.dumps(request))
                )
                return job_id

        made = await asyncio.to_thread(insert)
        job = await self.get(made)
        assert job is not None
        return job, made == job_id

    async def get(self, job_id: str) -> Job | None:
        rows = await self._run("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return row_to_job(rows[0]) if rows else None

    async def request(self, job_id: str) -> dict:
        rows = await self._run("SELECT request FROM job_requests WHERE job_id = ?", (job_id,))
        return json.loads(rows[0]["request"])

    async def update(self, job_id: str, *, owner: str | None = None, **fields: Any) -> bool:
        """Set fields of a job; with `owner`, only while that worker holds its lease. True if written."""
        check_fields(fields)
        values = []
        for key, value in fields.items():
            if key in ("result",):
                value = json.dumps(value) if value is not None else None
            elif key == "usage":
                value = value.model_dump_json()
            elif isinstance(value, JobStatus):
                value = value.value
            values.append(value)
        assignments = ", ".join(f"{key} = ?" for key in fields)  # keys checked against JOB_FIELDS above
        if fields.get("status") in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.QUEUED):
            assignments += ", lease_owner = NULL, lease_until = NULL"
        statement = f"UPDATE jobs SET {assignments}, updated_at = ? WHERE id = ?"  # noqa: S608 — column names from JOB_FIELDS
        params: tuple = (*values, timestamp(), job_id)
        if owner is not None:
            statement += " AND lease_owner = ? AND status = ?"
            params += (owner, JobStatus.RUNNING.value)
        return await asyncio.to_thread(self._changed, statement, params)

    def _changed(self, statement: str, params: tuple) -> bool:
        with self._lock:
            return self._db.execute(statement, params).rowcount == 1

    async def claim(self, owner: str, lease_s: float, max_attempts: int) -> Job | None:
        """The oldest job that is queued, or running under a lease that ran out, now leased to `owner`;
        None when there is none. A job already claimed `max_attempts` times is dead-lettered instead."""

        def take() -> str | None:
            with self._lock:
                while True:
                    self._db.execute("BEGIN IMMEDIATE")  # one claimer at a time across processes
                    try:
                        now = time.time()
                        row = self._db.execute(
                            "SELECT id, attempts, error FROM jobs WHERE status = ? "
                            "OR (status = ? AND (lease_until IS NULL OR lease_until < ?)) "
                            "ORDER BY created_at LIMIT 1",
                            (JobStatus.QUEUED.value, JobStatus.RUNNING.value, now),
                        ).fetchone()
                        if row is None:
                            self._db.execute("COMMIT")
                            return None
                        if row["attempts"] >= max_attempts:
                            self._db.execute(
                                "UPDATE jobs SET status = ?, error = ?, lease_owner = NULL, "
                                "lease_until = NULL, updated_at = ? WHERE id = ?",
                                (
                                    JobStatus.FAILED.value,
                                    dead_letter_reason(row["attempts"], row["error"]),
                                    timestamp(),
                                    row["id"],
                                ),
                            )
                            self._db.execute(
                                "INSERT INTO job_events (job_id, event, data) VALUES (?, ?, ?)",
                                (row["id"], "error", json.dumps({"job_id": row["id"], "retryable": True})),
                            )
                            self._db.execute("COMMIT")
                            continue
                        self._db.execute(
                            "UPDATE jobs SET status = ?, attempts = attempts + 1, lease_owner = ?, "
                            "lease_until = ?, updated_at = ? WHERE id = ?",
                            (JobStatus.RUNNING.value, owner, now + lease_s, timestamp(), row["id"]),
                        )
                        self._db.execute("COMMIT")
                        return row["id"]
                    except BaseException:
                        self._db.execute("ROLLBACK")
                        raise

        job_id = await asyncio.to_thread(take)
        return await self.get(job_id) if job_id else None

    async def renew(self, job_id: str, owner: str, lease_s: float) -> bool:
        """Extend `owner`'s lease; False when it no longer holds it (taken over, or finished)."""
        return await asyncio.to_thread(
            self._changed,
            "UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = ?",
            (time.time() + lease_s, job_id, owner, JobStatus.RUNNING.value),
        )

    async def hand_back(self, job_id: str, owner: str) -> bool:
        return await asyncio.to_thread(
            self._changed,
            "UPDATE jobs SET status = ?, stage = 'queued', progress = 0, attempts = MAX(attempts - 1, 0), "
            "lease_owner = NULL, lease_until = NULL, updated_at = ? "
            "WHERE id = ? AND lease_owner = ? AND status = ?",
            (JobStatus.QUEUED.value, timestamp(), job_id, owner, JobStatus.RUNNING.value),
        )

    async def add_event(self, job_id: str, event: str, data: dict) -> None:
        await self._run(
            "INSERT INTO job_events (job_id, event, data) VALUES (?, ?, ?)",
            (job_id, event, json.dumps(data, default=str)),
        )

    async def events_after(self, job_id: str, seq: int) -> list[tuple[int, str, dict]]:
        rows = await self._run(
            "SELECT seq, event, data FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq",
            (job_id, seq),
        )
        return [(r["seq"], r["event"], json.loads(r["data"])) for r in rows]

    async def last_event(self, job_id: str) -> int:
        rows = await self._run(
            "SELECT COALESCE(MAX(seq), 0) AS seq FROM job_events WHERE job_id = ?", (job_id,)
        )
        return rows[0]["seq"]

    async def prune_events(self, older_than_s: float = 3600.0) -> None:
        """Events of jobs that ended more than `older_than_s` ago: history (the job row says how)."""
        cutoff = datetime.fromtimestamp(time.time() - older_than_s, UTC).isoformat()
        await self._run(
            "DELETE FROM job_events WHERE job_id IN "
            "(SELECT id FROM jobs WHERE status IN (?, ?) AND updated_at < ?)",
            (JobStatus.SUCCEEDED.value, JobStatus.FAILED.value, cutoff),
        )

    async def for_transcript(self, namespace: str, transcript_id: str) -> Job | None:
        """The newest job for this transcript, so a re-post can answer with it."""
        rows = await self._run(
            "SELECT * FROM jobs WHERE namespace = ? AND transcript_id = ? ORDER BY created_at DESC LIMIT 1",
            (namespace, transcript_id),
        )
        return row_to_job(rows[0]) if rows else None

    async def queued(self) -> int:
        """Jobs waiting for a worker, across every process that shares this store."""
        rows = await self._run("SELECT COUNT(*) AS n FROM jobs WHERE status = ?", (JobStatus.QUEUED.value,))
        return rows[0]["n"]

    async def ahead(self, job_id: str) -> int | None:
        """Claims take the oldest first: the queued jobs created before this one."""
        rows = await self._run(
            "SELECT COUNT(*) AS n FROM jobs WHERE status = ? AND created_at < "
            "(SELECT created_at FROM jobs WHERE id = ?)",
            (JobStatus.QUEUED.value, job_id),
        )
        return rows[0]["n"]

    async def ping(self) -> bool:
        return bool(await self._run("SELECT 1"))

    def close(self) -> None:
        with self._lock:
            self._db.close()

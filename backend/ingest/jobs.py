"""The durable job store: SQLite in the data dir (WAL, so the API and a CLI can share it).

A job's request is stored with it, so a job can be run again after a crash or a failure without the
caller sending anything twice. This is the seam for scale-out: a DynamoDB table implements the same
methods.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backend.domain import Job, JobStatus, Usage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    stage TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    error TEXT,
    transcript_id TEXT,
    result TEXT,
    usage TEXT,
    trace_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_transcript ON jobs (namespace, transcript_id);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status);
CREATE TABLE IF NOT EXISTS job_requests (
    job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    request TEXT NOT NULL
);
"""
_COLUMNS = (
    "stage",
    "progress",
    "error",
    "result",
    "usage",
    "trace_id",
    "attempts",
    "status",
    "transcript_id",
)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _row_to_job(row: sqlite3.Row) -> Job:
    return Job(
        id=row["id"],
        namespace=row["namespace"],
        kind=row["kind"],
        status=JobStatus(row["status"]),
        stage=row["stage"],
        progress=row["progress"],
        error=row["error"],
        transcript_id=row["transcript_id"],
        result=json.loads(row["result"]) if row["result"] else None,
        usage=Usage.model_validate_json(row["usage"]) if row["usage"] else Usage(),
        trace_id=row["trace_id"],
        attempts=row["attempts"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


class JobStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
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
        job_id = "job_" + uuid.uuid4().hex[:20]
        now = _now()

        def insert() -> None:
            with self._lock, self._db:  # one transaction: a job never exists without its request
                self._db.execute("BEGIN")
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

        await asyncio.to_thread(insert)
        job = await self.get(job_id)
        assert job is not None
        return job

    async def get(self, job_id: str) -> Job | None:
        rows = await self._run("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return _row_to_job(rows[0]) if rows else None

    async def request(self, job_id: str) -> dict:
        rows = await self._run("SELECT request FROM job_requests WHERE job_id = ?", (job_id,))
        return json.loads(rows[0]["request"])

    async def update(self, job_id: str, **fields: Any) -> None:
        unknown = set(fields) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"unknown job fields: {sorted(unknown)}")
        values = []
        for key, value in fields.items():
            if key in ("result",):
                value = json.dumps(value) if value is not None else None
            elif key == "usage":
                value = value.model_dump_json()
            elif isinstance(value, JobStatus):
                value = value.value
            values.append(value)
        assignments = ", ".join(f"{key} = ?" for key in fields)  # keys checked against _COLUMNS above
        statement = f"UPDATE jobs SET {assignments}, updated_at = ? WHERE id = ?"  # noqa: S608 — column names from _COLUMNS
        await self._run(statement, (*values, _now(), job_id))

    async def start_attempt(self, job_id: str) -> None:
        await self._run(
            "UPDATE jobs SET status = ?, error = NULL, attempts = attempts + 1, updated_at = ? WHERE id = ?",
            (JobStatus.RUNNING.value, _now(), job_id),
        )

    async def for_transcript(self, namespace: str, transcript_id: str) -> Job | None:
        """The newest job for this transcript, so a re-post can answer with it."""
        rows = await self._run(
            "SELECT * FROM jobs WHERE namespace = ? AND transcript_id = ? ORDER BY created_at DESC LIMIT 1",
            (namespace, transcript_id),
        )
        return _row_to_job(rows[0]) if rows else None

    async def unfinished(self) -> list[Job]:
        rows = await self._run(
            "SELECT * FROM jobs WHERE status IN (?, ?) ORDER BY created_at",
            (JobStatus.QUEUED.value, JobStatus.RUNNING.value),
        )
        return [_row_to_job(r) for r in rows]

    async def ping(self) -> bool:
        return bool(await self._run("SELECT 1"))

    def close(self) -> None:
        with self._lock:
            self._db.close()

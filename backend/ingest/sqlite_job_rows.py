"""The local job store's tables and rows (sqlite_jobs.py): the schema, the columns added since the
first release, and a row read back as a `Job` — as job_table.py is for the AWS store."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

from backend.domain import Job, JobStatus, Usage

SCHEMA = """
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
    updated_at TEXT NOT NULL,
    lease_owner TEXT,
    lease_until REAL
);
CREATE INDEX IF NOT EXISTS jobs_transcript ON jobs (namespace, transcript_id);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status);
CREATE TABLE IF NOT EXISTS job_requests (
    job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    request TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS job_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL,
    event TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS job_events_job ON job_events (job_id, seq);
"""
# Columns added after the first release: a data dir from then gets them on open.
ADDED = {"lease_owner": "TEXT", "lease_until": "REAL"}


def timestamp() -> str:
    return datetime.now(UTC).isoformat()


def row_to_job(row: sqlite3.Row) -> Job:
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
        worker=row["lease_owner"] if row["status"] == JobStatus.RUNNING.value else None,
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )

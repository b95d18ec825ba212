"""Conversations in SQLite in the data dir (`sessions.sqlite3`, WAL): the local default. The API and
the CLI (`weaver chat`, `weaver ask --session`) share it, and it survives restarts. Expired sessions
are deleted whenever a session is created, and are never returned before that."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

from backend.sqlite_files import open_wal

from .session import Session, Turn
from .store import SessionPolicy, decode_turns, encode_turns, from_epoch

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    turn_count INTEGER NOT NULL DEFAULT 0,
    turns BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at);
"""


def _row_to_session(row: sqlite3.Row) -> Session:
    return Session(
        id=row["id"],
        namespace=row["namespace"],
        created_at=from_epoch(row["created_at"]),
        updated_at=from_epoch(row["updated_at"]),
        expires_at=from_epoch(row["expires_at"]),
        turn_count=row["turn_count"],
        turns=decode_turns(row["turns"]),
    )


class SqliteSessionStore:
    name = "sqlite"

    def __init__(self, path: Path, policy: SessionPolicy) -> None:
        self.policy = policy
        self._db = open_wal(path)
        self._db.row_factory = sqlite3.Row
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def _now(self) -> float:
        return self.policy.now().timestamp()

    def _create(self, namespace: str) -> Session:
        session = self.policy.start(namespace)
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE expires_at <= ?", (self._now(),))
            self._db.execute(
                "INSERT INTO sessions (id, namespace, created_at, updated_at, expires_at, turn_count, turns) "
                "VALUES (?, ?, ?, ?, ?, 0, ?)",
                (
                    session.id,
                    namespace,
                    session.created_at.timestamp(),
                    session.updated_at.timestamp(),
                    session.expires_at.timestamp(),
                    encode_turns([]),
                ),
            )
        return session

    def _get(self, session_id: str) -> Session | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM sessions WHERE id = ? AND expires_at > ?", (session_id, self._now())
            ).fetchone()
        return _row_to_session(row) if row else None

    def _append(self, session_id: str, turn: Turn) -> Session | None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")  # read and write as one step: concurrent appends queue
            try:
                row = self._db.execute(
                    "SELECT * FROM sessions WHERE id = ? AND expires_at > ?", (session_id, self._now())
                ).fetchone()
                if row is None:
                    self._db.execute("ROLLBACK")
                    return None
                session = self.policy.with_turn(_row_to_session(row), turn)
                self._db.execute(
                    "UPDATE sessions SET updated_at = ?, expires_at = ?, turn_count = ?, turns = ? "
                    "WHERE id = ?",
                    (
                        session.updated_at.timestamp(),
                        session.expires_at.timestamp(),
                        session.turn_count,
                        encode_turns(session.turns),
                        session_id,
                    ),
                )
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        return session

    def _delete(self, session_id: str) -> bool:
        with self._lock:
            gone = self._db.execute(
                "DELETE FROM sessions WHERE id = ? AND expires_at > ?", (session_id, self._now())
            ).rowcount
        return gone > 0

    async def create(self, namespace: str) -> Session:
        return await asyncio.to_thread(self._create, namespace)

    async def get(self, session_id: str) -> Session | None:
        return await asyncio.to_thread(self._get, session_id)

    async def append(self, session_id: str, turn: Turn) -> Session | None:
        return await asyncio.to_thread(self._append, session_id, turn)

    async def delete(self, session_id: str) -> bool:
        return await asyncio.to_thread(self._delete, session_id)

    async def ping(self) -> bool:
        def probe() -> bool:
            with self._lock:
                return self._db.execute("SELECT 1").fetchone() is not None

        return await asyncio.to_thread(probe)

    def close(self) -> None:
        with self._lock:
            self._db.close()

"""FalkorDB's passage index: SQLite FTS5 in the data dir, ranked by BM25 (`bm25()`), shared by every
process on the machine and updated passage by passage as chunks are written.

Why not FalkorDB's own full-text index: its scorer is fixed to RediSearch's TF-IDF (no procedure lets
a query choose BM25) and over the 35 QMSum meetings in one namespace it found 0.353 of the tuning
half's spans at 10 with its best options, where FTS5 over passages found 0.651 and bm25s 0.675
(docs/architecture.md). FTS5 ships inside Python's sqlite3: nothing to install, nothing per process.

The graph stays the source of truth: a search gives chunk ids, and the chunks are read from the graph
(a passage whose chunk was deleted finds nothing). Rows are keyed by a hash of the chunk id, so
writing a passage again replaces it: re-ingesting is idempotent. A file that is empty while the graph
holds chunks (a graph from before passages were kept, or a lost file) is filled from the graph.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backend.sqlite_files import open_wal

from .passage_index import WITHIN_FETCH, Read, Run, namespace_key
from .results import ScoredChunk

_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS passages USING fts5(
    passage, ns_key, chunk_id UNINDEXED, namespace UNINDEXED, transcript_id UNINDEXED,
    tokenize = 'porter unicode61 remove_diacritics 2'
)
"""
# BM25 over the passage column alone: the namespace key only filters
_SEARCH = """
SELECT chunk_id, transcript_id, bm25(passages, 1.0, 0.0) AS rank FROM passages
WHERE passages MATCH ? ORDER BY rank LIMIT ?
"""


def _rowid(chunk_id: str) -> int:
    return int.from_bytes(hashlib.sha256(chunk_id.encode()).digest()[:7], "big")


def match_expression(key: str, terms: Sequence[str]) -> str:
    """FTS5 query syntax: the namespace's key, and any of the terms, each a quoted string."""
    quoted = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
    return f'ns_key : "{key}" AND passage : ({quoted})'


class SqlitePassages:
    def __init__(self, path: Path, run: Run, read: Read, cypher: Any) -> None:
        self.path = path
        self._run, self._read, self.cypher = run, read, cypher
        self._db = open_wal(path, synchronous="NORMAL")  # made again from the graph if lost
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()  # one connection, used from worker threads one at a time
        self._backfill_after: str | None = None  # paging through the graph's chunks, when filling

    def _execute(self, sql: str, params: Sequence | None = None, many: bool = False) -> list:
        with self._lock:
            if many:
                self._db.execute("BEGIN")
                try:
                    self._db.executemany(sql, params or [])
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                return []
            return self._db.execute(sql, params or ()).fetchall()

    async def write(self, rows: Sequence[dict[str, Any]]) -> None:
        values = [
            (
                _rowid(r["id"]),
                r["passage"],
                namespace_key(r["namespace"]),
                r["id"],
                r["namespace"],
                r["transcript_id"],
            )
            for r in rows
        ]
        sql = (
            "INSERT OR REPLACE INTO passages(rowid, passage, ns_key, chunk_id, namespace, transcript_id) "
            "VALUES (?, ?, ?, ?, ?, ?)"
        )
        await asyncio.to_thread(self._execute, sql, values, True)

    async def forget(self, chunk_ids: Sequence[str]) -> None:
        values = [(_rowid(c),) for c in chunk_ids]
        await asyncio.to_thread(self._execute, "DELETE FROM passages WHERE rowid = ?", values, True)

    async def pending(self, limit: int) -> list[str]:
        if self._backfill_after is None:
            [(held,)] = await asyncio.to_thread(self._execute, "SELECT count(*) FROM passages LIMIT 1")
            if held:
                return []
            self._backfill_after = ""
        params = {"after": self._backfill_after, "limit": limit}
        ids = [r["id"] for r in (await self._run("all_chunk_ids", self.cypher.ALL_CHUNK_IDS, params)).rows]
        if ids:
            self._backfill_after = ids[-1]
        return ids

    async def search(
        self, namespace: str, terms: Sequence[str], k: int, transcripts: Sequence[str] = ()
    ) -> list[ScoredChunk]:
        if not terms:
            return []
        expression = match_expression(namespace_key(namespace), terms)
        fetch = WITHIN_FETCH if transcripts else k
        found = await asyncio.to_thread(self._execute, _SEARCH, (expression, fetch))
        if transcripts:
            wanted = set(transcripts)
            found = [f for f in found if f[1] in wanted][:k]
        scores = {chunk_id: -rank for chunk_id, _, rank in found}  # bm25(): lower is better
        params = {"namespace": namespace, "ids": list(scores)}
        chunks = await self._read("get_chunks", self.cypher.GET_CHUNKS, params, ScoredChunk)
        ranked = [c.model_copy(update={"score": scores[c.id]}) for c in chunks]
        return sorted(ranked, key=lambda c: (-c.score, c.id))

    async def close(self) -> None:
        await asyncio.to_thread(self._db.close)

"""Vectors kept by the hash of what was embedded, so ingesting the same text again embeds nothing.

A transcript re-ingested (deleted and posted again, retried, the same meeting in another namespace)
and the names every meeting repeats (speakers, the team's products) come from here. The key is the
model's name with the SHA-256 of the text, the value the vector as float32 — exactly what the offline
models compute (they run in float32), so a vector from the cache equals a fresh one. One SQLite file
in the data dir (WAL), shared by every process that ingests into it; a cache that cannot be read or
written is passed over (logged once), never a failed job.

Used on the ingest path only: a question is embedded once and rarely asked again word for word, so a
write per question would cost more than it saves (questions have `RememberingEmbedder` in memory).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sqlite3
import threading
from array import array
from collections.abc import Sequence
from pathlib import Path

from backend.sqlite_files import open_wal

from .factory import Embedders
from .port import Embedder

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    digest BLOB NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, digest)
) WITHOUT ROWID
"""
_LOOKUP_BATCH = 500  # SQLite's default limit on `?` parameters is far above this


class VectorCache:
    def __init__(self, path: Path) -> None:
        self._db = open_wal(path, synchronous="NORMAL")  # a lost tail after a power cut is re-embedded
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()
        self.usable = True

    def get(self, model: str, digests: list[bytes]) -> dict[bytes, list[float]]:
        found: dict[bytes, list[float]] = {}
        for start in range(0, len(digests), _LOOKUP_BATCH):
            part = digests[start : start + _LOOKUP_BATCH]
            marks = ",".join("?" * len(part))
            with self._lock:
                rows = self._db.execute(
                    f"SELECT digest, vector FROM vectors WHERE model = ? AND digest IN ({marks})",  # noqa: S608 — only ? marks
                    (model, *part),
                ).fetchall()
            for digest, blob in rows:
                found[digest] = array("f", blob).tolist()
        return found

    def put(self, model: str, items: list[tuple[bytes, list[float]]]) -> None:
        rows = [(model, digest, array("f", vector).tobytes()) for digest, vector in items]
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)", rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._db.close()


def digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:20]


class CachedEmbedder:
    """An embedder whose vectors are looked up in a `VectorCache` first; only what is missing is
    embedded (and then kept)."""

    def __init__(self, inner: Embedder, cache: VectorCache) -> None:
        self.inner, self.cache = inner, cache
        self.name, self.provider, self.dim = inner.name, inner.provider, inner.dim
        self.query_prefix = inner.query_prefix
        self._model = f"{inner.provider}:{inner.name}:{inner.dim}"
        self.hits = self.misses = 0

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        keys = [digest(t) for t in texts]
        found = await self._lookup(keys)
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            fresh = await self.inner.embed(missing)
            items = [(digest(t), v) for t, v in zip(missing, fresh, strict=True)]
            found.update(items)
            await self._keep(items)
        return [found[k] for k in keys]

    async def _lookup(self, keys: list[bytes]) -> dict[bytes, list[float]]:
        if not self.cache.usable:
            return {}
        try:
            return await asyncio.to_thread(self.cache.get, self._model, keys)
        except sqlite3.Error as exc:
            self._give_up(exc)
            return {}

    async def _keep(self, items: list[tuple[bytes, list[float]]]) -> None:
        if not self.cache.usable:
            return
        try:
            await asyncio.to_thread(self.cache.put, self._model, items)
        except sqlite3.Error as exc:
            self._give_up(exc)

    def _give_up(self, exc: sqlite3.Error) -> None:
        self.cache.usable = False
        log.warning("embedding cache unusable, embedding without it: %s", exc)


def with_cache(embedders: Embedders, cache: VectorCache) -> Embedders:
    """The same embedders, each behind the cache (one embedder for both stays one)."""
    passages = CachedEmbedder(embedders.passages, cache)
    names = passages if embedders.names is embedders.passages else CachedEmbedder(embedders.names, cache)
    return Embedders(passages=passages, names=names)

"""A persistent cache of LLM answers (SQLite in the data dir), keyed on everything that decides the
answer: provider, model, task, prompt version and the full request. A re-run or a resumed job pays
nothing for calls it already made."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import threading
from pathlib import Path

from .port import LLMRequest, LLMResponse


def cache_key(provider: str, model: str, request: LLMRequest) -> str:
    payload = json.dumps(
        {"provider": provider, "model": model, **request.model_dump(mode="json")}, sort_keys=True
    ).encode()
    return hashlib.sha256(payload).hexdigest()


class LLMCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # a cache: a lost tail after a power cut is asked again
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, response TEXT NOT NULL)")
        self._lock = threading.Lock()

    def _get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT response FROM answers WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _put(self, key: str, response: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO answers (key, response) VALUES (?, ?)", (key, response))

    async def get(self, key: str) -> LLMResponse | None:
        found = await asyncio.to_thread(self._get, key)
        return LLMResponse.model_validate_json(found) if found else None

    async def put(self, key: str, response: LLMResponse) -> None:
        await asyncio.to_thread(self._put, key, response.model_dump_json())

    def close(self) -> None:
        with self._lock:
            self._db.close()

"""A persistent cache of LLM answers (SQLite in the data dir), keyed on everything that decides the
answer: provider, model, task, prompt version and the full request. A re-run or a resumed job pays
nothing for calls it already made."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from pathlib import Path

from backend.sqlite_files import open_wal

from .port import LLMRequest, LLMResponse


def cache_key(provider: str, model: str, request: LLMRequest) -> str:
    payload = json.dumps(
        {"provider": provider, "model": model, **request.model_dump(mode="json")}, sort_keys=True
    ).encode()
    return hashlib.sha256(payload).hexdigest()


class LLMCache:
    def __init__(self, path: Path) -> None:
        self._db = open_wal(path, synchronous="NORMAL")  # a cache: a lost tail is asked again
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

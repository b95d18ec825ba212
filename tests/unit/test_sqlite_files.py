"""Processes starting together on a new data dir each open its SQLite files (jobs, sessions, caches): every
one of them must open, where SQLite's own switch into WAL failed with "database is locked" for ~1 in 16
files (CI: an API process died at start, two APIs and two workers on one new data dir)."""

from __future__ import annotations

import threading

from backend.conversation.sqlite_store import SqliteSessionStore
from backend.conversation.store import SessionPolicy
from backend.embed.vector_cache import VectorCache
from backend.ingest.sqlite_jobs import SqliteJobStore
from backend.llm.cache import LLMCache
from backend.sqlite_files import open_wal

OPENERS = 8  # at once, on each new file
FILES = 200  # SQLite's own switch failed ~12 of 200 files here: this fails without the fix


def open_together(open_one, path) -> list[BaseException]:
    start = threading.Barrier(OPENERS)
    failures: list[BaseException] = []

    def opener():
        start.wait()
        try:
            open_one(path)
        except Exception as exc:  # what the test reports
            failures.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(OPENERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_many_openers_of_a_new_file_all_open_it_in_wal_mode(tmp_path):
    def open_and_write(path):
        db = open_wal(path)
        db.execute("CREATE TABLE IF NOT EXISTS t (x)")
        db.execute("INSERT INTO t VALUES (1)")
        db.close()

    for n in range(FILES):
        path = tmp_path / f"{n}.sqlite3"
        assert open_together(open_and_write, path) == []
        db = open_wal(path)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM t").fetchone()[0] == OPENERS


def test_every_store_of_the_data_dir_opens_beside_the_others(tmp_path):
    stores = {
        "jobs": SqliteJobStore,
        "sessions": lambda path: SqliteSessionStore(path, SessionPolicy(idle_ttl_s=60, max_turns=10)),
        "embeddings": VectorCache,
        "answers": LLMCache,
    }
    for name, store in stores.items():
        for n in range(10):
            assert open_together(store, tmp_path / f"{name}-{n}.sqlite3") == [], name

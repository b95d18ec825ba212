"""The embedded FalkorDB under load and under hostile console queries: a busy server is not a dead one,
a dead one is restarted once, a query that killed it is not run again, limits hold in the database."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import psutil
import pytest
import redis

from backend.config import load_settings
from backend.errors import GraphQueryError, InvalidInput, QueryFailed
from backend.graph import open_graph_store
from backend.graph.console import run_read_only
from backend.graph.falkordb_server import EmbeddedFalkorDB
from tests.conftest import TEST_DIM
from tests.integration.test_embedded_falkordb import entities

pytestmark = pytest.mark.integration

# FalkorDB grows this query's memory outside its per-query accounting until the process dies
# (FalkorDB#1410); the server's memory cap (1 GB here) makes that fast. `n` hides the size from the
# console's literal check.
KILLER = "WITH 10000000000000 AS n UNWIND range(1, n) AS x WITH x WHERE x < 0 RETURN count(x)"


@pytest.fixture
async def store(tmp_path):
    settings = load_settings(
        data_dir=tmp_path, embedding_dim=TEST_DIM, graph_connections=4, graph_memory_mb=1024
    )
    store = await open_graph_store(settings)
    await store.upsert_entities(entities("ns", 50, "person"))
    yield store
    await store.close()


def server_of(store) -> EmbeddedFalkorDB:
    return store.runner._embedded


async def test_a_query_that_kills_the_database_is_answered_once_and_never_run_again(store, caplog):
    server = server_of(store)
    pid = server.pid()
    with pytest.raises(QueryFailed, match="database stopped while running this query"):
        await run_read_only(store, KILLER)
    assert server.pid() != pid, "the server was brought back"
    restarted = server.pid()

    with pytest.raises(QueryFailed, match="not run again"):
        await run_read_only(store, KILLER)
    assert server.pid() == restarted, "the same query did not crash it a second time"
    # nothing acknowledged was lost, and everything else works
    assert (await store.stats("ns")).entities == 50
    assert (await run_read_only(store, "RETURN 1 AS one")).rows == [[1]]


async def test_a_literal_range_too_large_is_refused_before_the_database(store):
    pid = server_of(store).pid()
    with pytest.raises(InvalidInput, match="range\\(\\) of 2,000,000,000 elements"):
        await run_read_only(store, "UNWIND range(1, 2000000000) AS x WITH x WHERE x < 0 RETURN count(x)")
    with pytest.raises(InvalidInput):
        await run_read_only(store, "RETURN size(RANGE( 0 , -99999999999, -1 ))")
    assert (await run_read_only(store, "RETURN size(range(1, 1000)) AS n")).rows == [[1000]]
    assert server_of(store).pid() == pid


async def test_memory_and_rows_are_capped_in_the_database(tmp_path):
    settings = load_settings(data_dir=tmp_path, embedding_dim=TEST_DIM, graph_query_memory_mb=64)
    store = await open_graph_store(settings)
    try:
        await store.upsert_entities(entities("ns", 3, "person"))
        pid = server_of(store).pid()
        with pytest.raises(QueryFailed, match="more memory than one query may use"):
            await run_read_only(
                store, "UNWIND range(1, 3000000) AS x RETURN size(collect(toString(x) + 'padding-padding'))"
            )
        # many rows: the database builds them, the driver decodes only the capped few
        result = await run_read_only(store, "UNWIND range(1, 300000) AS x RETURN x", limit=5)
        assert result.rows == [[1], [2], [3], [4], [5]] and result.truncated
        assert server_of(store).pid() == pid
    finally:
        await store.close()


async def test_one_of_our_statements_that_kills_the_database_twice_is_not_sent_a_third_time(store):
    """Our statements are re-sent after a crash (MERGEs: safe to repeat), but not one the server has
    died under twice: it is the killer, and a job would otherwise crash the database for ever."""
    server = server_of(store)
    pids = [server.pid()]
    with pytest.raises(GraphQueryError, match="stopped twice while running this statement"):
        await store.runner.run(KILLER, read_only=True)  # ours=True: as a store statement
    pids.append(server.pid())
    assert len(set(pids)) == 2 and None not in pids, "the server was brought back"
    assert (await store.stats("ns")).entities == 50  # and it serves


async def test_dropped_connections_on_a_live_server_are_not_a_crash(store, caplog):
    """Many writers through a small pool while every connection is killed under them: the server is
    alive, so nothing restarts it and our statements simply run again on fresh connections."""
    server = server_of(store)
    pid = server.pid()
    control = redis.Redis(unix_socket_path=server.socket_path)
    caplog.set_level(logging.WARNING, logger="backend.graph.falkordb_driver")

    async def write(i: int) -> None:
        await store.upsert_entities(entities("busy", 20, f"writer {i}"))

    async def kill_connections() -> None:
        for _ in range(5):
            await asyncio.to_thread(control.client_kill_filter, _type="normal", skipme=True)
            await asyncio.sleep(0.01)

    await asyncio.gather(*(write(i) for i in range(40)), kill_connections())
    control.close()
    assert server.pid() == pid
    assert not [r for r in caplog.records if "restarting" in r.getMessage()]
    assert (await store.stats("busy")).entities == 40 * 20


async def test_a_dead_server_is_restarted_once_for_all_callers(store, caplog):
    server = server_of(store)
    pid = server.pid()
    caplog.set_level(logging.WARNING, logger="backend.graph.falkordb_driver")
    os.kill(pid, signal.SIGKILL)
    psutil.Process(pid).wait(timeout=30)

    results = await asyncio.gather(*(store.stats("ns") for _ in range(30)), return_exceptions=True)
    assert all(not isinstance(r, Exception) and r.entities == 50 for r in results), results
    assert len([r for r in caplog.records if "restarting" in r.getMessage()]) == 1


async def test_waiting_for_the_start_up_lock_holds_no_thread(tmp_path):
    """Processes starting the server queue on a file lock; waiting for it must not take the event
    loop's worker threads, which the rest of the app (embeddings, SQLite, parsing) needs."""
    settings = load_settings(data_dir=tmp_path, embedding_dim=TEST_DIM)
    lock = EmbeddedFalkorDB(tmp_path).lock()
    lock.acquire()  # as another process starting the server would hold it
    openers = [asyncio.create_task(open_graph_store(settings)) for _ in range(40)]
    try:
        # with the lock held, every opener waits; a worker thread is still free at once
        answer = await asyncio.wait_for(asyncio.to_thread(lambda: 42), timeout=120)
        assert answer == 42
        assert not any(task.done() for task in openers)
    finally:
        lock.release()
    stores = await asyncio.gather(*openers)
    assert all([await s.ping() for s in stores])
    for s in stores:
        await s.close()

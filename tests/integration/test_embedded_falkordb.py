"""The embedded FalkorDB server: crash durability, two processes on one data dir, stale state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from backend.config import load_settings
from backend.domain import EntityType
from backend.graph import open_graph_store
from backend.graph.falkordb_server import EmbeddedFalkorDB
from tests.conftest import TEST_DIM
from tests.support.graph_data import entity

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def entities(namespace: str, n: int, prefix: str):
    return [entity(namespace, f"{prefix} {i}", EntityType.PERSON, TEST_DIM, i) for i in range(n)]


async def test_killed_server_loses_no_acknowledged_write(tmp_path):
    settings = load_settings(data_dir=tmp_path, embedding_dim=TEST_DIM)
    store = await open_graph_store(settings)
    await store.upsert_entities(entities("ns", 300, "person"))
    server = EmbeddedFalkorDB(tmp_path)
    pid = server.pid()
    os.kill(pid, signal.SIGKILL)  # no shutdown, no fsync: only what the AOF already holds survives
    psutil.Process(pid).wait(timeout=10)

    # the same store notices the dead server, restarts it from the AOF (waiting for its indexes to be
    # rebuilt, or the vector search would fail) and carries on
    hits = await store.search.vector_search_entities("ns", entities("ns", 1, "person")[0].embedding, k=3)
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)  # eight people share each unit vector here
    assert (await store.stats("ns")).entities == 300
    assert server.pid() != pid
    await store.close()

    reopened = await open_graph_store(settings)
    assert (await reopened.stats("ns")).entities == 300
    await reopened.close()


async def test_stale_state_from_a_crash_is_recovered(tmp_path):
    server = EmbeddedFalkorDB(tmp_path)
    server.home.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    (server.home / "falkordb.pid").write_text(str(dead.pid))  # a pid that no longer runs
    Path(server.socket_path).write_text("")  # a socket file left behind
    (server.home / "server.json").write_text("{not json")
    store = await open_graph_store(load_settings(data_dir=tmp_path, embedding_dim=TEST_DIM))
    assert await store.ping()
    assert server.pid() != dead.pid
    await store.close()


async def test_closing_the_last_client_stops_the_server(tmp_path):
    settings = load_settings(data_dir=tmp_path, embedding_dim=TEST_DIM)
    first = await open_graph_store(settings)
    second = await open_graph_store(settings)
    server = EmbeddedFalkorDB(tmp_path)
    pid = server.pid()
    await first.close()
    assert await second.ping()  # still served: another client was connected
    await second.close()
    assert not Path(server.socket_path).exists()
    psutil.Process(pid).wait(timeout=15) if psutil.pid_exists(pid) else None
    assert not psutil.pid_exists(pid)


WRITER = textwrap.dedent(
    """
    import asyncio, sys, time
    from backend.config import load_settings
    from backend.domain import EntityType
    from backend.graph import open_graph_store
    from tests.support.graph_data import entity

    async def main(data_dir, prefix, start_at):
        time.sleep(max(0.0, start_at - time.time()))  # both processes start the server at the same moment
        store = await open_graph_store(load_settings(data_dir=data_dir, embedding_dim=8))
        for batch in range(5):
            await store.upsert_entities(
                [entity("shared", f"{prefix} {batch}-{i}", EntityType.PERSON, 8, i) for i in range(40)]
            )
        print(store.runner._embedded.pid(), flush=True)
        await asyncio.sleep(1.0)  # stay connected while the other one writes
        await store.close()

    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
    """
)


async def test_two_processes_on_one_data_dir_share_one_server_and_lose_nothing(tmp_path):
    start_at = time.time() + 2.0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), prefix, str(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for prefix in ("left", "right")
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    pids = {out.strip() for out, _ in outputs}
    assert len(pids) == 1, f"two servers were started: {pids}"
    store = await open_graph_store(load_settings(data_dir=tmp_path, embedding_dim=TEST_DIM))
    assert (await store.stats("shared")).entities == 2 * 5 * 40
    await store.close()


async def test_external_falkordb_by_url(tmp_path):
    server = EmbeddedFalkorDB(tmp_path / "external")
    socket = server.ensure_running()
    try:
        settings = load_settings(
            data_dir=tmp_path / "unused", falkordb_url=f"unix://{socket}", embedding_dim=TEST_DIM
        )
        store = await open_graph_store(settings)
        await store.upsert_entities(entities("ext", 3, "guest"))
        assert (await store.stats("ext")).entities == 3
        await store.close()
        assert not (tmp_path / "unused" / "falkordb").exists()  # nothing embedded was started
    finally:
        server.stop_if_unused()

"""The local Neo4j (tools/neo4j) as `make neo4j` and `weaver demo --graph neo4j` use it: a store started
again keeps its data, takes a changed password, and keeps the password file to its owner."""

from __future__ import annotations

import stat

import neo4j
import pytest

from backend.graph.neo4j_local import LocalNeo4j, local_password, missing_tools
from tests.support.live_server import free_port

pytestmark = pytest.mark.integration


def test_a_store_starts_again_with_its_data_and_a_changed_password(tmp_path, monkeypatch):
    if missing_tools():
        pytest.skip(f"Neo4j tests skipped: {missing_tools()}")
    monkeypatch.delenv("KW_NEO4J_PASSWORD", raising=False)
    home = tmp_path / "neo4j"
    password = local_password(home)
    assert stat.S_IMODE((home / "password").stat().st_mode) == 0o600 and local_password(home) == password
    for attempt, secret in enumerate([password, password, "a-changed-password"]):
        server = LocalNeo4j(home, free_port(), secret, heap="512m")
        server.start()
        try:
            with neo4j.GraphDatabase.driver(server.uri, auth=("neo4j", secret)) as driver:
                if attempt == 0:
                    driver.execute_query("CREATE (:Kept {n: 1})")
                kept = driver.execute_query("MATCH (k:Kept) RETURN count(k) AS n").records[0]["n"]
                assert kept == 1, attempt
        finally:
            server.stop()
        assert not server.running

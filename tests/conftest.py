"""Shared fixtures. Tests run against real parts: the embedded FalkorDB server, a real uvicorn server
on a free port, and a real Neo4j (started from tools/neo4j; skipped, saying why, without Java and Maven)."""

from __future__ import annotations

import hashlib
import os

import pytest

from backend.config import load_settings
from backend.graph import open_graph_store

TEST_DIM = 8  # small vectors the tests can reason about by hand


def pytest_configure(config):
    # Tests must not pick up a developer's KW_* settings.
    for key in [k for k in os.environ if k.startswith("KW_")]:
        del os.environ[key]
    # Jobs run inside the app under test, so each test's app does not start (and load models in) a
    # worker process of its own; the tests of the process topology and the demo ask for workers.
    os.environ["KW_WORKER_PROCESSES"] = "0"
    os.environ["KW_API_RUNS_JOBS"] = "true"


NEO4J_PASSWORD = "local-neo4j-test-password"


class Neo4jServers:
    """Real Neo4j servers for the session, started on first use (`tools/neo4j`: Neo4j 5.26 community on
    loopback): "store" holds the behaviour suite's small-vector graph for the whole session; "api" is
    emptied for each API module that asks for it (a community server has one user database, and a
    vector index's dimension is fixed when it is made). NEO4J_URI (with NEO4J_USER, NEO4J_PASSWORD)
    points the store suite at a server of your own instead."""

    def __init__(self, root):
        self.root = root
        self.servers = {}

    def uri(self, name: str) -> tuple[str, str, str]:
        if name == "store" and os.environ.get("NEO4J_URI"):
            return (
                os.environ["NEO4J_URI"],
                os.environ.get("NEO4J_USER", "neo4j"),
                os.environ.get("NEO4J_PASSWORD", "neo4j"),
            )
        from backend.graph.neo4j_local import LocalNeo4j, missing_tools

        why = missing_tools()
        if why:
            pytest.skip(f"Neo4j tests skipped: {why}")
        if name not in self.servers:
            from tests.support.live_server import free_port

            server = LocalNeo4j(self.root / name, free_port(), NEO4J_PASSWORD, heap="768m")
            server.start()
            self.servers[name] = server
        return self.servers[name].uri, "neo4j", NEO4J_PASSWORD

    def stop(self):
        for server in self.servers.values():
            server.stop()


@pytest.fixture(scope="session")
def neo4j_servers(tmp_path_factory):
    servers = Neo4jServers(tmp_path_factory.mktemp("neo4j"))
    yield servers
    servers.stop()


def neo4j_settings(servers: Neo4jServers, name: str = "store", **overrides):
    uri, user, password = servers.uri(name)
    return load_settings(
        graph_backend="neo4j", neo4j_uri=uri, neo4j_user=user, neo4j_password=password, **overrides
    )


@pytest.fixture(scope="module", params=["falkordb", "neo4j"])
def graph_backend(request):
    """Settings for one engine, for API modules that run on both: call it with the settings the module
    wants. On Neo4j, the "api" server is emptied first (data, indexes and constraints), since each
    module opens its graph anew with its own vector size."""
    if request.param == "falkordb":
        return load_settings
    servers = request.getfixturevalue("neo4j_servers")
    uri, user, password = servers.uri("api")
    from tests.support.neo4j_reset import empty_neo4j

    empty_neo4j(uri, user, password)
    return lambda **overrides: neo4j_settings(servers, "api", **overrides)


@pytest.fixture(scope="session", params=["falkordb", "neo4j"])
async def graph_store(request, tmp_path_factory):
    """A GraphStore on each backend; every behaviour test runs on both."""
    if request.param == "neo4j":
        settings = neo4j_settings(request.getfixturevalue("neo4j_servers"), embedding_dim=TEST_DIM)
    else:
        settings = load_settings(data_dir=tmp_path_factory.mktemp("graph"), embedding_dim=TEST_DIM)
    store = await open_graph_store(settings)
    yield store
    await store.close()


@pytest.fixture
def namespace(request) -> str:
    """A namespace of this test's own, so tests sharing a store never see each other's data."""
    return "t" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:12]


@pytest.fixture(scope="session")
def embedder():
    """The real offline embedder (all-MiniLM-L6-v2 int8 ONNX)."""
    from backend.embed.minilm import MiniLMEmbedder

    return MiniLMEmbedder()


@pytest.fixture(scope="session", autouse=True)
def _stop_tracing_at_the_end():
    """Flush and stop exporting before pytest prints its summary (a dead test backend would log after it)."""
    yield
    from backend.observability import tracing

    tracing.shutdown()


@pytest.fixture(scope="session")
def phoenix(tmp_path_factory):
    """A real local Phoenix server (SQLite in a temp dir) for the whole session: its base URL."""
    pytest.importorskip("phoenix.server.main", reason="arize-phoenix is not installed")
    from backend.observability.phoenix import PhoenixServer
    from tests.support.live_server import free_port

    server = PhoenixServer(tmp_path_factory.mktemp("phoenix"), port=free_port())
    url = server.start(timeout_s=600)  # a loaded 2-core machine has taken more than 90 s
    yield url
    server.stop()


@pytest.fixture(scope="session")
def aws_standin(tmp_path_factory):
    """The local AWS stand-in (moto in server mode, its own process): real boto3 over HTTP."""
    pytest.importorskip("moto.server", reason="moto[server] is not installed")
    from tests.support.aws_standin import start_aws_standin

    standin = start_aws_standin(tmp_path_factory.mktemp("moto"))
    yield standin
    standin.stop()


@pytest.fixture
def aws(aws_standin, monkeypatch):
    """The stand-in, with boto3's credentials and region in the environment for this test."""
    from tests.support.aws_standin import CREDENTIALS

    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    return aws_standin

"""Shared fixtures. Tests run against real parts: the embedded FalkorDB server, a real uvicorn server
on a free port; Neo4j whenever NEO4J_URI is set."""

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


def neo4j_settings_or_skip(**overrides):
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        pytest.skip("Neo4j tests run when NEO4J_URI (and NEO4J_USER, NEO4J_PASSWORD) are set")
    return load_settings(
        graph_backend="neo4j",
        neo4j_uri=uri,
        neo4j_user=os.environ.get("NEO4J_USER", "neo4j"),
        neo4j_password=os.environ.get("NEO4J_PASSWORD", "neo4j"),
        **overrides,
    )


@pytest.fixture(scope="session", params=["falkordb", "neo4j"])
async def graph_store(request, tmp_path_factory):
    """A GraphStore on each backend; every behaviour test runs on both."""
    if request.param == "neo4j":
        settings = neo4j_settings_or_skip(embedding_dim=TEST_DIM)
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

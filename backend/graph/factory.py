"""The one place a graph backend is chosen: Settings in, a ready GraphStore out."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial

from backend.config import Settings
from backend.errors import GraphUnavailable

from . import falkordb_cypher, neo4j_cypher
from .passage_index import GraphPassages, PassageIndex
from .sqlite_passages import SqlitePassages
from .store import GraphStore

log = logging.getLogger(__name__)


async def open_graph_store(
    settings: Settings,
    *,
    setup_schema: bool = True,
    wait_for_graph: bool = False,
    on_ready: Callable[[GraphStore], Awaitable[None]] | None = None,
) -> GraphStore:
    """The store, its schema applied, then `on_ready(store)` (a start-up check) run.

    `wait_for_graph` (the API and the workers): a Neo4j that does not answer yet (restarting, its
    nightly dump) is not an error. The store opens anyway (the driver connects lazily), its statements
    are 503s (GraphUnavailable) and `/readyz` says not ready while the database is away, and the schema
    and `on_ready` run once it answers: before the first statement that reaches it, and in the
    background with a growing pause. Without it, an unreachable database is a GraphUnavailable here.
    Refused credentials are an error either way."""
    index: Callable[..., PassageIndex] = GraphPassages  # Neo4j: its own full-text index
    if settings.graph_backend == "neo4j":
        runner = await _open_neo4j(settings, wait=wait_for_graph)
        dialect = neo4j_cypher
    else:
        from .falkordb_driver import FalkorDBRunner

        runner = await FalkorDBRunner.open(
            settings.graph_name,
            data_dir=settings.data_dir,
            url=settings.falkordb_url,
            connections=settings.graph_connections,
            query_memory_mb=settings.graph_query_memory_mb,
            timeout_max_ms=settings.graph_query_timeout_max_ms,
            memory_mb=settings.graph_memory_mb,
        )
        dialect = falkordb_cypher
        passages = settings.data_dir / f"passages-{settings.graph_name}.sqlite3"
        index = partial(SqlitePassages, passages)
    store = GraphStore(
        runner,
        dialect,
        embedding_dim=settings.embedding_dim,
        batch_size=settings.write_batch_size,
        timeout_ms=settings.query_timeout_ms,
        row_limit=settings.cypher_row_limit,
        overfetch=settings.vector_overfetch,
        passage_index=index,
    )
    steps = [store.setup_schema] if setup_schema else []
    if on_ready is not None:
        steps.append(partial(on_ready, store))
    try:
        while steps:
            await steps[0]()
            steps.pop(0)
    except GraphUnavailable as exc:
        if not (wait_for_graph and hasattr(runner, "prepare_when_reachable")):
            await store.close()
            raise
        log.warning(
            "the graph does not answer yet; it is prepared when it does", extra={"error": exc.message}
        )
        runner.prepare_when_reachable(steps)
    except BaseException:
        await store.close()
        raise
    return store


async def _open_neo4j(settings: Settings, *, wait: bool):
    from .neo4j_driver import Neo4jRunner

    password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
    if settings.neo4j_password_secret_arn:
        from backend.secret_store import read_secret

        password = read_secret(
            settings.neo4j_password_secret_arn,
            region=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
        )
    if password is None:
        raise GraphUnavailable("Neo4j needs KW_NEO4J_PASSWORD or KW_NEO4J_PASSWORD_SECRET_ARN")
    return await Neo4jRunner.open(
        settings.neo4j_uri, settings.neo4j_user, password, settings.neo4j_database, wait=wait
    )

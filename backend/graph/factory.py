"""The one place a graph backend is chosen: Settings in, a ready GraphStore out."""

from __future__ import annotations

from backend.config import Settings
from backend.errors import GraphUnavailable

from . import falkordb_cypher, neo4j_cypher
from .store import GraphStore


async def open_graph_store(settings: Settings, *, setup_schema: bool = True) -> GraphStore:
    if settings.graph_backend == "neo4j":
        runner = await _open_neo4j(settings)
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
    store = GraphStore(
        runner,
        dialect,
        embedding_dim=settings.embedding_dim,
        batch_size=settings.write_batch_size,
        timeout_ms=settings.query_timeout_ms,
        row_limit=settings.cypher_row_limit,
        overfetch=settings.vector_overfetch,
    )
    if setup_schema:
        try:
            await store.setup_schema()
        except Exception:
            await store.close()
            raise
    return store


async def _open_neo4j(settings: Settings):
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
    return await Neo4jRunner.open(settings.neo4j_uri, settings.neo4j_user, password, settings.neo4j_database)

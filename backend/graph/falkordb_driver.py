"""Run Cypher on FalkorDB: the embedded server of a data dir (default) or an external one by URL."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

import redis
from falkordb.asyncio import FalkorDB

from backend.errors import GraphQueryError, GraphUnavailable, QueryTimeout, ReadOnlyViolation

from .falkordb_params import with_params
from .falkordb_server import EmbeddedFalkorDB
from .runner import Rows
from .values import to_plain

log = logging.getLogger(__name__)

_ALREADY = ("already indexed", "already exists")


def _translate(exc: redis.ResponseError) -> Exception:
    message = str(exc)
    if "RO_QUERY is to be executed only on read-only queries" in message:
        return ReadOnlyViolation("the database refused a write in a read-only query")
    if "timed out" in message.lower():
        return QueryTimeout("the query ran past its timeout and was stopped")
    return GraphQueryError(message)


class FalkorDBRunner:
    system = "falkordb"

    def __init__(self, graph_name: str, *, embedded: EmbeddedFalkorDB | None, url: str | None) -> None:
        self._graph_name = graph_name
        self._embedded = embedded
        self._url = url
        self._db: FalkorDB | None = None
        self._graph = None

    @classmethod
    async def open(
        cls, graph_name: str, *, data_dir: Path | None = None, url: str | None = None
    ) -> FalkorDBRunner:
        embedded = None if url else EmbeddedFalkorDB(Path(data_dir or "data"))
        runner = cls(graph_name, embedded=embedded, url=url)
        await runner._connect()
        return runner

    async def _connect(self) -> None:
        name = f"kw-{os.getpid()}"
        if self._embedded is not None:
            # Connect while holding the start-up lock, so another process closing the server as its
            # last client cannot shut it down between our start check and our first connection.
            lock = self._embedded.lock()
            await asyncio.to_thread(lock.acquire)
            try:
                socket = await asyncio.to_thread(self._embedded.ensure_running_unlocked)
                self._db = FalkorDB(unix_socket_path=socket, client_name=name)
                self._graph = self._db.select_graph(self._graph_name)
                await self._graph.query("RETURN 1")
            finally:
                lock.release()
            await self._wait_for_indexes()
        else:
            try:
                self._db = FalkorDB.from_url(self._url, client_name=name)
                self._graph = self._db.select_graph(self._graph_name)
                await self._graph.query("RETURN 1")
            except redis.RedisError as exc:
                raise GraphUnavailable(
                    f"cannot reach FalkorDB at the configured URL: {type(exc).__name__}"
                ) from None

    async def _wait_for_indexes(self, timeout_s: float = 120.0) -> None:
        """After a (re)start FalkorDB rebuilds its indexes in the background from the AOF; a vector
        query meanwhile fails ("Invalid arguments for procedure"), so wait until they are ready."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            try:
                result = await self._graph.ro_query("CALL db.indexes() YIELD status RETURN status")
            except redis.ResponseError:
                return  # no graph yet: nothing to wait for
            if all(row[0] == "OPERATIONAL" for row in result.result_set):
                return
            if asyncio.get_running_loop().time() > deadline:
                log.warning("FalkorDB indexes still building; continuing")
                return
            await asyncio.sleep(0.05)

    async def run(
        self,
        query: str,
        params: dict[str, Any] | None = None,
        *,
        read_only: bool = False,
        timeout_ms: int | None = None,
        limit: int | None = None,
    ) -> Rows:
        try:
            result = await self._execute(query, params, read_only, timeout_ms)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            if self._embedded is None:
                raise GraphUnavailable(f"FalkorDB connection failed: {type(exc).__name__}") from None
            # The embedded server died under us (OOM kill, crash): bring it back and retry once.
            # Our writes are MERGEs, so a retried statement cannot duplicate anything.
            log.warning("embedded FalkorDB connection lost; restarting and retrying once")
            await self._reset()
            result = await self._execute(query, params, read_only, timeout_ms)
        columns = [h[1] for h in result.header]
        data = result.result_set
        truncated = limit is not None and len(data) > limit
        if truncated:
            data = data[:limit]
        rows = [{c: to_plain(v) for c, v in zip(columns, row, strict=True)} for row in data]
        return Rows(columns=columns, rows=rows, truncated=truncated)

    async def _execute(self, query, params, read_only, timeout_ms):
        method = self._graph.ro_query if read_only else self._graph.query
        try:
            return await method(with_params(query, params), None, timeout=timeout_ms)
        except redis.ResponseError as exc:
            raise _translate(exc) from None

    async def _reset(self) -> None:
        if self._db is not None:
            await self._db.connection.aclose(close_connection_pool=True)
        await self._connect()

    async def apply_schema(self, statements: list[str], unique_keys: tuple[tuple[str, str], ...]) -> None:
        for statement in statements:
            try:
                await self._graph.query(statement)
            except redis.ResponseError as exc:
                if not any(marker in str(exc) for marker in _ALREADY):
                    raise GraphQueryError(f"schema statement failed: {exc}") from None
        for label, prop in unique_keys:
            try:
                await self._graph.create_node_unique_constraint(label, prop)
            except redis.ResponseError as exc:
                if not any(marker in str(exc).lower() for marker in _ALREADY):
                    raise GraphQueryError(f"unique constraint on {label}.{prop} failed: {exc}") from None

    async def close(self) -> None:
        if self._db is not None:
            await self._db.connection.aclose(close_connection_pool=True)
            self._db = None
        if self._embedded is not None:
            await asyncio.to_thread(self._embedded.stop_if_unused)

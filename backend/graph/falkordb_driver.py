"""Run Cypher on FalkorDB: the embedded server of a data dir (default) or an external one by URL.

Under load the driver must tell a busy server from a dead one. Connections come from a bounded,
blocking pool, so a burst of callers waits for a connection instead of opening hundreds of sockets.
A connection error, or no reply REPLY_GRACE_S past a statement's own timeout, is a dead server only
when the server process is gone or no longer answers a PING (hung); then one caller restarts it
(killing a hung one) while the others wait for that restart (never a second one, never the pool torn
down under queries in flight), our own statements (MERGEs: safe to repeat) run once more, and a
caller's query (the console) does not: the query that was running when the server died is the likely
killer, so it is refused from then on. Waiting for the start-up lock never blocks a thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import filelock
import redis
from falkordb.asyncio import FalkorDB
from falkordb.asyncio.query_result import QueryResult
from redis.asyncio import BlockingConnectionPool

from backend.errors import GraphQueryError, GraphUnavailable, QueryFailed, QueryTimeout, ReadOnlyViolation

from .falkordb_params import with_params
from .falkordb_server import START_TIMEOUT_S, EmbeddedFalkorDB
from .runner import Rows
from .values import to_plain

log = logging.getLogger(__name__)
# Tries of one of our statements when connections drop under it: the test that kills every client
# connection five times in a row must not fail a write.
OUR_TRIES = 7
KILLER_DEATHS = 2  # deaths of the server under one of our statements that make it the suspect

_ALREADY = ("already indexed", "already exists")
_CONNECTION_WAIT_S = 120.0  # a caller waits this long for a free connection before a 503
# A statement's reply is awaited this long past its own timeout (the server stops a query at that
# timeout and replies at once); no reply by then is a server to check: busy, or hung.
REPLY_GRACE_S = 30.0
REBUILDING = "the graph's indexes are being rebuilt after a restart; retry shortly"
_FULLTEXT_CALL = "db.idx.fulltext.queryNodes"


def _translate(exc: redis.ResponseError) -> Exception:
    message = str(exc)
    if "RO_QUERY is to be executed only on read-only queries" in message:
        return ReadOnlyViolation("the database refused a write in a read-only query")
    if "timed out" in message.lower():
        return QueryTimeout("the query ran past its timeout and was stopped")
    if "mem consumption exceeded capacity" in message:
        return QueryFailed(
            "the query needs more memory than one query may use (KW_GRAPH_QUERY_MEMORY_MB); "
            "narrow it, or aggregate instead of collecting"
        )
    return GraphQueryError(message)


def _fingerprint(query: str, params: dict[str, Any] | None) -> str:
    return hashlib.sha256(json.dumps([query, params], sort_keys=True, default=str).encode()).hexdigest()


class FalkorDBRunner:
    system = "falkordb"

    def __init__(
        self,
        graph_name: str,
        *,
        embedded: EmbeddedFalkorDB | None,
        url: str | None,
        connections: int = 16,
        timeout_max_ms: int = 120_000,
    ) -> None:
        self._graph_name = graph_name
        self._timeout_max_ms = timeout_max_ms
        self._embedded = embedded
        self._url = url
        self._connections = connections
        self._db: FalkorDB | None = None
        self._graph = None
        self._restarts = 0  # how many times this process has restarted the embedded server
        self._restarting = asyncio.Lock()
        self._killers: set[str] = set()  # fingerprints of caller queries that were running at a crash

    @classmethod
    async def open(
        cls,
        graph_name: str,
        *,
        data_dir: Path | None = None,
        url: str | None = None,
        connections: int = 16,
        query_memory_mb: int = 1024,
        timeout_max_ms: int = 120_000,
        memory_mb: int = 0,
    ) -> FalkorDBRunner:
        embedded = (
            None
            if url
            else EmbeddedFalkorDB(
                Path(data_dir or "data"),
                query_memory_mb=query_memory_mb,
                timeout_ms=timeout_max_ms,
                memory_mb=memory_mb,
            )
        )
        runner = cls(
            graph_name, embedded=embedded, url=url, connections=connections, timeout_max_ms=timeout_max_ms
        )
        if embedded is not None:
            async with runner._start_lock():
                await runner._start_and_connect()
            await runner._wait_for_indexes()
        else:
            await runner._connect_url()
        return runner

    def _pool(self, url: str) -> BlockingConnectionPool:
        if url.startswith("falkor://"):
            url = "redis://" + url[len("falkor://") :]
        elif url.startswith("falkors://"):
            url = "rediss://" + url[len("falkors://") :]
        return BlockingConnectionPool.from_url(
            url,
            max_connections=self._connections,
            timeout=_CONNECTION_WAIT_S,
            decode_responses=True,
            client_name=f"kw-{os.getpid()}",
            socket_timeout=None,  # queries are bounded by the server's own timeouts
            # no `retry`: a pool's connections then never re-send a command on their own (a re-sent
            # query may kill the server again); run() decides what is retried.
        )

    def _use(self, pool: BlockingConnectionPool) -> None:
        self._db = FalkorDB(connection_pool=pool)
        self._graph = self._db.select_graph(self._graph_name)

    async def _connect_url(self) -> None:
        try:
            self._use(self._pool(self._url))
            await self._graph.query("RETURN 1")
        except redis.RedisError as exc:
            raise GraphUnavailable(
                f"cannot reach FalkorDB at the configured URL: {type(exc).__name__}"
            ) from None

    class _Held:
        def __init__(self, lock: filelock.BaseFileLock) -> None:
            self.lock = lock

        async def __aenter__(self) -> None:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + START_TIMEOUT_S
            while True:
                try:
                    self.lock.acquire(blocking=False)
                    return
                except filelock.Timeout:
                    if loop.time() > deadline:
                        raise GraphUnavailable(
                            "another process has been starting the embedded FalkorDB for too long"
                        ) from None
                    await asyncio.sleep(0.05)

        async def __aexit__(self, *exc) -> None:
            self.lock.release()

    def _start_lock(self) -> _Held:
        """The data dir's start-up lock, polled from the event loop: no thread waits on it."""
        return self._Held(self._embedded.lock())

    async def _start_and_connect(self) -> None:
        """With the start-up lock held (so another process closing the server as its last client
        cannot shut it down between our start check and our first connection)."""
        socket = await asyncio.to_thread(self._embedded.ensure_running_unlocked)
        if self._db is None:
            self._use(self._pool(f"unix://{socket}"))
        else:  # a restart: the idle connections point at the dead server; busy ones fail by themselves
            await self._db.connection.connection_pool.disconnect(inuse_connections=False)
        await self._graph.query("RETURN 1")

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
        ours: bool = True,
    ) -> Rows:
        """`ours=False` marks a caller's query (the console): it is never run again after the server
        died under it. `limit` rows are decoded at most; the rest of the reply is dropped unread."""
        fingerprint = None if ours else _fingerprint(query, params)
        if fingerprint in self._killers:
            raise QueryFailed(
                "this query was running when the database stopped, so it is not run again; "
                "narrow it (smaller ranges, fewer rows) and send a different query"
            )
        restarts = self._restarts
        try:
            return self._rows(*await self._execute(query, params, read_only, timeout_ms, limit))
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            if self._embedded is None:
                raise GraphUnavailable(f"FalkorDB connection failed: {type(exc).__name__}") from None
            died = await self._recover(restarts)
        if fingerprint is not None:  # a caller's query is not sent again by us
            if not died:
                raise GraphUnavailable("the graph database is busy; retry shortly")
            self._killers.add(fingerprint)
            raise QueryFailed(
                "the database stopped while running this query and was restarted; the query is "
                "refused from now on: narrow it (smaller ranges, fewer rows)"
            )
        # Ours (MERGEs: safe to repeat) runs again on a fresh connection to a live server, a few times
        # with a growing pause: connections can drop again while it waits (killed clients, a restart).
        # Not after the server has died under it twice: then it is what kills the server, and sending
        # it again would only crash it again (and a job would be handed back to crash it for ever).
        deaths = int(died)
        for attempt in range(1, OUR_TRIES):
            if attempt > 1:
                await asyncio.sleep(min(0.05 * 2 ** (attempt - 2), 1.0))
            restarts = self._restarts
            try:
                return self._rows(*await self._execute(query, params, read_only, timeout_ms, limit))
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                failure = type(exc).__name__
                if attempt + 1 < OUR_TRIES:
                    deaths += await self._recover(restarts)
                if deaths >= KILLER_DEATHS:
                    log.error("the graph died under one statement twice", extra={"statement": query[:120]})
                    raise GraphQueryError(
                        "the graph database stopped twice while running this statement; it is not run again"
                    ) from None
        raise GraphUnavailable(f"the graph database is not answering: {failure}")

    @staticmethod
    def _rows(result: QueryResult, truncated: bool) -> Rows:
        columns = [h[1] for h in result.header]
        rows = [{c: to_plain(v) for c, v in zip(columns, row, strict=True)} for row in result.result_set]
        return Rows(columns=columns, rows=rows, truncated=truncated)

    async def _recover(self, restarts_seen: int) -> bool:
        """After a connection error: True when the server had died and is running again (restarted
        by this call or by another since `restarts_seen`), False when it never died (busy)."""
        async with self._restarting:
            if self._restarts != restarts_seen:
                return True
            silent = None
            if await asyncio.to_thread(self._embedded.serving):
                silent = self._embedded.pid()
                if await asyncio.to_thread(self._embedded.responsive):
                    return False
                log.warning("embedded FalkorDB does not answer (hung); killing and restarting it")
            else:
                log.warning("embedded FalkorDB is gone; restarting it")
            async with self._start_lock():
                if silent is not None:
                    await asyncio.to_thread(self._embedded.kill, silent)
                await self._start_and_connect()
            await self._wait_for_indexes()
            self._restarts += 1
            return True

    async def _execute(self, query, params, read_only, timeout_ms, limit) -> tuple[QueryResult, bool]:
        # The falkordb client's query() with one change: rows past `limit` are dropped before they are
        # decoded into Python values (decoding millions of rows took 10-40 s; the reply itself ~1 s).
        command: list[Any] = [
            "GRAPH.RO_QUERY" if read_only else "GRAPH.QUERY",
            self._graph_name,
            with_params(query, params),
            "--compact",
        ]
        if timeout_ms is not None:
            command += ["timeout", timeout_ms]
        deadline_s = (timeout_ms or self._timeout_max_ms) / 1000 + REPLY_GRACE_S
        try:
            try:
                response = await asyncio.wait_for(self._graph.execute_command(*command), deadline_s)
            except TimeoutError:  # the connection is dropped with the cancelled read
                raise redis.TimeoutError(f"no reply in {deadline_s:.0f} s") from None
            truncated = limit is not None and len(response) == 3 and len(response[1]) > limit
            if truncated:
                response = [response[0], response[1][:limit], response[2]]
            result = QueryResult(self._graph)
            await result.parse(response)
        except redis.ResponseError as exc:
            failure = _translate(exc)
            if isinstance(failure, GraphQueryError) and await self._indexes_building():
                raise GraphUnavailable(REBUILDING) from None
            raise failure from None
        # A full-text index being rebuilt does not fail: it finds nothing (measured: every search for
        # a name the graph holds came back empty through a rebuild), a wrong answer rather than a 503.
        if not result.result_set and _FULLTEXT_CALL in query and await self._indexes_building():
            raise GraphUnavailable(REBUILDING)
        return result, truncated

    async def _indexes_building(self) -> bool:
        """Whether the server says its indexes are not all ready. A (re)started FalkorDB rebuilds them
        from the AOF in the background while it already answers; meanwhile an index query fails with
        "Invalid arguments for procedure 'db.idx.vector.queryNodes'" (measured: 12-20 s for 5,000
        chunks and 1,000 entities with 384-d vectors, 2 busy cores). Asked only after a statement
        failed or a full-text search found nothing."""
        try:
            result = await self._graph.ro_query("CALL db.indexes() YIELD status RETURN status")
        except redis.BusyLoadingError:  # still reading the AOF
            return True
        except redis.RedisError:
            return False  # no graph yet, or the server gone: the statement's own error stands
        return any(row[0] != "OPERATIONAL" for row in result.result_set)

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

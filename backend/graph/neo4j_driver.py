"""Run Cypher on Neo4j through the official async driver.

Managed transactions (`execute_read` / `execute_write`) give connection pooling and retries on
transient errors; read-only queries run in a READ-mode session, so the server itself refuses writes.

A database that is away (down, restarting, shutting down, its nightly dump) is `GraphUnavailable` (a
503 with Retry-After), never a query error: the driver's connection failures, the server's transient
errors, and any other failure after which the database does not answer a `RETURN 1`. A store may open
while Neo4j is away (`open(..., wait=True)`): the driver connects lazily, and what must run before any
statement (the schema) runs once the database answers (`prepare_when_reachable`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import neo4j
from neo4j import exceptions as neo4j_errors

from backend.config import SettingsError
from backend.errors import GraphQueryError, GraphUnavailable, QueryTimeout, ReadOnlyViolation

from .runner import Rows
from .values import to_plain

log = logging.getLogger(__name__)

_TIMEOUT_CODES = ("TransactionTimedOut", "TransactionTimedOutClientConfiguration")
# The driver saying the database is away: no server at the address, a connection lost (also during a
# commit: IncompleteCommit is a ServiceUnavailable), or no connection free for 30 s (busy).
_AWAY = (
    neo4j_errors.ServiceUnavailable,
    neo4j_errors.SessionExpired,
    neo4j_errors.ConnectionPoolError,
    OSError,
)
# Transient errors (the server's "retry later") that the statement itself causes: its memory or stack.
# Running it again later fails the same way, so these stay the query's errors.
_OWN_TRANSIENT = (
    "TransactionMemoryLimit",
    "OutOfMemoryError",
    "StackOverFlowError",
    "MemoryPoolOutOfMemoryError",
)
# Always the statement's (or our credentials') fault: no need to ask whether the database is there.
_STATEMENT_FAULT = (
    "Neo.ClientError.Statement.",
    "Neo.ClientError.Schema.",
    "Neo.ClientError.Procedure.",
    "Neo.ClientError.Security.",
)
# A read (a question) waits this long for the database to come back before it is a 503; writes (ingest
# jobs) ride out the driver's default 30 s.
READ_RETRY_S = 5.0
PROBE_S = 5.0  # how long "does the database answer?" may take
CONNECT_S = 10.0  # one connection attempt (the default, 30 s, would hold a request on a silent address)
PREPARE_BACKOFF_S = (1.0, 30.0)  # first and longest pause between background tries of the schema
# set inside the steps that prepare the store, so their own statements pass the gate they are behind
_PREPARING: contextvars.ContextVar[bool] = contextvars.ContextVar("neo4j_preparing", default=False)


def _away(what: str) -> GraphUnavailable:
    return GraphUnavailable(f"the graph database is unavailable ({what}); retry shortly")


def _translate(exc: neo4j_errors.Neo4jError) -> Exception:
    code = exc.code or ""
    if code.endswith("Statement.AccessMode") or "read access mode" in (exc.message or ""):
        return ReadOnlyViolation("the database refused a write in a read-only query")
    if any(code.endswith(t) for t in _TIMEOUT_CODES):
        return QueryTimeout("the query ran past its timeout and was stopped")
    if code.startswith("Neo.TransientError.") and not code.endswith(_OWN_TRANSIENT):
        return _away(code)  # e.g. General.DatabaseUnavailable while it starts or stops
    return GraphQueryError(f"{code}: {exc.message}")


class Neo4jRunner:
    system = "neo4j"

    def __init__(self, driver: neo4j.AsyncDriver, database: str) -> None:
        self._driver = driver
        self._database = database
        self._pending: list[Callable[[], Awaitable[None]]] = []  # to run before any other statement
        self._attempt: asyncio.Future | None = None  # the try of `_pending` under way, shared
        self._background: asyncio.Task | None = None

    @classmethod
    async def open(
        cls, uri: str, user: str, password: str, database: str, *, wait: bool = False
    ) -> Neo4jRunner:
        """`wait`: a Neo4j that does not answer yet is not an error (the driver connects when it does).
        Refused credentials are an error either way: no restart fixes them."""
        driver = neo4j.AsyncGraphDatabase.driver(
            uri,
            auth=(user, password),
            max_connection_pool_size=50,
            connection_acquisition_timeout=30,
            connection_timeout=CONNECT_S,
            # no notifications: the server warns of labels and properties a new graph does not have yet,
            # and the driver logs each warning with the statement's text
            notifications_min_severity="OFF",
        )
        try:
            await driver.verify_connectivity()
        except neo4j_errors.AuthError as exc:
            await driver.close()
            raise SettingsError(
                f"Neo4j at {uri} refused user {user!r} ({exc.code}): check KW_NEO4J_USER and "
                "KW_NEO4J_PASSWORD (or the secret KW_NEO4J_PASSWORD_SECRET_ARN names)"
            ) from None
        except (*_AWAY, neo4j_errors.TransientError) as exc:
            if not wait:
                await driver.close()
                raise GraphUnavailable(f"cannot reach Neo4j at {uri}: {type(exc).__name__}") from None
            log.warning(
                "Neo4j does not answer yet; starting without it, connecting when it does",
                extra={"uri": uri, "error": type(exc).__name__},
            )
        return cls(driver, database)

    # --- what must run before any statement, once the database answers ---------------------------
    def prepare_when_reachable(self, steps: Sequence[Callable[[], Awaitable[None]]]) -> None:
        """`steps` (the schema, start-up checks) run before the next statement, and in the background
        with a growing pause until they have: every statement until then is a 503 if the database is
        still away, or the steps' own error if it is back and they fail."""
        self._pending = list(steps)
        if self._pending and self._background is None:
            self._background = asyncio.create_task(self._prepare_in_background(), name="neo4j-prepare")

    async def _ready(self) -> None:
        """Run the pending steps; callers arriving meanwhile share the same try and its outcome."""
        if self._attempt is None or self._attempt.done():
            self._attempt = asyncio.ensure_future(self._run_pending())
            # its outcome is read by whoever waits; none may be left (all cancelled): then read it here
            self._attempt.add_done_callback(lambda done: done.cancelled() or done.exception())
        await asyncio.shield(self._attempt)

    async def _run_pending(self) -> None:
        _PREPARING.set(True)  # this task's own context: the steps' statements pass the gate
        while self._pending:
            await self._pending[0]()
            self._pending.pop(0)
        log.info("Neo4j answers; the graph's schema is in place")

    async def _prepare_in_background(self) -> None:
        pause, longest = PREPARE_BACKOFF_S
        while self._pending:
            try:
                await self._ready()
                return
            except GraphUnavailable:
                pass  # still away: what /readyz reports
            except Exception as exc:  # back, but a step fails: not ready, and said loudly
                log.error(
                    "Neo4j answers but preparing the graph failed; trying again",
                    extra={"error": f"{type(exc).__name__}: {exc}"},
                )
            await asyncio.sleep(pause * random.uniform(0.8, 1.2))  # noqa: S311 — jitter
            pause = min(pause * 2, longest)

    # --- statements ---------------------------------------------------------------------------------
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
        if self._pending and not _PREPARING.get():
            await self._ready()

        async def work(tx: neo4j.AsyncManagedTransaction) -> Rows:
            result = await tx.run(query, params or {})
            columns = list(result.keys())
            rows: list[dict[str, Any]] = []
            truncated = False
            async for record in result:
                if limit is not None and len(rows) >= limit:
                    truncated = True
                    break
                rows.append({key: to_plain(value) for key, value in record.items()})
            await result.consume()
            return Rows(columns=columns, rows=rows, truncated=truncated)

        unit = neo4j.unit_of_work(timeout=timeout_ms / 1000 if timeout_ms else None)(work)
        session = {"database": self._database}
        if read_only:
            retry_s = min(READ_RETRY_S, timeout_ms / 1000) if timeout_ms else READ_RETRY_S
            session.update(default_access_mode=neo4j.READ_ACCESS, max_transaction_retry_time=retry_s)
        try:
            async with self._driver.session(**session) as s:
                if not ours:  # one explicit transaction: the managed ones retry transient errors
                    async with await s.begin_transaction(
                        timeout=timeout_ms / 1000 if timeout_ms else None
                    ) as tx:
                        return await work(tx)
                execute = s.execute_read if read_only else s.execute_write
                return await execute(unit)
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError) as exc:
            raise await self._failure(exc) from None

    async def _failure(self, exc: Exception) -> Exception:
        """What a failed statement is: the database away (503), or the statement's own error."""
        if isinstance(exc, _AWAY):
            return _away(type(exc).__name__)
        if isinstance(exc, neo4j_errors.Neo4jError):
            code = exc.code or ""
            failure = _translate(exc)
            if not isinstance(failure, GraphQueryError) or code.startswith(_STATEMENT_FAULT):
                return failure
            if code.endswith(_OWN_TRANSIENT):
                return failure
        else:  # the driver's own (a transaction broken by a reset connection, ...)
            code = type(exc).__name__
            failure = GraphQueryError(f"{code}: {exc}")
        # Anything else (a transaction terminated, a database error) while the database is shutting
        # down or starting is the outage, not the statement: the database itself says which.
        return failure if await self._answers() else _away(code)

    async def _answers(self) -> bool:
        try:
            async with asyncio.timeout(PROBE_S):
                async with self._driver.session(
                    database=self._database, default_access_mode=neo4j.READ_ACCESS
                ) as session:
                    await (await session.run("RETURN 1")).consume()
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError, TimeoutError):
            return False
        return True

    async def apply_schema(self, statements: list[str], unique_keys: tuple[tuple[str, str], ...]) -> None:
        # Neo4j's DDL carries the unique constraints itself (IF NOT EXISTS), so unique_keys is unused.
        try:
            async with self._driver.session(database=self._database) as session:
                for statement in statements:
                    await (await session.run(statement)).consume()
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError) as exc:
            raise await self._failure(exc) from None

    async def close(self) -> None:
        for task in (self._background, self._attempt):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):  # closing: no matter how
                    await task
        await self._driver.close()

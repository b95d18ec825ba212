"""Run Cypher on Neo4j through the official async driver.

Managed transactions (`execute_read` / `execute_write`) give connection pooling and retries on
transient errors; read-only queries run in a READ-mode session, so the server itself refuses writes.
"""

from __future__ import annotations

from typing import Any

import neo4j
from neo4j import exceptions as neo4j_errors

from backend.errors import GraphQueryError, GraphUnavailable, QueryTimeout, ReadOnlyViolation

from .runner import Rows
from .values import to_plain

_TIMEOUT_CODES = ("TransactionTimedOut", "TransactionTimedOutClientConfiguration")


def _translate(exc: neo4j_errors.Neo4jError) -> Exception:
    code = exc.code or ""
    if code.endswith("Statement.AccessMode") or "read access mode" in (exc.message or ""):
        return ReadOnlyViolation("the database refused a write in a read-only query")
    if any(code.endswith(t) for t in _TIMEOUT_CODES):
        return QueryTimeout("the query ran past its timeout and was stopped")
    return GraphQueryError(f"{code}: {exc.message}")


class Neo4jRunner:
    system = "neo4j"

    def __init__(self, driver: neo4j.AsyncDriver, database: str) -> None:
        self._driver = driver
        self._database = database

    @classmethod
    async def open(cls, uri: str, user: str, password: str, database: str) -> Neo4jRunner:
        driver = neo4j.AsyncGraphDatabase.driver(
            uri,
            auth=(user, password),
            max_connection_pool_size=50,
            connection_acquisition_timeout=30,
            # no notifications: the server warns of labels and properties a new graph does not have yet,
            # and the driver logs each warning with the statement's text
            notifications_min_severity="OFF",
        )
        try:
            await driver.verify_connectivity()
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.AuthError, OSError) as exc:
            await driver.close()
            raise GraphUnavailable(f"cannot reach Neo4j at {uri}: {type(exc).__name__}") from None
        return cls(driver, database)

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
        mode = neo4j.READ_ACCESS if read_only else neo4j.WRITE_ACCESS
        try:
            async with self._driver.session(database=self._database, default_access_mode=mode) as session:
                if not ours:  # one explicit transaction: the managed ones retry transient errors
                    async with await session.begin_transaction(
                        timeout=timeout_ms / 1000 if timeout_ms else None
                    ) as tx:
                        return await work(tx)
                execute = session.execute_read if read_only else session.execute_write
                return await execute(unit)
        except neo4j_errors.ServiceUnavailable as exc:
            raise GraphUnavailable(f"Neo4j unavailable: {exc}") from None
        except neo4j_errors.Neo4jError as exc:
            raise _translate(exc) from None

    async def apply_schema(self, statements: list[str], unique_keys: tuple[tuple[str, str], ...]) -> None:
        # Neo4j's DDL carries the unique constraints itself (IF NOT EXISTS), so unique_keys is unused.
        async with self._driver.session(database=self._database) as session:
            for statement in statements:
                await (await session.run(statement)).consume()

    async def close(self) -> None:
        await self._driver.close()

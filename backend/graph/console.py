"""The admin Cypher console: a caller's own Cypher, run read-only by the database itself
(FalkorDB GRAPH.RO_QUERY, Neo4j READ session) — whatever the text looks like — with caps on rows
and run time."""

from __future__ import annotations

import re
from typing import Any

from backend.errors import Forbidden, GraphQueryError, QueryFailed

from .models import CypherResult
from .store import GraphStore

# LOAD CSV reads files on the database host; it is not a write, so the databases allow it in
# read-only mode. The console refuses it before it reaches the database.
_LOAD_CSV = re.compile(r"\bLOAD\s+CSV\b", re.IGNORECASE)


async def run_read_only(
    store: GraphStore,
    query: str,
    params: dict[str, Any] | None = None,
    *,
    limit: int | None = None,
    timeout_ms: int | None = None,
) -> CypherResult:
    if _LOAD_CSV.search(query):
        raise Forbidden("LOAD CSV is not allowed in the console: it reads files on the database host")
    limit = min(limit or store.row_limit, store.row_limit)
    timeout_ms = min(timeout_ms or store.timeout_ms, store.timeout_ms)
    try:
        rows = await store.run(
            "console", query, params or {}, read_only=True, timeout_ms=timeout_ms, limit=limit
        )
    except GraphQueryError as exc:
        raise QueryFailed(exc.message) from None  # the caller's Cypher, so the caller's mistake
    return CypherResult(
        columns=rows.columns, rows=[[r[c] for c in rows.columns] for r in rows.rows], truncated=rows.truncated
    )

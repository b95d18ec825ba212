"""The admin Cypher console: a caller's own Cypher, run read-only by the database itself
(FalkorDB GRAPH.RO_QUERY, Neo4j READ session) — whatever the text looks like — with caps on rows
and run time."""

from __future__ import annotations

import math
import re
from typing import Any

from backend.errors import Forbidden, GraphQueryError, InvalidInput, QueryFailed

from .models import CypherResult
from .store import GraphStore

# LOAD CSV reads files on the database host; it is not a write, so the databases allow it in
# read-only mode. The console refuses it before it reaches the database.
_LOAD_CSV = re.compile(r"\bLOAD\s+CSV\b", re.IGNORECASE)


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAX_PARAM_DEPTH = 32


def check_params(params: dict[str, Any]) -> None:
    """A caller's parameters, checked before they reach a driver: keys (of parameters and of maps inside
    them) are identifiers, numbers are finite, nesting is shallow. A 422 names the first bad one."""

    def bad(path: str, message: str) -> InvalidInput:
        return InvalidInput(f"{path}: {message}", details={"problems": [{"field": path, "message": message}]})

    def walk(value: Any, path: str, depth: int) -> None:
        if depth > _MAX_PARAM_DEPTH:
            raise bad(path, f"parameters may nest at most {_MAX_PARAM_DEPTH} levels deep")
        if isinstance(value, float) and not math.isfinite(value):
            raise bad(path, "NaN and infinity cannot be sent as parameters")
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str) or not _IDENTIFIER.match(key):
                    raise bad(
                        f"{path}.{key}",
                        "parameter and map keys must be identifiers (a letter or _, then letters, "
                        f"digits or _), got {key!r}",
                    )
                walk(item, f"{path}.{key}", depth + 1)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}.{index}", depth + 1)

    walk(params, "params", 0)


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
    check_params(params or {})
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

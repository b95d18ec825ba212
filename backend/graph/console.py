"""The admin Cypher console: a caller's own Cypher, run read-only by the database itself
(FalkorDB GRAPH.RO_QUERY, Neo4j READ session) — whatever the text looks like — with caps on rows
and run time."""

from __future__ import annotations

import math
import re
from typing import Any

from backend.errors import Forbidden, GraphQueryError, InvalidInput, QueryFailed

from .results import CypherResult
from .store import GraphStore

# LOAD CSV reads files on the database host; it is not a write, so the databases allow it in
# read-only mode. The console refuses it before it reaches the database, by what the query *is*: the
# text is tokenized as the Cypher lexer does (comments dropped, string literals and quoted names kept
# whole), and LOAD followed by CSV as the next two tokens is the clause, however it is spaced, cased or
# commented (`LOAD/**/CSV`, `load // x\n csv`). 'LOAD CSV' inside a string is just a string.
_WORD = re.compile(r"\w+")  # letters, digits, _ (any script: a Cypher identifier's characters)
_LINE_BREAK = re.compile(r"[\n\r\x0b\x0c\x85\u2028\u2029]")


def _tokens(query: str):
    """Cypher tokens with comments and whitespace removed: words (as written), string literals and
    backtick-quoted names (as one token each, quotes included), and single punctuation characters.
    An unterminated comment or string runs to the end (the database rejects such a query anyway)."""
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace() or not ch.isprintable():  # also format characters (U+180E, U+200B, U+FEFF)
            i += 1
        elif query.startswith("//", i):
            # Neo4j ends a line comment at \r as well as \n (FalkorDB only at \n): end it at the first
            # line break of any kind, so where the two disagree the guard sees more of the query.
            end = _LINE_BREAK.search(query, i)
            i = n if end is None else end.end()
        elif query.startswith("/*", i):
            end = query.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch in "'\"":
            j = i + 1
            while j < n and query[j] != ch:
                j += 2 if query[j] == "\\" else 1
            yield query[i : j + 1]
            i = j + 1
        elif ch == "`":
            j = i + 1
            while j < n:
                if query[j] == "`":
                    if query.startswith("``", j):  # an escaped backtick inside the name
                        j += 2
                        continue
                    break
                j += 1
            yield query[i : j + 1]
            i = j + 1
        else:
            word = _WORD.match(query, i)
            if word:
                yield word.group()
                i = word.end()
            else:
                yield ch
                i += 1


def loads_csv(query: str) -> bool:
    """Whether the query has a LOAD CSV clause (see above)."""
    previous = None
    for token in _tokens(query):
        upper = token.upper()
        if previous == "LOAD" and upper == "CSV":
            return True
        previous = upper
    return False


# FalkorDB 4.22 allocates range()'s whole list at once, outside its per-query memory cap: a range of
# billions aborts the server (FalkorDB#1410, fixed upstream by capping range()). Until the embedded
# build has the fix, the console refuses a range() over literal bounds past the upstream cap; a range
# built from expressions is caught afterwards (the driver refuses a query that killed the server).
RANGE_MAX = 10_000_000


def range_size(query: str) -> int:
    """The largest range() over integer literals in the query (0 when there is none)."""
    tokens = [t.upper() for t in _tokens(query)]
    largest = 0
    for i, word in enumerate(tokens):
        if word != "RANGE" or tokens[i + 1 : i + 2] != ["("]:
            continue
        numbers, j = [], i + 2
        while j < len(tokens) and len(numbers) < 3:
            sign = -1 if tokens[j] == "-" else 1
            j += tokens[j] in "+-"
            if j >= len(tokens) or not tokens[j].isdigit():
                break
            numbers.append(sign * int(tokens[j]))
            j += 1
            if j < len(tokens) and tokens[j] == ",":
                j += 1
            elif j < len(tokens) and tokens[j] == ")":
                break
            else:
                numbers = []
                break
        if len(numbers) >= 2 and j < len(tokens) and tokens[j] == ")":
            start, end, step = [*numbers, 1][:3]
            if step != 0 and (end - start) * step >= 0:
                largest = max(largest, (end - start) // step + 1)
    return largest


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
                if not isinstance(key, str) or not _IDENTIFIER.fullmatch(key):
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
    if loads_csv(query):
        raise Forbidden("LOAD CSV is not allowed in the console: it reads files on the database host")
    if (size := range_size(query)) > RANGE_MAX:
        raise InvalidInput(
            f"range() of {size:,} elements is more than the console allows ({RANGE_MAX:,}); "
            "use a smaller range"
        )
    check_params(params or {})
    limit = min(limit or store.row_limit, store.row_limit)
    timeout_ms = min(timeout_ms or store.timeout_ms, store.timeout_ms)
    try:
        rows = await store.run(
            "console", query, params or {}, read_only=True, timeout_ms=timeout_ms, limit=limit, ours=False
        )
    except GraphQueryError as exc:
        raise QueryFailed(exc.message) from None  # the caller's Cypher, so the caller's mistake
    return CypherResult(
        columns=rows.columns, rows=[[r[c] for c in rows.columns] for r in rows.rows], truncated=rows.truncated
    )

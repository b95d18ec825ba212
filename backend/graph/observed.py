"""How one graph statement is observed: a span carrying the statement's text (never its parameter
values) and the latency and error metrics. `GraphStore.run` is the one caller, so every statement the
store, its index searches and the console run is observed here and nowhere else.
"""

from __future__ import annotations

import time
from typing import Any

from backend.observability import metrics
from backend.observability.tracing import span

from .runner import CypherRunner, Rows


async def run_observed(
    runner: CypherRunner, operation: str, query: str, params: dict[str, Any] | None = None, **kw: Any
) -> Rows:
    attributes = {
        "db.system.name": runner.system,
        "db.operation.name": operation,
        "db.query.text": query.strip(),
    }
    started = time.perf_counter()
    failed = 0
    try:
        with span("graph.query" if kw.get("read_only") else "graph.write", **attributes) as current:
            rows = await runner.run(query, params, **kw)
            current.set_attribute("db.response.returned_rows", len(rows.rows))
            return rows
    except Exception:
        failed = 1
        raise
    finally:
        latency = (time.perf_counter() - started) * 1000
        await metrics.emit({"Operation": operation}, GraphQueryLatencyMs=latency, GraphErrors=failed)

"""The one thing a dialect's driver must do: run a Cypher statement and give back rows.

`GraphStore` (store.py) is written against this port and a dialect module, never against a driver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Rows:
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False

    def first(self, column: str, default: Any = None) -> Any:
        return self.rows[0].get(column, default) if self.rows else default


class CypherRunner(Protocol):
    system: str  # "falkordb" | "neo4j" — the OpenTelemetry db.system.name

    # `ours=False`: a caller's own Cypher (the console). A driver never re-runs it on its own (after a
    # crash or a transient error), since the query itself may be the cause.

    async def run(
        self,
        query: str,
        params: dict[str, Any] | None = None,
        *,
        read_only: bool = False,
        timeout_ms: int | None = None,
        limit: int | None = None,
        ours: bool = True,
    ) -> Rows: ...

    async def apply_schema(self, statements: list[str], unique_keys: tuple[tuple[str, str], ...]) -> None: ...

    async def close(self) -> None: ...

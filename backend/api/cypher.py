"""The admin Cypher console. Read-only by construction: the database runs the query in its read-only
mode (FalkorDB GRAPH.RO_QUERY, Neo4j READ session), with a row limit and a timeout."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from backend.graph.console import run_read_only
from backend.graph.results import CypherResult

from .auth import CallerDep
from .deps import StoreDep

router = APIRouter(prefix="/v1", tags=["cypher"])


class CypherRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, max_length=20_000)
    params: dict[str, Any] = Field(default_factory=dict)
    limit: int | None = Field(None, ge=1, description="Rows to return; capped by KW_CYPHER_ROW_LIMIT.")
    timeout_ms: int | None = Field(None, ge=1, description="Capped by KW_QUERY_TIMEOUT_MS.")


@router.post("/cypher", response_model=CypherResult)
async def run_cypher(body: CypherRequest, caller: CallerDep, store: StoreDep) -> CypherResult:
    caller.require_admin()
    return await run_read_only(store, body.query, body.params, limit=body.limit, timeout_ms=body.timeout_ms)

"""Graph-wide endpoints: stats and paths. Every one is scoped to the caller's namespace."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from backend.graph.results import GraphStats, Subgraph

from .auth import CallerDep
from .deps import NamespaceQuery, SettingsDep, StoreDep

router = APIRouter(prefix="/v1/graph", tags=["graph"])


@router.get("/stats", response_model=GraphStats)
async def stats(caller: CallerDep, store: StoreDep, settings: SettingsDep, namespace: NamespaceQuery = None):
    return await store.stats(caller.namespace_for(namespace, settings.default_namespace))


@router.get("/path", response_model=Subgraph)
async def path(
    caller: CallerDep,
    store: StoreDep,
    settings: SettingsDep,
    from_: Annotated[str, Query(alias="from", min_length=1, max_length=64)],
    to: Annotated[str, Query(min_length=1, max_length=64)],
    namespace: NamespaceQuery = None,
):
    """Shortest path between two entities (by id), up to 6 hops, in either direction."""
    return await store.shortest_path(caller.namespace_for(namespace, settings.default_namespace), from_, to)

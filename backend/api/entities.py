"""Entities: search, detail (aliases, mentions, relations), neighbourhood."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from backend.domain import EntityType
from backend.errors import NotFound
from backend.graph.results import Edge, EntitySummary, MentioningChunk, Subgraph

from .auth import CallerDep
from .deps import NamespaceQuery, SettingsDep, StoreDep
from .openapi import errors

router = APIRouter(prefix="/v1/entities", tags=["entities"])


class EntityDetail(EntitySummary):
    mentions: list[MentioningChunk]
    relations: list[Edge]
    neighbours: list[EntitySummary]


@router.get("", response_model=list[EntitySummary])
async def search_entities(
    caller: CallerDep,
    store: StoreDep,
    settings: SettingsDep,
    q: Annotated[str | None, Query(max_length=200, description="Words of a name or alias.")] = None,
    type: Annotated[EntityType | None, Query()] = None,
    namespace: NamespaceQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
):
    ns = caller.namespace_for(namespace, settings.default_namespace)
    if q:
        found = await store.search.fulltext_search_entities(ns, q, k=limit * 2 if type else limit)
        return [
            EntitySummary(**e.model_dump(exclude={"score"})) for e in found if not type or e.type == type
        ][:limit]
    return await store.list_entities(ns, entity_type=type.value if type else None, limit=limit)


async def _entity(store, ns: str, entity_id: str) -> EntitySummary:
    found = await store.get_entities(ns, [entity_id])
    if not found:
        raise NotFound(f"no entity {entity_id}")
    return found[0]


@router.get("/{entity_id}", response_model=EntityDetail, responses=errors(404))
async def get_entity(
    entity_id: str,
    caller: CallerDep,
    store: StoreDep,
    settings: SettingsDep,
    namespace: NamespaceQuery = None,
):
    ns = caller.namespace_for(namespace, settings.default_namespace)
    entity = await _entity(store, ns, entity_id)
    around = await store.neighbourhood(ns, [entity_id], hops=1)
    return EntityDetail(
        **entity.model_dump(),
        mentions=await store.entity_mentions(ns, entity_id),
        relations=around.edges,
        neighbours=[n for n in around.nodes if n.id != entity_id],
    )


@router.get("/{entity_id}/neighborhood", response_model=Subgraph, responses=errors(404))
async def neighborhood(
    entity_id: str,
    caller: CallerDep,
    store: StoreDep,
    settings: SettingsDep,
    hops: Annotated[int, Query(ge=1, le=3)] = 1,
    namespace: NamespaceQuery = None,
):
    ns = caller.namespace_for(namespace, settings.default_namespace)
    await _entity(store, ns, entity_id)
    return await store.neighbourhood(ns, [entity_id], hops=hops)

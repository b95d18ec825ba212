"""Shared dependencies: what a route needs from the running app, resolved from `app.state`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from backend.config import Settings
from backend.domain import NAMESPACE_PATTERN, NAMESPACE_RULE
from backend.graph import GraphStore
from backend.ingest.worker import IngestWorker
from backend.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> GraphStore:
    return get_runtime(request).store


def get_ingest(request: Request) -> IngestWorker:
    return get_runtime(request).ingest


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[GraphStore, Depends(get_store)]
IngestDep = Annotated[IngestWorker, Depends(get_ingest)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]

# A namespace in the query string is checked as strictly as one in a body: the same pattern, a 422
# naming the field otherwise (a NUL or a quote never reaches the database).
NamespaceQuery = Annotated[
    str | None,
    Query(
        pattern=NAMESPACE_PATTERN,
        description=f"Defaults to the key's namespace (or KW_DEFAULT_NAMESPACE); {NAMESPACE_RULE}.",
    ),
]

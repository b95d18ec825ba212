"""Liveness, readiness and build identity."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from backend.version import build_info

from .deps import SettingsDep, StoreDep

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


class VersionInfo(BaseModel):
    version: str
    git_sha: str
    built_at: str


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up and serving requests."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
async def readyz(store: StoreDep) -> Health | JSONResponse:
    """Ready for traffic: the graph answers."""
    try:
        graph_ok = await store.ping()
    except Exception as exc:  # readiness reports any failure, it never raises
        log.warning("readiness check failed", extra={"check": "graph", "error": type(exc).__name__})
        graph_ok = False
    checks = {"graph": f"{store.system}: ok" if graph_ok else f"{store.system}: unreachable"}
    if not graph_ok:
        return JSONResponse(Health(status="unavailable", checks=checks).model_dump(), status_code=503)
    return Health(status="ready", checks=checks)


@router.get("/version", response_model=VersionInfo)
async def version(settings: SettingsDep) -> VersionInfo:
    return VersionInfo(**build_info(settings))

"""Liveness, readiness and build identity."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from backend.version import build_info

from .deps import RuntimeDep, SettingsDep

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
async def readyz(runtime: RuntimeDep) -> Health | JSONResponse:
    """Ready for traffic: the graph and the job store answer."""
    store = runtime.store
    checks = {
        "graph": f"{store.system}: ok"
        if await _check("graph", store.ping)
        else f"{store.system}: unreachable",
        "jobs": "sqlite: ok" if await _check("jobs", runtime.jobs.ping) else "sqlite: unreachable",
    }
    if any(not v.endswith(": ok") for v in checks.values()):
        return JSONResponse(Health(status="unavailable", checks=checks).model_dump(), status_code=503)
    return Health(status="ready", checks=checks)


async def _check(name, probe) -> bool:
    try:
        return bool(await probe())
    except Exception as exc:  # readiness reports any failure, it never raises
        log.warning("readiness check failed", extra={"check": name, "error": type(exc).__name__})
        return False


@router.get("/version", response_model=VersionInfo)
async def version(settings: SettingsDep) -> VersionInfo:
    return VersionInfo(**build_info(settings))

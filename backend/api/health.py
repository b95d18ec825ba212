"""Liveness, readiness and build identity; and the heartbeat that reports readiness as metrics.

The load balancer checks `/healthz` (the process serves): a dependency outage (Neo4j restarting) must
not mark every task unhealthy and have ECS replace them all. Dependencies are `/readyz` for people and
the `DependencyUp` metric for alarms; `Heartbeat` is there every minute while a task runs, so silence
is an outage.
"""

from __future__ import annotations

import asyncio
import logging
import socket

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from backend.observability import metrics
from backend.version import build_info

from .deps import RuntimeDep, SettingsDep

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


HEARTBEAT_S = 60.0  # CloudWatch's finest standard resolution; the alarms read 1-minute periods or more
INSTANCE = socket.gethostname()  # one per Fargate task (awsvpc): which task behind the ALB answered


class VersionInfo(BaseModel):
    version: str
    git_sha: str
    built_at: str
    instance: str


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up and serving requests."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
async def readyz(runtime: RuntimeDep) -> Health | JSONResponse:
    """Ready for traffic: the graph, the job store and the session store answer."""
    up = await dependencies_up(runtime)
    system = runtime.store.system
    checks = {
        "graph": f"{system}: ok" if up["graph"] else f"{system}: unreachable",
        "jobs": f"{runtime.jobs.name}: {'ok' if up['jobs'] else 'unreachable'}",
        "sessions": f"{runtime.sessions.name}: {'ok' if up['sessions'] else 'unreachable'}",
    }
    if not all(up.values()):
        return JSONResponse(Health(status="unavailable", checks=checks).model_dump(), status_code=503)
    return Health(status="ready", checks=checks)


async def dependencies_up(runtime) -> dict[str, bool]:
    return {
        "graph": await _check("graph", runtime.store.ping),
        "jobs": await _check("jobs", runtime.jobs.ping),
        "sessions": await _check("sessions", runtime.sessions.ping),
    }


async def heartbeat(runtime, interval_s: float = HEARTBEAT_S) -> None:
    """Until cancelled: `Heartbeat` and `DependencyUp{Dependency}` (1 up, 0 down) every interval."""
    while True:
        try:
            up = await dependencies_up(runtime)
            for dependency, ok in up.items():
                await metrics.emit({"Dependency": dependency}, DependencyUp=1 if ok else 0)
            await metrics.emit({}, Heartbeat=1)
        except Exception as exc:  # a missed beat, never a stopped one
            log.warning("heartbeat failed", extra={"error": type(exc).__name__})
        await asyncio.sleep(interval_s)


async def _check(name, probe) -> bool:
    try:
        return bool(await probe())
    except Exception as exc:  # readiness reports any failure, it never raises
        log.warning("readiness check failed", extra={"check": name, "error": type(exc).__name__})
        return False


@router.get("/version", response_model=VersionInfo)
async def version(settings: SettingsDep) -> VersionInfo:
    """The build this task runs (`git_sha` from the image, never from the deployment) and which task
    answered: `weaver verify-deploy` asks until every task reports the expected commit."""
    return VersionInfo(**build_info(settings), instance=INSTANCE)

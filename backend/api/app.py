"""The FastAPI application: lifespan (open/close the graph), error envelope, routers, request log."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from backend import __version__
from backend.config import Settings, load_settings
from backend.observability import metrics
from backend.observability.tracing import setup_tracing
from backend.runtime import open_runtime
from backend.worker_process import WorkerProcesses

from . import (
    cypher,
    entities,
    graph,
    health,
    jobs,
    limits,
    openapi,
    query,
    recordings,
    sessions,
    transcripts,
    web,
)
from .auth import ExposedWithoutAuth, check_exposure
from .errors import install_error_handlers
from .middleware import SecurityHeaders, TraceRequests

log = logging.getLogger("backend.api")


def create_app(settings: Settings | None = None, *, serving: bool = True) -> FastAPI:
    """`serving=False` when a CLI command hosts the API in-process (the demo): its stdout is for people.
    `settings.host` is the address the server will bind: a non-loopback one needs API keys."""
    settings = settings or load_settings()
    try:
        check_exposure(settings)
    except ExposedWithoutAuth as exc:
        log.error("not starting", extra={"host": settings.host, "reason": str(exc)})
        raise
    setup_tracing(settings)
    metrics.configure(settings.metrics == "emf" or (settings.metrics == "auto" and serving))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.settings = settings
        app.state.runtime = runtime = await open_runtime(settings, start_workers=settings.api_runs_jobs)
        workers = WorkerProcesses(settings, settings.worker_processes) if settings.worker_processes else None
        if workers is not None:
            await workers.start()

        async def stop_jobs() -> None:
            """No more jobs claimed here, running ones handed back to the queue; idempotent. Called as
            soon as the server is told to stop (cli.main's server), before open connections drain."""
            if workers is not None:
                await workers.stop()
            await runtime.ingest.stop()

        app.state.stop_jobs = stop_jobs
        if settings.auth_enabled:
            log.info("auth on", extra={"api_keys": len(settings.api_keys)})
        else:
            log.warning("auth is OFF: no KW_API_KEYS configured; every caller may use every namespace")
        # What is loaded by now (models, tokenizer, routes, schema) lives as long as the process. Frozen,
        # it is out of the cyclic collector's sight: a full collection walks only what requests made
        # since (measured ~100 ms → <1 ms each, one every few hundred traced requests).
        gc.collect()
        gc.freeze()
        log.info("ready", extra={"graph": runtime.store.system, "data_dir": str(settings.data_dir)})
        beat = asyncio.create_task(health.heartbeat(runtime), name="heartbeat")
        try:
            yield
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
            await stop_jobs()
            await runtime.close()

    app = FastAPI(
        title="KnowledgeWeaver",
        version=__version__,
        description="GraphRAG over voice transcripts; every LLM call, embedding and Cypher statement traced.",
        lifespan=lifespan,
        # FastAPI's own OpenTelemetry hooks use the global providers, which we never set: our
        # TraceRequests middleware makes the server span and the EMF request metrics. Off, they cost
        # nothing (on, ~5 % of a request's CPU went to no-op spans and meters).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_error_handlers(app)
    for module in (health, query, sessions, transcripts, recordings, jobs, entities, graph, cypher):
        app.include_router(module.router)
    web.mount(app)
    openapi.install(app)

    limits.install(app, settings)  # body size, the caller's rate, questions in flight
    app.add_middleware(TraceRequests)  # so refused requests are logged, traced and counted too
    app.add_middleware(SecurityHeaders)  # outermost of ours: every response it sees gets the headers

    return app

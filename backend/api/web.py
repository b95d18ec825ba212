"""The web UI (`/`, `/static/…`: the committed build of web/) and the two small endpoints it needs:
what this server is configured with, and where to open a trace."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from backend import __version__
from backend.errors import InvalidInput, Unauthorized
from backend.ingest.files import EXTENSIONS as TRANSCRIPT_EXTENSIONS
from backend.observability.xray import xray_trace_id
from backend.speech.audio import FORMATS as AUDIO_FORMATS

from .auth import Caller, CallerDep, get_caller
from .deps import SettingsDep, get_store

STATIC = FilePath(__file__).resolve().parent.parent / "web" / "static"
router = APIRouter(tags=["ui"])


class UiConfig(BaseModel):
    version: str
    git_sha: str | None
    auth_enabled: bool
    default_namespace: str
    open_namespace: str = Field(
        description="The namespace the page opens on: the default if it holds transcripts, else the one "
        "with the most transcripts this caller may see (with auth on: the key's own; no key: the default)."
    )
    namespaces: list[str] = Field(
        default_factory=list,
        description="Namespaces to offer: a namespace key's own; else those holding transcripts, most first.",
    )
    phoenix_url: str | None
    phoenix_project: str
    langfuse_host: str | None
    xray: bool
    transcript_extensions: list[str] = Field(description="Files `POST /v1/transcripts` reads.")
    recording_extensions: list[str] = Field(description="Files `POST /v1/recordings` accepts.")


class TraceLinks(BaseModel):
    trace_id: str = Field(description="W3C form (32 hex): Phoenix, Langfuse, logs, X-Trace-Id.")
    xray_trace_id: str = Field(description="X-Ray form: 1-<8 hex>-<24 hex>.")
    phoenix_url: str | None = Field(None, description="The trace's page in Phoenix (when configured).")
    langfuse_host: str | None = None


@router.get("/", include_in_schema=False)
async def index() -> FileResponse:
    return FileResponse(STATIC / "index.html")


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> FileResponse:
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


async def _namespaces(request: Request, settings) -> tuple[str, list[str]]:
    """(the namespace to open on, the namespaces with transcripts) as far as this caller may know."""
    default = settings.default_namespace
    try:
        caller: Caller | None = get_caller(request, settings)
    except Unauthorized:
        caller = None  # no key (yet): nothing about the data
    if caller is None:
        return default, []
    if caller.namespace is not None:  # a key of one namespace sees that one only
        return caller.namespace, [caller.namespace]
    try:
        counts = await get_store(request).transcripts_per_namespace()
    except Exception:  # the page must open even when the graph does not answer
        return default, []
    found = list(counts)
    return (default if counts.get(default) or not found else found[0]), found


@router.get("/v1/ui/config", response_model=UiConfig)
async def ui_config(request: Request, settings: SettingsDep) -> UiConfig:
    """Public on purpose: the page reads it before anyone has typed a key, to know whether to ask for
    one (`auth_enabled`) and which namespace to offer. It holds no secret; which namespaces hold data it
    tells only a caller who may see them (auth off, or with the caller's key: that key's namespace)."""
    open_namespace, namespaces = await _namespaces(request, settings)
    return UiConfig(
        version=__version__,
        git_sha=settings.git_sha,
        auth_enabled=settings.auth_enabled,
        default_namespace=settings.default_namespace,
        open_namespace=open_namespace,
        namespaces=namespaces,
        phoenix_url=settings.phoenix_endpoint,
        phoenix_project=settings.phoenix_project,
        langfuse_host=settings.langfuse_host,
        xray=settings.xray_mode != "off",
        transcript_extensions=list(TRANSCRIPT_EXTENSIONS),
        recording_extensions=list(AUDIO_FORMATS),
    )


# Documented as a pattern; checked below, so the 422 says what a trace id looks like.
TraceId = Annotated[
    str, Path(description="The `X-Trace-Id` of a response.", json_schema_extra={"pattern": "^[0-9a-f]{32}$"})
]


@router.get("/v1/traces/{trace_id}/links", response_model=TraceLinks)
async def trace_links(trace_id: TraceId, caller: CallerDep, settings: SettingsDep) -> TraceLinks:
    """One trace id in every tool's form, and the Phoenix page that shows it. Needs a key when auth is
    on; Phoenix gets at most a couple of seconds to answer (else the link is its project list)."""
    if len(trace_id) != 32 or any(c not in "0123456789abcdef" for c in trace_id):
        raise InvalidInput("trace_id must be 32 lower-case hex digits (the X-Trace-Id header)")
    phoenix = None
    if settings.phoenix_endpoint:
        from backend.observability.phoenix import trace_link_async

        project = settings.phoenix_project
        key = settings.phoenix_api_key.get_secret_value() if settings.phoenix_api_key else None
        phoenix = await trace_link_async(settings.phoenix_endpoint, project, trace_id, key)
    return TraceLinks(
        trace_id=trace_id,
        xray_trace_id=xray_trace_id(int(trace_id, 16)),
        phoenix_url=phoenix,
        langfuse_host=settings.langfuse_host,
    )


def mount(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC, html=True), name="static")

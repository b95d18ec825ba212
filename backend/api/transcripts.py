"""Transcripts in (JSON or a multipart file) as ingest jobs; listing, detail, delete."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from backend.domain import NAMESPACE_RULE, Job, JobStatus, Namespace
from backend.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from backend.graph.results import DeleteResult, TranscriptInfo
from backend.ingest.files import EXTENSIONS
from backend.ingest.formats import FORMATS
from backend.ingest.pipeline import IngestRequest
from backend.observability.tracing import traceparent

from .auth import CallerDep
from .deps import IngestDep, NamespaceQuery, SettingsDep, StoreDep
from .openapi import errors

router = APIRouter(prefix="/v1/transcripts", tags=["transcripts"])


class TranscriptUpload(BaseModel):
    model_config = ConfigDict(
        extra="forbid",  # as multipart uploads: a misspelt field is a 422 naming it
        json_schema_extra={
            "examples": [{"title": "Standup", "content": "Ann: The Lisbon office opens in May.\nBob: Great."}]
        },
    )

    namespace: Namespace | None = Field(None, description=f"{NAMESPACE_RULE}.")
    title: str | None = Field(None, max_length=300)
    format: str = Field("auto", description=f"One of {', '.join(FORMATS)}.")
    content: str | dict | list = Field(
        description="The transcript: text, or JSON (Transcribe, Whisper, turns)."
    )
    recorded_at: datetime | None = None
    language: str | None = Field(None, max_length=16)

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in FORMATS:
            raise ValueError(f"must be one of {', '.join(FORMATS)}")
        return value


_FORM_FIELDS = ("namespace", "title", "format", "recorded_at", "language")


def _invalid(exc: ValidationError) -> InvalidInput:
    """A 422 naming each field that failed and why (the same shape as FastAPI's own)."""
    problems = [
        {"field": ".".join(map(str, e["loc"])), "message": e["msg"].removeprefix("Value error, ")}
        for e in exc.errors()
    ]
    for problem in problems:
        if problem["field"] == "namespace" and "pattern" in problem["message"]:
            problem["message"] = f"a namespace is {NAMESPACE_RULE}"
    summary = "; ".join(f"{p['field'] or 'body'}: {p['message']}" for p in problems)
    return InvalidInput(summary, details={"problems": problems})


class Accepted(BaseModel):
    job_id: str
    transcript_id: str
    status: str
    duplicate: bool = Field(
        description="True when this transcript was already submitted (and not deleted since); the job "
        "is the earlier one."
    )


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(
            f"the upload is {int(declared):,} bytes; the limit is {limit:,} (KW_MAX_UPLOAD_BYTES)"
        )
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise PayloadTooLarge(f"the upload is over the limit of {limit:,} bytes (KW_MAX_UPLOAD_BYTES)")
    return bytes(body)


async def _upload_from_multipart(request: Request) -> tuple[TranscriptUpload, str]:
    """The upload, and where it came from (`file:NAME`): without a title of its own or in the form, the
    transcript is titled by the file's name (ingest/prepare.py decides, as for `weaver ingest`)."""
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InvalidInput("a multipart upload needs a 'file' part holding the transcript")
    raw = await upload.read()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text") from None
    unknown = sorted(k for k in form if k != "file" and k not in _FORM_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown form fields {unknown}; accepted: file, {', '.join(_FORM_FIELDS)}")
    fields: dict[str, Any] = {k: v for k, v in form.items() if k in _FORM_FIELDS and isinstance(v, str) and v}
    suffix = Path(upload.filename or "").suffix.lower()
    if fields.get("format", "auto") == "auto" and EXTENSIONS.get(suffix, "auto") != "auto":
        fields["format"] = EXTENSIONS[suffix]  # the file's extension says more than sniffing its content
    source = f"file:{Path(upload.filename).name[:300]}" if upload.filename else "api"
    try:
        return TranscriptUpload.model_validate({**fields, "content": content}), source
    except ValidationError as exc:
        raise _invalid(exc) from None


@router.post(
    "",
    status_code=202,
    response_model=Accepted,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": TranscriptUpload.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            **{f: {"type": "string"} for f in _FORM_FIELDS},
                        },
                        "required": ["file"],
                        "additionalProperties": False,
                    }
                },
            },
            "required": True,
        }
    },
)  # fmt: skip
async def submit_transcript(
    request: Request, caller: CallerDep, ingest: IngestDep, settings: SettingsDep
) -> Accepted:
    """Queue a transcript for ingest. Answers at once with the job to follow; the same transcript
    again answers with its earlier job (`duplicate: true`) and does no work, unless it was deleted
    since: then a new job ingests it again."""
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("multipart/form-data"):
            declared = request.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > settings.max_upload_bytes:
                raise PayloadTooLarge(
                    f"the upload is {int(declared):,} bytes; the limit is {settings.max_upload_bytes:,}"
                )
            upload, source = await _upload_from_multipart(request)
        else:
            source = "api"
            body = await _read_limited(request, settings.max_upload_bytes)
            try:
                upload = TranscriptUpload.model_validate_json(body)
            except ValidationError as exc:
                raise _invalid(exc) from None
    except json.JSONDecodeError:
        raise InvalidInput("the body is not valid JSON") from None
    namespace = caller.namespace_for(upload.namespace, settings.default_namespace)
    job, created = await ingest.submit(
        IngestRequest(
            namespace=namespace,
            traceparent=traceparent(),
            source=source,
            **upload.model_dump(exclude={"namespace"}),
        )
    )
    return Accepted(
        job_id=job.id, transcript_id=job.transcript_id or "", status=job.status.value, duplicate=not created
    )


@router.get("", response_model=list[TranscriptInfo])
async def list_transcripts(
    caller: CallerDep,
    store: StoreDep,
    settings: SettingsDep,
    namespace: NamespaceQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
):
    return await store.list_transcripts(
        caller.namespace_for(namespace, settings.default_namespace), skip=offset, limit=limit
    )


async def _ingesting(ingest, namespace: str, transcript_id: str) -> Job | None:
    """The job still writing this transcript (queued or running), if any: the graph has no transcript
    until its job's write, and "no transcript" would be the wrong answer."""
    job = await ingest.jobs.for_transcript(namespace, transcript_id)
    return job if job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING) else None


@router.get("/{transcript_id}", response_model=TranscriptInfo, responses=errors(404))
async def get_transcript(
    transcript_id: str,
    caller: CallerDep,
    store: StoreDep,
    ingest: IngestDep,
    settings: SettingsDep,
    namespace: NamespaceQuery = None,
):
    scope = caller.namespace_for(namespace, settings.default_namespace)
    found = await store.get_transcript(scope, transcript_id)
    if found is None:
        if job := await _ingesting(ingest, scope, transcript_id):
            raise NotFound(
                f"no transcript {transcript_id} yet: job {job.id} is ingesting it ({job.status.value}; "
                f"GET /v1/jobs/{job.id}/events follows it)"
            )
        raise NotFound(f"no transcript {transcript_id}")
    return found


@router.delete("/{transcript_id}", status_code=204, responses=errors(404, 409))
async def delete_transcript(
    transcript_id: str,
    caller: CallerDep,
    store: StoreDep,
    ingest: IngestDep,
    settings: SettingsDep,
    namespace: NamespaceQuery = None,
) -> Response:
    """Remove the transcript, its chunks and the evidence they gave; entities left unmentioned go too.
    409 while a job is ingesting it: its write would bring it back."""
    scope = caller.namespace_for(namespace, settings.default_namespace)
    if job := await _ingesting(ingest, scope, transcript_id):
        raise Conflict(
            f"transcript {transcript_id} is being ingested by job {job.id} ({job.status.value}); delete "
            f"it when the job has ended (GET /v1/jobs/{job.id}/events follows it)",
            details={"job_id": job.id},
        )
    result: DeleteResult = await store.delete_transcript(scope, transcript_id)
    if not result.transcript_deleted:
        raise NotFound(f"no transcript {transcript_id}")
    return Response(status_code=204)

"""Recordings in (multipart) as ingest jobs: transcribed, then through the same pipeline as transcripts."""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Request
from pydantic import ValidationError

from backend.domain import NAMESPACE_PATTERN, NAMESPACE_RULE
from backend.errors import InvalidInput, PayloadTooLarge
from backend.ingest.known_names import HINT_CHARS, HINTS_MAX, split_hints
from backend.ingest.pipeline import IngestRequest
from backend.observability.tracing import traceparent
from backend.speech import intake
from backend.speech.audio import FORMATS

from .auth import CallerDep
from .deps import IngestDep, RuntimeDep, SettingsDep
from .openapi import errors
from .transcripts import Accepted

router = APIRouter(prefix="/v1/recordings", tags=["recordings"])
_FIELDS = ("namespace", "title", "speaker", "language", "recorded_at", "hints")


@router.post(
    "",
    status_code=202,
    response_model=Accepted,
    responses=errors(415),
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary",
                                     "description": f"Audio: {', '.join(sorted(FORMATS))}."},
                            **{f: {"type": "string"} for f in _FIELDS},
                            "hints": {"type": "string", "description": (
                                "Names the recording is likely to hold, comma-separated (or the field "
                                f"repeated; at most {HINTS_MAX}): heard with the namespace's own names."
                            )},
                        },
                        "required": ["file"],
                        "additionalProperties": False,
                    }
                }
            },
            "required": True,
        }
    },
)  # fmt: skip
async def submit_recording(
    request: Request, caller: CallerDep, ingest: IngestDep, settings: SettingsDep, runtime: RuntimeDep
) -> Accepted:
    """Queue a recording: stored, transcribed (job stage `transcribe`, progress in audio seconds), then
    ingested. The same recording again answers with its earlier job (`duplicate: true`)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidInput("send the recording as multipart/form-data with a 'file' part")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_audio_bytes + 64_000:
        limit = f"{settings.max_audio_bytes:,}"
        raise PayloadTooLarge(
            f"the upload is {int(declared):,} bytes; the limit is {limit} (KW_MAX_AUDIO_BYTES)"
        )
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InvalidInput("a recording upload needs a 'file' part holding the audio")
    fields = {k: v for k, v in form.items() if k in _FIELDS and isinstance(v, str) and v.strip()}
    unknown = sorted(k for k in form if k != "file" and k not in _FIELDS)
    if unknown:
        raise InvalidInput(f"unknown form fields {unknown}; accepted: file, {', '.join(_FIELDS)}")
    if "namespace" in fields and not re.fullmatch(NAMESPACE_PATTERN, fields["namespace"]):
        raise InvalidInput(f"namespace: a namespace is {NAMESPACE_RULE}")
    namespace = caller.namespace_for(fields.get("namespace"), settings.default_namespace)
    if len(fields.get("title", "")) > 300:
        raise InvalidInput("title: at most 300 characters")
    intake.check_fields(
        speaker=fields.get("speaker"),
        language=fields.get("language"),
        transcriber=ingest.services.transcriber,
    )
    hints = _hints(form.getlist("hints"))
    with tempfile.TemporaryDirectory(prefix="kw-upload-") as tmp:
        path = Path(tmp) / "upload"
        await asyncio.to_thread(_save, upload.file, path)
        audio = await asyncio.to_thread(
            intake.accept,
            path,
            filename=upload.filename,
            content_type=upload.content_type,
            namespace=namespace,
            settings=settings,
            store=runtime.audio_store,
        )
    try:
        ingest_request = IngestRequest(
            namespace=namespace,
            title=fields.get("title") or (Path(upload.filename).stem[:300] if upload.filename else None),
            source=f"recording:{upload.filename or audio.sha256[:12] + audio.extension}",
            audio=audio,
            speaker=fields.get("speaker"),
            hints=hints,
            language=fields.get("language"),
            recorded_at=datetime.fromisoformat(fields["recorded_at"]) if "recorded_at" in fields else None,
            traceparent=traceparent(),
        )
    except (ValueError, ValidationError) as exc:
        raise InvalidInput(f"bad form field: {exc}") from None
    job, created = await ingest.submit(ingest_request)
    return Accepted(
        job_id=job.id, transcript_id=job.transcript_id or "", status=job.status.value, duplicate=not created
    )


def _hints(values: list) -> list[str]:
    names = split_hints([v for v in values if isinstance(v, str)])
    if len(names) > HINTS_MAX:
        raise InvalidInput(f"hints: {len(names)} names; at most {HINTS_MAX}")
    long = next((n for n in names if len(n) > HINT_CHARS), None)
    if long is not None:
        raise InvalidInput(f"hints: a name is at most {HINT_CHARS} characters ({long[:20]}… is longer)")
    return names


def _save(source, path: Path) -> None:
    with open(path, "wb") as out:
        shutil.copyfileobj(source, out)

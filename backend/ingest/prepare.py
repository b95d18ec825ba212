"""A request becomes a transcript before any job exists: parsed and validated synchronously, so the API
can answer 422 before queuing anything; its id fixed (the same meeting uploaded twice is the same
transcript) and its title chosen (the request's, else the transcript's own, else the file's name).
"""

from __future__ import annotations

import json

from backend.config import Settings
from backend.domain import Transcript, content_hash
from backend.errors import InvalidInput
from backend.speech.port import StoredAudio

from . import formats
from .request import IngestRequest


def recording_transcript_id(namespace: str, audio: StoredAudio) -> str:
    """A recording's transcript is named by the audio's hash: known before transcribing, so the same
    recording uploaded twice finds its first job."""
    return Transcript.id_for(namespace, f"audio:{audio.sha256}")


def prepare(request: IngestRequest, settings: Settings) -> Transcript:
    """Parse and validate; raises TranscriptFormatError / InvalidInput with what to fix."""
    if request.content is None:
        raise InvalidInput("nothing to ingest: the request has no transcript content")
    size = len(request.content) if isinstance(request.content, str) else len(json.dumps(request.content))
    if size > settings.max_transcript_chars:
        raise InvalidInput(
            f"the transcript has {size:,} characters; the limit is {settings.max_transcript_chars:,}"
        )
    parsed = formats.parse(request.content, request.format)
    _refuse_nul(request.title, parsed)
    # The id hashes what was said, by whom, when — not the file's bytes — so the same meeting
    # uploaded twice (even re-exported) is the same transcript.
    canonical = json.dumps([s.model_dump(exclude={"index"}) for s in parsed.segments], sort_keys=True)
    digest = content_hash(canonical)
    transcript_id = (
        recording_transcript_id(request.namespace, request.audio)
        if request.audio
        else Transcript.id_for(request.namespace, digest)
    )
    return Transcript(
        id=transcript_id,
        namespace=request.namespace,
        title=request.title or parsed.title or _default_title(request, parsed),
        source=request.source,
        language=request.language or parsed.language,
        recorded_at=request.recorded_at,
        duration_s=parsed.duration_s or _duration(parsed),
        content_hash=digest,
        segments=parsed.segments,
    )


def _refuse_nul(title: str | None, parsed: formats.Parsed) -> None:
    """A NUL character means nothing in a transcript and no graph string can hold one (FalkorDB would cut
    the statement there): refused before a job exists, saying where it is."""
    if "\x00" in (title or "") or "\x00" in (parsed.title or ""):
        raise InvalidInput("the title contains a NUL character (\\x00): remove it and send it again")
    for number, segment in enumerate(parsed.segments, 1):
        if "\x00" in segment.text or "\x00" in (segment.speaker or ""):
            raise InvalidInput(
                f"turn {number} contains a NUL character (\\x00): remove it and send the transcript again"
            )


def _default_title(request: IngestRequest, parsed: formats.Parsed) -> str:
    for prefix in ("file:", "recording:"):
        if request.source.startswith(prefix):
            return request.source.removeprefix(prefix).rsplit(".", 1)[0]
    first = parsed.segments[0].text
    return (first[:60] + "…") if len(first) > 60 else first


def _duration(parsed: formats.Parsed) -> float | None:
    ends = [s.end_s for s in parsed.segments if s.end_s is not None]
    return max(ends) if ends else None

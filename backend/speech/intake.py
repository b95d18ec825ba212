"""Accepting a recording, the same way for the API and the CLI: its type (415), its size and length
(413/422), that it decodes (422), then keep it. Runs before a job exists, so a bad file is refused at
once and never reaches the graph."""

from __future__ import annotations

from pathlib import Path

from backend.config import Settings
from backend.domain import MAX_NAME_CHARS
from backend.errors import InvalidInput, PayloadTooLarge

from .audio import extension_for, probe
from .port import StoredAudio, Transcriber
from .storage import AudioStore


def check_fields(*, speaker: str | None, language: str | None, transcriber: Transcriber | None) -> None:
    """What the job would otherwise find out after transcribing: the speaker becomes a Person entity
    (a name of at most 200 characters) and the transcriber must know the language."""
    if speaker and len(speaker) > MAX_NAME_CHARS:
        raise InvalidInput(
            f"speaker: the name is {len(speaker):,} characters; a speaker name is at most {MAX_NAME_CHARS}"
        )
    check_language = getattr(transcriber, "check_language", None)
    if language and check_language is not None:
        check_language(language)


def accept(
    path: Path,
    *,
    filename: str | None,
    content_type: str | None,
    namespace: str,
    settings: Settings,
    store: AudioStore,
) -> StoredAudio:
    extension = extension_for(filename, content_type)
    size = path.stat().st_size
    if size > settings.max_audio_bytes:
        raise PayloadTooLarge(
            f"the recording is {size:,} bytes; the limit is {settings.max_audio_bytes:,} (KW_MAX_AUDIO_BYTES)"
        )
    info = probe(path, max_seconds=settings.max_audio_seconds)
    return store.save(path, namespace, info, extension, filename)

"""Files from disk — transcripts and recordings — as requests to ingest: the format an extension
implies, and for audio the same checks and storage as an upload."""

from __future__ import annotations

from pathlib import Path

from backend.errors import InvalidInput
from backend.speech import intake
from backend.speech.audio import FORMATS as AUDIO_FORMATS
from backend.speech.storage import AudioStore

from .pipeline import IngestRequest

EXTENSIONS = {".vtt": "vtt", ".srt": "srt", ".txt": "text", ".md": "text", ".json": "auto"}


def request_for(
    path: Path,
    namespace: str,
    fmt: str = "auto",
    title: str | None = None,
    *,
    audio_store: AudioStore | None = None,
    speaker: str | None = None,
    hints: list[str] | None = None,
) -> IngestRequest:
    """`speaker` and `hints` (names the recording is likely to hold) apply to recordings."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    if path.suffix.lower() in AUDIO_FORMATS and audio_store is not None:
        audio = intake.accept(
            path,
            filename=path.name,
            content_type=None,
            namespace=namespace,
            settings=audio_store.settings,
            store=audio_store,
        )
        return IngestRequest(
            namespace=namespace,
            title=title or path.stem,
            source=f"recording:{path.name}",
            audio=audio,
            speaker=speaker,
            hints=hints or [],
        )
    chosen = fmt if fmt != "auto" else EXTENSIONS.get(path.suffix.lower(), "auto")
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: not UTF-8 text") from None
    return IngestRequest(
        namespace=namespace, title=title, source=f"file:{path.name}", format=chosen, content=content
    )

"""Transcript files from disk: the format an extension implies, and the request to ingest one."""

from __future__ import annotations

from pathlib import Path

from backend.errors import InvalidInput

from .pipeline import IngestRequest

EXTENSIONS = {".vtt": "vtt", ".srt": "srt", ".txt": "text", ".md": "text", ".json": "auto"}


def request_for(path: Path, namespace: str, fmt: str = "auto", title: str | None = None) -> IngestRequest:
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    chosen = fmt if fmt != "auto" else EXTENSIONS.get(path.suffix.lower(), "auto")
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: not UTF-8 text") from None
    return IngestRequest(
        namespace=namespace, title=title, source=f"file:{path.name}", format=chosen, content=content
    )

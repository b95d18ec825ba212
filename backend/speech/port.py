"""Types the speech stage shares with the ingest job and the API."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Literal, Protocol

from pydantic import BaseModel

# (audio seconds processed, audio seconds in total): the transcription stage's real progress.
Progress = Callable[[float, float], Awaitable[None]]


class StoredAudio(BaseModel):
    """A recording as kept: `uri` is `file:///…` locally or `s3://bucket/key` on AWS."""

    uri: str
    sha256: str
    extension: str
    filename: str | None = None
    duration_s: float
    codec: str
    size_bytes: int


class Transcription(BaseModel):
    """A transcriber's output in a format the ingest parsers read (`whisper` or `transcribe` JSON)."""

    format: Literal["whisper", "transcribe"]
    content: dict
    language: str | None = None
    duration_s: float
    model: str


class Vocabulary(BaseModel):
    """Names to listen for in a recording of `namespace`, most worth hearing first (the speaker, the
    request's hints, the namespace's most-mentioned names): Whisper's hotwords, an Amazon Transcribe
    custom vocabulary."""

    namespace: str
    phrases: list[str]

    @property
    def digest(self) -> str:
        return hashlib.sha256("\n".join(self.phrases).encode()).hexdigest()[:16]


class Transcriber(Protocol):
    name: str

    async def transcribe(
        self,
        audio: StoredAudio,
        *,
        language: str | None,
        speaker: str | None,
        vocabulary: Vocabulary | None,
        progress: Progress,
    ) -> Transcription: ...

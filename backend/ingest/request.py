"""What an ingest job is asked to do, what it answers, how it reports progress, and the services it runs
with: the shapes the API, the worker and the pipeline stages share (pipeline.py runs them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from backend.config import Settings
from backend.domain import Usage
from backend.embed.port import Embedder
from backend.graph import GraphStore
from backend.llm.port import Extractor
from backend.speech.port import StoredAudio, Transcriber

Report = Callable[[str, float, float], Awaitable[None]]  # stage, done, total (counts or seconds)


class IngestRequest(BaseModel):
    namespace: str
    title: str | None = None
    source: str = "api"
    format: str = "auto"
    content: str | dict | list | None = None  # None for a recording until it is transcribed
    audio: StoredAudio | None = None
    speaker: str | None = None  # who speaks in a recording without speaker labels
    hints: list[str] = Field(default_factory=list)  # names a recording is likely to hold
    recorded_at: datetime | None = None
    language: str | None = None
    traceparent: str | None = None  # the submitting request's trace, continued by the job


class IngestResult(BaseModel):
    transcript_id: str
    chunks: int
    entities: int
    relations: int
    mentions: int
    entities_merged: int
    failed_chunks: list[dict] = Field(default_factory=list)
    names_linked: list[dict] = Field(
        default_factory=list,
        description="Names a recording's transcription got nearly right, linked to the entity they name: "
        "{heard, name, entity_id}; the chunk keeps the heard form.",
    )
    extractor: str
    usage: Usage = Field(default_factory=Usage)
    stage_ms: dict[str, float] = Field(default_factory=dict)


@dataclass
class Services:
    settings: Settings
    store: GraphStore
    embedder: Embedder  # chunks
    extractor: Extractor
    transcriber: Transcriber | None = None  # recordings only
    name_embedder: Embedder | None = None  # entity names; None: the chunk embedder

    @property
    def names(self) -> Embedder:
        return self.name_embedder or self.embedder

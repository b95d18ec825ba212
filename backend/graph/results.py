"""What the graph store gives back: typed results, shared by both dialects and the API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ScoredChunk(BaseModel):
    id: str
    transcript_id: str
    title: str | None = None
    index: int
    text: str
    start_s: float | None = None
    end_s: float | None = None
    speakers: list[str] = Field(default_factory=list)
    turn_start: int
    turn_end: int
    score: float = 0.0


class TranscriptCard(BaseModel):
    """What retrieval needs of a transcript without its text: how it is named, who speaks in it."""

    id: str
    title: str | None = None
    speakers: list[str] = Field(default_factory=list)
    chunk_count: int = 0


class EntitySummary(BaseModel):
    id: str
    name: str
    type: str
    aliases: list[str] = Field(default_factory=list)
    description: str = ""
    mention_count: int = 0


class MentioningChunk(ScoredChunk):
    """A chunk that mentions an entity; `heard`: how a recording's transcription spelled the name
    there, when it was linked by sound and spelling rather than said as the entity is named."""

    heard: list[str] = Field(default_factory=list)


class ScoredEntity(EntitySummary):
    score: float = 0.0


class Edge(BaseModel):
    source: str
    target: str
    type: str
    description: str = ""
    weight: float = 1.0
    evidence_chunk_ids: list[str] = Field(default_factory=list)


class Subgraph(BaseModel):
    nodes: list[EntitySummary] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)


class TranscriptInfo(BaseModel):
    id: str
    title: str
    source: str | None = None
    language: str | None = None
    recorded_at: str | None = None
    duration_s: float | None = None
    content_hash: str
    created_at: str | None = None
    segment_count: int | None = None


class GraphStats(BaseModel):
    transcripts: int
    chunks: int
    entities: int
    relations: int
    entities_by_type: dict[str, int]


class DeleteResult(BaseModel):
    transcript_deleted: bool
    chunks_deleted: int
    entities_deleted: int


class CypherResult(BaseModel):
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False

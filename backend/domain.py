"""The nouns every stage shares. Pydantic models, no I/O.

Ids are deterministic — a hash of (kind, namespace, normalised key) — so re-ingesting the same transcript
writes the same nodes again (a no-op) and two transcripts that name the same entity meet on one node.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

NAMESPACE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
NAMESPACE_RULE = "1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"
Namespace = Annotated[str, StringConstraints(pattern=NAMESPACE_PATTERN)]
# The longest name an entity may have; every speaker becomes a Person entity, so it bounds speakers too.
MAX_NAME_CHARS = 200

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")


def normalise_key(text: str) -> str:
    """Case-, accent-, punctuation- and whitespace-insensitive form of a name or key."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _PUNCT.sub(" ", text.casefold())
    return _SPACE.sub(" ", text).strip()


def make_id(kind: str, namespace: str, key: str) -> str:
    """Deterministic id: the same (kind, namespace, normalised key) always gives the same id."""
    digest = hashlib.sha256(f"{kind}\x1f{namespace}\x1f{normalise_key(key)}".encode()).hexdigest()
    return f"{kind[:2].lower()}_{digest[:24]}"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def utc_now() -> datetime:
    return datetime.now(UTC)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Segment(Model):
    """One speaker turn of a transcript; `index` is its position in the source."""

    index: int = Field(ge=0)
    speaker: str | None = None
    text: str
    start_s: float | None = Field(None, ge=0)
    end_s: float | None = Field(None, ge=0)


class Transcript(Model):
    id: str
    namespace: Namespace
    title: str
    source: str = "api"
    language: str | None = None
    recorded_at: datetime | None = None
    duration_s: float | None = None
    content_hash: str
    created_at: datetime = Field(default_factory=utc_now)
    segments: list[Segment] = Field(default_factory=list)

    @staticmethod
    def id_for(namespace: str, content_hash: str) -> str:
        return make_id("transcript", namespace, content_hash)


class Chunk(Model):
    id: str
    namespace: Namespace
    transcript_id: str
    index: int = Field(ge=0)
    text: str
    start_s: float | None = None
    end_s: float | None = None
    speakers: list[str] = Field(default_factory=list)
    turn_start: int = Field(ge=0)
    turn_end: int = Field(ge=0)
    token_count: int = Field(0, ge=0)
    embedding: list[float] | None = None

    @staticmethod
    def id_for(namespace: str, transcript_id: str, index: int) -> str:
        return make_id("chunk", namespace, f"{transcript_id}:{index}")


class EntityType(StrEnum):
    PERSON = "Person"
    ORGANIZATION = "Organization"
    PLACE = "Place"
    PRODUCT = "Product"
    EVENT = "Event"
    CONCEPT = "Concept"
    OTHER = "Other"


class Entity(Model):
    id: str
    namespace: Namespace
    name: str
    type: EntityType
    aliases: list[str] = Field(default_factory=list)
    description: str = ""
    mention_count: int = Field(0, ge=0)
    embedding: list[float] | None = None

    @staticmethod
    def id_for(namespace: str, entity_type: str, canonical_key: str) -> str:
        return make_id(f"entity:{entity_type}", namespace, canonical_key)


class Mention(Model):
    """An entity is mentioned `count` times in a chunk. `heard` keeps how a recording's transcription
    spelled a name that was linked to this entity by sound and spelling ("Henry Coulson" for Henrik
    Olsen); the chunk's text keeps the heard form too, so nothing is silently rewritten."""

    entity_id: str
    chunk_id: str
    count: int = Field(1, ge=1)
    heard: list[str] = Field(default_factory=list)


class Relation(Model):
    namespace: Namespace
    source_id: str
    target_id: str
    type: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")
    description: str = ""
    evidence_chunk_ids: list[str] = Field(default_factory=list)

    @property
    def weight(self) -> int:
        return max(1, len(self.evidence_chunk_ids))


class Citation(Model):
    transcript_id: str
    title: str
    chunk_id: str
    text: str
    speakers: list[str]
    start_s: float | None
    end_s: float | None
    turn_start: int
    turn_end: int
    score: float


class Usage(Model):
    """What the model calls behind a request or a job cost. Cache hits cost nothing and are counted."""

    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    retries: int = 0
    cache_hits: int = 0

    def add(self, other: Usage) -> None:
        for name in Usage.model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class QueuePlace(Model):
    """Where a queued job stands: what a caller waiting for it to start wants to know."""

    waiting: int = Field(ge=0, description="Jobs waiting for a worker now, this one included.")
    ahead: int | None = Field(
        None,
        ge=0,
        description="Of those, how many will be taken before this one; null where the job store keeps no "
        "order (SQS on AWS).",
    )


class Job(Model):
    id: str
    namespace: Namespace
    kind: str
    status: JobStatus = JobStatus.QUEUED
    stage: str = "queued"
    progress: float = Field(0.0, ge=0.0, le=1.0)
    error: str | None = None
    transcript_id: str | None = None
    result: dict | None = None
    usage: Usage = Field(default_factory=Usage)
    trace_id: str | None = None
    attempts: int = Field(0, ge=0, description="Runs started: more than 1 after a retry or a resume.")
    worker: str | None = Field(
        None, description="The worker (host:pid:id) holding the job's lease while it runs."
    )
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
    queue: QueuePlace | None = Field(None, description="While the job is queued: where it stands.")

"""Retrieval's inputs and outputs (the API's request/response bodies reuse them)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from backend.domain import Citation, Namespace, Usage
from backend.graph.results import Edge, EntitySummary

# A transcript's id as `domain.make_id` writes it.
TranscriptRef = Annotated[str, StringConstraints(pattern=r"^tr_[0-9a-f]{24}$")]


class Mode(StrEnum):
    HYBRID = "hybrid"
    VECTOR = "vector"
    FULLTEXT = "fulltext"
    GRAPH = "graph"


class Question(BaseModel):
    model_config = ConfigDict(
        extra="forbid",  # a misspelt field ("transcript") is a 422 naming it, not the whole namespace
        json_schema_extra={"examples": [{"question": "When does the Lisbon office open?", "k": 5}]},
    )

    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)] = (
        Field(description="A question in plain language (blank is refused).")
    )
    namespace: Namespace | None = None
    k: int = Field(10, ge=1, le=50, description="How many citations at most.")
    mode: Mode = Mode.HYBRID
    transcripts: list[TranscriptRef] | None = Field(
        None,
        min_length=1,
        max_length=50,
        description="Ask within these transcripts only (ids from GET /v1/transcripts): a question about "
        "one meeting among many alike. Omitted: the whole namespace.",
    )


class Part(BaseModel):
    """One question of a compound one ("…, and how long will it take?"), asked after the ones before."""

    question: str = Field(description="This part as asked.")
    standalone: str = Field(
        description="As it was searched for: its pronouns resolved with what the earlier parts asked "
        "about and were answered with."
    )
    citations: list[int] = Field(description="The citations (numbered from 1) found for this part.")


class Evidence(BaseModel):
    trace_id: str | None = Field(None, description="Finds this request in Phoenix, Langfuse and X-Ray.")
    citations: list[Citation]
    entities: list[EntitySummary] = Field(default_factory=list)
    relations: list[Edge] = Field(default_factory=list)
    unknown_terms: list[str] = Field(
        default_factory=list, description="Names in the question that nothing in the namespace mentions."
    )
    within: list[str] = Field(
        default_factory=list,
        description='The transcripts (ids) the question names by title ("… in the board review?"), '
        "within which it was asked; empty when it names none or `transcripts` were given.",
    )
    timings_ms: dict[str, float] = Field(default_factory=dict)
    parts: list[Part] = Field(
        default_factory=list,
        description="For a question in parts, each part in order, as it was searched for; empty for one "
        "question.",
    )


class AnswerBody(BaseModel):
    answer: str
    mode: str = Field(
        description="`generated` (an LLM wrote it) or `extractive` (sentences quoted from the evidence)."
    )
    uncited: bool = Field(False, description="A generated answer that cites none of the evidence.")
    citations: list[Citation]
    entities: list[EntitySummary] = Field(default_factory=list)
    relations: list[Edge] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    trace_id: str | None = None
    timings_ms: dict[str, float] = Field(default_factory=dict)
    within: list[str] = Field(
        default_factory=list, description="The transcripts the question named by title and was asked within."
    )
    parts: list[Part] = Field(
        default_factory=list, description="For a question in parts, how it was taken apart (as in Evidence)."
    )

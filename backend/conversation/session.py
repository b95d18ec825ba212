"""What a conversation holds: its turns (question, the standalone question it was understood as, the
answer with its citations, and the entities it was about). Pydantic models, no I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from backend.domain import Citation, Usage, utc_now

SESSION_ID_PATTERN = r"^ses_[0-9a-f]{32}$"

Resolution = Literal["none", "offline", "llm"]


class TurnEntity(BaseModel):
    """An entity a turn was about: named in its (standalone) question — by the user, or `carried` over
    from an earlier turn for a pronoun — or named by its answer."""

    id: str
    name: str
    type: str
    aliases: list[str] = Field(default_factory=list)
    role: Literal["question", "carried", "answer"]
    mention: str = Field(
        "", description='How the question named it ("Northwind" for Northwind Logistics Inc).'
    )


class Turn(BaseModel):
    index: int = Field(ge=1, description="1 for the conversation's first question.")
    question: str = Field(description="As the user asked it.")
    standalone_question: str = Field(description="As it was understood, with the history resolved.")
    resolution: Resolution = Field(
        "none",
        description="How the follow-up was resolved: `none` (it stood alone), `offline` (entities carried "
        "over from earlier turns), `llm` (a condense-question call).",
    )
    answer: str
    mode: str
    uncited: bool = False
    citations: list[Citation] = Field(default_factory=list)
    entities: list[TurnEntity] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    trace_id: str | None = None
    asked_at: datetime = Field(default_factory=utc_now)


class Session(BaseModel):
    id: str
    namespace: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime = Field(description="When it is gone unless asked another question before.")
    turn_count: int = Field(0, ge=0, description="Questions asked in it, including turns no longer kept.")
    turns: list[Turn] = Field(
        default_factory=list, description="The most recent turns, oldest first (KW_SESSION_MAX_TURNS)."
    )

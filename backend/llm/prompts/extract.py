"""Prompt for extracting entities and relations from one chunk of a conversation."""

from __future__ import annotations

from backend.llm.port import ChunkText, LLMRequest, Message

VERSION = "extract-v2"  # v2: relations without a description (quoted from the text instead)
TASK = "extract"

SYSTEM = """You extract a knowledge graph from a chunk of a recorded conversation.
Return entities the speakers talk about: people (including the speakers), organizations, places,
products, events, and recurring concepts (the topics and things under discussion, e.g. "battery life").
Use the name as said; one entry per distinct entity. Types: Person, Organization, Place, Product,
Event, Concept, Other. Return relations between extracted entities as UPPER_SNAKE_CASE verb phrases
(e.g. WORKS_FOR, LOCATED_IN, PROPOSED, DECIDED_ON) that the text states. Do not invent facts that the
text does not state. Answer with JSON only."""


def build(chunk: ChunkText, schema: dict) -> LLMRequest:
    speakers = ", ".join(chunk.speakers) or "unknown"
    user = f"Speakers in this chunk: {speakers}\n\nTranscript chunk:\n{chunk.text}"
    return LLMRequest(
        task=TASK,
        prompt_version=VERSION,
        messages=[Message(role="system", content=SYSTEM), Message(role="user", content=user)],
        json_schema=schema,
    )


def repair(request: LLMRequest, bad_output: str, problem: str) -> LLMRequest:
    """One more try, showing the model its invalid answer and what was wrong with it."""
    return request.model_copy(
        update={
            "messages": [
                *request.messages,
                Message(role="assistant", content=bad_output[:4000]),
                Message(
                    role="user",
                    content=f"That answer is not valid: {problem[:500]}. "
                    "Answer again with only a JSON object matching the schema.",
                ),
            ]
        }
    )

"""Follow-up questions made standalone by the LLM provider: one condense-question call per follow-up
(the first question of a conversation needs none), through the same middleware chain as every LLM
call — traced (`llm.condense`), costed, cached, rate-limited, retried. An answer that is not a
usable question (empty, or far longer than one) falls back to the offline rules, as does a provider
that cannot be reached: the conversation goes on, and `resolution` says which way it was resolved."""

from __future__ import annotations

import logging

from backend.llm.port import LLMError, LLMProvider
from backend.llm.prompts import condense as prompt

from .followup import HISTORY_TURNS, OfflineResolver, Resolved
from .mentions import find
from .session import Turn, TurnEntity

log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 2_000


def _clean(text: str) -> str:
    text = text.strip().splitlines()[0].strip() if text.strip() else ""
    for prefix in ("Standalone question:", "Rewritten question:", "Question:"):
        if text.lower().startswith(prefix.lower()):
            text = text[len(prefix) :].strip()
    return text.strip("\"'“”‘’ ")


class CondensingResolver:
    def __init__(self, llm: LLMProvider, fallback: OfflineResolver) -> None:
        self.llm, self.fallback = llm, fallback

    async def resolve(self, namespace: str, question: str, history: list[Turn]) -> Resolved:
        if not history:
            return Resolved(question)
        recent = history[-HISTORY_TURNS:]
        request = prompt.build(
            question, [(t.standalone_question, t.answer, [e.name for e in t.entities]) for t in recent]
        )
        try:
            response = await self.llm.complete(request)
        except LLMError as exc:
            log.warning("condense call failed; resolving offline", extra={"error": exc.code})
            return await self.fallback.resolve(namespace, question, history)
        usage = response.usage()
        standalone = _clean(response.text)
        if not standalone or len(standalone) > MAX_QUESTION_CHARS:
            resolved = await self.fallback.resolve(namespace, question, history)
            resolved.usage = usage
            return resolved
        return Resolved(standalone, "llm", _carried(question, standalone, recent), usage)


def _carried(question: str, standalone: str, history: list[Turn]) -> list[TurnEntity]:
    """Entities of the history that the standalone question names and the follow-up did not."""
    carried: list[TurnEntity] = []
    for turn in reversed(history):
        for entity in turn.entities:
            if any(c.id == entity.id for c in carried):
                continue
            if find(entity, standalone) and not find(entity, question):
                carried.append(entity)
    return carried

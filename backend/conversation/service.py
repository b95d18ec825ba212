"""A question asked in a conversation: resolve it against the history, retrieve and answer the
standalone question, remember the turn. The API (`/v1/query` with a `session_id`, `/v1/sessions`) and
the CLI (`weaver ask --session`, `weaver chat`) both go through here.

    history ─► resolve (offline rules | condense-question LLM call) ─► standalone question
           ─► retrieve ─► answer (streamed) ─► what the turn was about ─► append to the session
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from opentelemetry.trace import get_current_span

from backend.domain import Usage
from backend.errors import NotFound
from backend.graph import GraphStore
from backend.observability.tracing import capture_content, span
from backend.retrieve.answer import Answerer, answer_events, not_found
from backend.retrieve.evidence import Evidence, Question

from .about import turn_entities
from .followup import Resolved
from .hops import HopRetriever
from .session import Session, Turn
from .store import SessionStore


@dataclass
class Answered:
    """The end of a question in a conversation: the turn as kept, and the evidence it cites."""

    session: Session
    turn: Turn
    evidence: Evidence


def gone(session_id: str) -> NotFound:
    return NotFound(
        f"no conversation {session_id} here: it ended or expired, or belongs to another namespace; "
        "start one with POST /v1/sessions"
    )


def _describe(current, resolved: Resolved, question: str, turn: int) -> None:
    current.set_attribute("conversation.turn", turn)
    current.set_attribute("conversation.resolution", resolved.resolution)
    current.set_attribute("conversation.carried", [e.name for e in resolved.carried])
    if capture_content():
        current.set_attribute("conversation.question", question)
        current.set_attribute("conversation.standalone_question", resolved.standalone)


class Conversations:
    def __init__(
        self, store: SessionStore, resolver, retriever: HopRetriever, answerer: Answerer, graph: GraphStore
    ) -> None:
        self.store, self.resolver, self.retriever = store, resolver, retriever
        self.answerer, self.graph = answerer, graph

    async def start(self, namespace: str) -> Session:
        return await self.store.create(namespace)

    async def get(self, session_id: str) -> Session:
        session = await self.store.get(session_id)
        if session is None:
            raise gone(session_id)
        return session

    async def end(self, session_id: str) -> None:
        if not await self.store.delete(session_id):
            raise gone(session_id)

    async def ask(self, session: Session, question: Question) -> AsyncIterator[tuple[str, object]]:
        """("question", {...standalone question…}), ("token", {"text"})…, then ("answered", Answered)."""
        number = session.turn_count + 1
        started = time.perf_counter()
        with span("conversation.resolve", kind="CHAIN", **{"session.turns": len(session.turns)}) as current:
            resolved = await self.resolver.resolve(session.namespace, question.question, session.turns)
            _describe(current, resolved, question.question, number)
        _describe(get_current_span(), resolved, question.question, number)  # the request's span too
        resolve_ms = round((time.perf_counter() - started) * 1000, 2)
        yield (
            "question",
            {
                "session_id": session.id,
                "turn": number,
                "question": question.question,
                "standalone_question": resolved.standalone,
                "resolution": resolved.resolution,
                "carried": [e.name for e in resolved.carried],
            },
        )
        standalone = question.model_copy(update={"question": resolved.standalone})
        evidence = await self.retriever.retrieve(session.namespace, standalone)
        evidence.timings_ms["resolve"] = resolve_ms
        parts: list[str] = []
        usage, uncited = Usage(), False
        async for event, data in answer_events(self.answerer, resolved.standalone, evidence):
            if event == "token":
                parts.append(data["text"])
                yield "token", data
            elif event == "done":
                usage, uncited = Usage.model_validate(data["usage"]), data["uncited"]
        usage.add(resolved.usage)
        answer = "".join(parts)
        with span("conversation.remember", kind="CHAIN"):
            entities = await turn_entities(
                self.graph, session.namespace, resolved.standalone, answer, resolved.carried
            )
            turn = Turn(
                index=number,
                question=question.question,
                standalone_question=resolved.standalone,
                resolution=resolved.resolution,
                answer=answer,
                mode=self.answerer.mode,
                uncited=uncited,
                citations=[] if not_found(evidence) else evidence.citations,
                entities=entities,
                usage=usage,
                trace_id=evidence.trace_id,
            )
            kept = await self.store.append(session.id, turn)
        if kept is None:  # ended or expired while the answer was written: the caller still gets it
            kept = session
        mine = (
            t for t in reversed(kept.turns) if t.trace_id == turn.trace_id and t.question == turn.question
        )
        yield "answered", Answered(kept, next(mine, turn), evidence)

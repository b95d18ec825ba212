"""Questions: `/v1/retrieve` (the evidence) and `/v1/query` (an answer with citations, as JSON or
streamed as server-sent events), alone or within a conversation (`session_id`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import Field

from backend.conversation.service import Answered
from backend.conversation.session import SESSION_ID_PATTERN
from backend.observability.conversation import bind_session
from backend.retrieve.answer import answer_body, answer_events, cited_evidence, collect
from backend.retrieve.evidence import AnswerBody, Evidence, Question

from .answer_stream import streamed_answer
from .auth import CallerDep
from .deps import RuntimeDep, SettingsDep
from .openapi import errors
from .sessions import session_for

router = APIRouter(prefix="/v1", tags=["query"])


class QueryRequest(Question):
    stream: bool = False
    session_id: str | None = Field(
        None,
        pattern=f"^new$|{SESSION_ID_PATTERN}",
        description="Ask within a conversation: a session's id (POST /v1/sessions), or `new` to start one. "
        "A follow-up is resolved with the conversation's history before retrieval; the answer says which "
        "standalone question it answered.",
    )


class QueryAnswer(AnswerBody):
    session_id: str | None = Field(None, description="The conversation this question belongs to.")
    turn: int | None = Field(None, description="Its number in the conversation (1 for the first).")
    standalone_question: str | None = Field(
        None, description="What was answered: the question with the conversation's references resolved."
    )
    resolution: str | None = Field(None, description="`none`, `offline` (rules) or `llm` (condense call).")


# 404: `transcripts` names one the namespace does not hold
@router.post("/retrieve", response_model=Evidence, responses=errors(404))
async def retrieve(body: Question, caller: CallerDep, runtime: RuntimeDep, settings: SettingsDep) -> Evidence:
    """The evidence for a question: citations (who said what, when, with the source turns), the
    entities and relations around it, and per-retriever timings."""
    namespace = caller.namespace_for(body.namespace, settings.default_namespace)
    return await runtime.retriever.retrieve(namespace, body)


@router.post(
    "/query",
    response_model=QueryAnswer,
    responses={
        200: {
            "content": {
                "text/event-stream": {
                    "description": "question (in a conversation), token… citations, done; a failure once "
                    "the answer has begun: error (`{error: {code, message, details}, status}`) as the last"
                }
            }
        },
        **errors(404),  # a session_id that ended, expired or is another namespace's; `transcripts` not there
    },
)
async def query(
    body: QueryRequest, request: Request, caller: CallerDep, runtime: RuntimeDep, settings: SettingsDep
):
    """Answer a question from the graph. With `stream: true`, server-sent events: `token` (text as it
    is written), then `citations` (the evidence the answer's [n] refer to), then `done` (usage, mode).
    In a conversation (`session_id`), a `question` event comes first with the standalone question. A
    failure before the first words is an error status; after them, an `error` event ends the stream."""
    if body.session_id:
        return await _in_conversation(body, request, caller, runtime, settings)
    namespace = caller.namespace_for(body.namespace, settings.default_namespace)
    evidence = await runtime.retriever.retrieve(namespace, body)
    answerer = runtime.answerer
    if not body.stream:
        text, usage, uncited = await collect(answerer, body.question, evidence)
        return answer_body(answerer, text, usage, uncited, evidence)

    return await streamed_answer(answer_events(answerer, body.question, evidence), request.scope)


async def _in_conversation(body: QueryRequest, request: Request, caller, runtime, settings):
    conversations = runtime.conversations
    if body.session_id == "new":
        namespace = caller.namespace_for(body.namespace, settings.default_namespace)
        await runtime.retriever.require_transcripts(namespace, body.transcripts)  # before a session exists
        session = await conversations.start(namespace)
        bind_session(session.id)
    else:
        session = await session_for(
            runtime, caller, body.session_id, body.namespace, settings.default_namespace
        )
        await runtime.retriever.require_transcripts(session.namespace, body.transcripts)
    asking = conversations.ask(session, body)

    def done(answered: Answered) -> dict:
        turn = answered.turn
        return {
            "mode": turn.mode,
            "usage": turn.usage.model_dump(),
            "uncited": turn.uncited,
            "timings_ms": answered.evidence.timings_ms,
            "session_id": session.id,
            "turn": turn.index,
            "standalone_question": turn.standalone_question,
            "resolution": turn.resolution,
        }

    async def answered() -> QueryAnswer:
        async for event, data in asking:
            if event == "answered":
                turn, evidence = data.turn, data.evidence
                return QueryAnswer(
                    **answer_body(
                        runtime.answerer, turn.answer, turn.usage, turn.uncited, evidence
                    ).model_dump(),
                    session_id=session.id,
                    turn=turn.index,
                    standalone_question=turn.standalone_question,
                    resolution=turn.resolution,
                )
        raise RuntimeError("the conversation ended without an answer")  # pragma: no cover

    async def events():
        async for event, data in asking:
            if event == "answered":
                yield "citations", cited_evidence(data.evidence)
                yield "done", done(data)
            else:
                yield event, data

    try:
        return await (answered() if not body.stream else streamed_answer(events(), request.scope))
    except Exception:
        if body.session_id == "new":  # its id never reached the caller: no empty conversation is left
            await conversations.end(session.id)
        raise

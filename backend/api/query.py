"""Questions: `/v1/retrieve` (the evidence) and `/v1/query` (an answer with citations, as JSON or
streamed as server-sent events)."""

from __future__ import annotations

import json
import time

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from backend.retrieve.answer import answer_body, collect, not_found
from backend.retrieve.models import AnswerBody, Evidence, Question

from .auth import CallerDep
from .deps import RuntimeDep, SettingsDep

router = APIRouter(prefix="/v1", tags=["query"])


class QueryRequest(Question):
    stream: bool = False


@router.post("/retrieve", response_model=Evidence)
async def retrieve(body: Question, caller: CallerDep, runtime: RuntimeDep, settings: SettingsDep) -> Evidence:
    """The evidence for a question: citations (who said what, when, with the source turns), the
    entities and relations around it, and per-retriever timings."""
    namespace = caller.namespace_for(body.namespace, settings.default_namespace)
    return await runtime.retriever.retrieve(namespace, body)


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n"


@router.post(
    "/query",
    response_model=AnswerBody,
    responses={200: {"content": {"text/event-stream": {"description": "token… citations, done"}}}},
)
async def query(body: QueryRequest, caller: CallerDep, runtime: RuntimeDep, settings: SettingsDep):
    """Answer a question from the graph. With `stream: true`, server-sent events: `token` (text as it
    is written), then `citations` (the evidence the answer's [n] refer to), then `done` (usage, mode)."""
    namespace = caller.namespace_for(body.namespace, settings.default_namespace)
    evidence = await runtime.retriever.retrieve(namespace, body)
    answerer = runtime.answerer
    if not body.stream:
        started = time.perf_counter()
        text, usage, uncited = await collect(answerer, body.question, evidence)
        evidence.timings_ms["answer"] = round((time.perf_counter() - started) * 1000, 2)
        return answer_body(answerer, text, usage, uncited, evidence)

    async def events():
        started = time.perf_counter()
        final: dict = {}
        async for event, data in answerer.stream(body.question, evidence):
            if event == "token":
                yield _sse("token", data)
            else:
                final = data
        evidence.timings_ms["answer"] = round((time.perf_counter() - started) * 1000, 2)
        cited = [] if not_found(evidence) else evidence.citations
        yield _sse(
            "citations",
            {
                "citations": [c.model_dump() for c in cited],
                "entities": [e.model_dump() for e in evidence.entities],
                "relations": [r.model_dump() for r in evidence.relations],
            },
        )
        yield _sse("done", {"mode": answerer.mode, **final, "timings_ms": evidence.timings_ms})

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

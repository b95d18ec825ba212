"""Conversations: start one (`POST /v1/sessions`), read its history, end it. Questions in a
conversation go to `/v1/query` with its `session_id`. A key sees only its own namespace's sessions:
another namespace's session is a 404, as if it did not exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict

from backend.conversation.service import gone
from backend.conversation.session import SESSION_ID_PATTERN, Session
from backend.domain import Namespace
from backend.observability.conversation import bind_session

from .auth import Caller, CallerDep
from .deps import NamespaceQuery, RuntimeDep, SettingsDep
from .openapi import errors

router = APIRouter(prefix="/v1/sessions", tags=["conversations"])

SessionId = Annotated[
    str, Path(pattern=SESSION_ID_PATTERN, description="`ses_` and 32 hex digits, from POST /v1/sessions.")
]


class NewSession(BaseModel):
    model_config = ConfigDict(extra="forbid")
    namespace: Namespace | None = None


async def session_for(
    runtime, caller: Caller, session_id: str, requested: str | None, default: str
) -> Session:
    """The caller's session, or a 404 — another namespace's session is not theirs to know about."""
    if requested:
        caller.namespace_for(requested, default)  # a key asking for another namespace: 403, as everywhere
    session = await runtime.conversations.get(session_id)
    if (caller.namespace and session.namespace != caller.namespace) or (
        requested and session.namespace != requested
    ):
        raise gone(session_id)
    bind_session(session.id)
    return session


@router.post("", response_model=Session, status_code=201)
async def start_session(
    caller: CallerDep, runtime: RuntimeDep, settings: SettingsDep, body: NewSession | None = None
) -> Session:
    """Start a conversation in a namespace (the key's, or `namespace`). It expires after
    KW_SESSION_IDLE_TTL_S without a question."""
    namespace = caller.namespace_for(body.namespace if body else None, settings.default_namespace)
    session = await runtime.conversations.start(namespace)
    bind_session(session.id)
    return session


@router.get("/{session_id}", response_model=Session, responses=errors(404))
async def get_session(
    session_id: SessionId,
    caller: CallerDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    namespace: NamespaceQuery = None,
) -> Session:
    """The conversation so far: each question, the standalone question it was understood as, the
    answer with its citations, and the entities it was about (the last KW_SESSION_MAX_TURNS turns)."""
    return await session_for(runtime, caller, session_id, namespace, settings.default_namespace)


@router.delete("/{session_id}", status_code=204, responses=errors(404))
async def end_session(
    session_id: SessionId,
    caller: CallerDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    namespace: NamespaceQuery = None,
) -> Response:
    """End the conversation: its history is deleted."""
    await session_for(runtime, caller, session_id, namespace, settings.default_namespace)
    await runtime.conversations.end(session_id)
    return Response(status_code=204)

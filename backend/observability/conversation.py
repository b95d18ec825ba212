"""The conversation a request belongs to, on everything it produces: every span started while a
session id is set carries `session.id` (OpenInference, Phoenix's sessions view) and
`langfuse.session.id` (Langfuse groups a session's traces by it), and every JSON log line carries
`session_id`. Set once per request (`bind_session`); context variables keep concurrent requests apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.trace import Span, get_current_span

from .logs import add_context_provider

SESSION_ID = "session.id"
LANGFUSE_SESSION_ID = "langfuse.session.id"
_session: ContextVar[str | None] = ContextVar("kw_session_id", default=None)


def current_session() -> str | None:
    return _session.get()


def bind_session(session_id: str) -> None:
    """From here to the end of the current task (an HTTP request's own task, which the server starts
    for it): spans and log lines carry the session, the request's closing log line included. The span
    already current — the request's server span, started before anyone knew the session — is
    labelled too."""
    _session.set(session_id)
    label(get_current_span(), session_id)


@contextmanager
def in_session(session_id: str) -> Iterator[None]:
    """`bind_session` for a block (the CLI's chat loop asks many questions in one task)."""
    token = _session.set(session_id)
    label(get_current_span(), session_id)
    try:
        yield
    finally:
        _session.reset(token)


def label(span: Span, session_id: str) -> None:
    if span.is_recording():
        span.set_attribute(SESSION_ID, session_id)
        span.set_attribute(LANGFUSE_SESSION_ID, session_id)


class SessionSpanProcessor(SpanProcessor):
    """Labels each span as it starts with the session of the moment (one context-variable read)."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        session_id = _session.get()
        if session_id is not None:
            label(span, session_id)

    def on_end(self, span: ReadableSpan) -> None:
        return None


def _log_context() -> dict:
    session_id = _session.get()
    return {"session_id": session_id} if session_id else {}


add_context_provider(_log_context)

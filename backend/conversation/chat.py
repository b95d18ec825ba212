"""Conversations in the terminal: `weaver ask --session …` (one question, then the command to go on)
and `weaver chat` (a prompt; `/new` starts over, `/history` shows the conversation, `/quit` or
Ctrl-D leaves). Each question is its own trace, labelled with the session id like an API request."""

from __future__ import annotations

import sys
from collections.abc import Callable

from backend.errors import NotFound
from backend.observability.conversation import in_session
from backend.observability.tracing import span
from backend.retrieve.models import Question
from backend.terminal import citations_table

from .models import Session
from .service import Answered, Conversations

HELP = "/new starts a new conversation, /history shows this one, /quit (or Ctrl-D) leaves"


async def open_session(conversations: Conversations, session_id: str | None, namespace: str) -> Session:
    """`new` (or nothing): a new conversation in `namespace`; an id: that conversation."""
    if not session_id or session_id == "new":
        return await conversations.start(namespace)
    return await conversations.get(session_id)


async def ask_in(conversations: Conversations, session: Session, question: Question, out=None) -> Answered:
    """Ask, printing how the question was understood, the answer as it streams, then its citations."""
    out = out or sys.stdout
    answered = None
    with in_session(session.id), span("weaver.ask", kind="CHAIN"):
        async for event, data in conversations.ask(session, question):
            if event == "question":
                understood = data["standalone_question"]
                note = f" · understood as: {understood}" if understood != question.question else ""
                print(f"[{session.id} · turn {data['turn']}{note}]", file=out, flush=True)
            elif event == "token":
                print(data["text"], end="", file=out, flush=True)
            elif event == "answered":
                answered = data
    assert answered is not None
    print(file=out)
    turn = answered.turn
    if turn.citations:
        print(citations_table([c.model_dump() for c in turn.citations]), file=out)
    usage = turn.usage
    print(f"({turn.mode}, {usage.llm_calls} LLM calls, ${usage.cost_usd:.4f})", file=out, flush=True)
    return answered


def show_history(session: Session, out) -> None:
    if not session.turns:
        print("(no questions yet)", file=out)
    for turn in session.turns:
        understood = (
            f"  (understood as: {turn.standalone_question})"
            if turn.standalone_question != turn.question
            else ""
        )
        print(f"{turn.index}. {turn.question}{understood}", file=out)
        first = next((line for line in turn.answer.splitlines()[1:] if line.strip()), turn.answer.strip())
        print(f"   {first[:160]}", file=out)


async def chat(
    conversations: Conversations,
    session: Session,
    k: int,
    mode: str,
    read: Callable[[str], str] = input,
    out=None,
) -> int:
    out = out or sys.stdout
    print(f"Conversation {session.id} in namespace '{session.namespace}' — {HELP}.", file=out, flush=True)
    while True:
        try:
            line = read("you> ").strip()
        except EOFError:
            print(file=out)
            break
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        if line == "/new":
            session = await conversations.start(session.namespace)
            print(f"New conversation {session.id}.", file=out, flush=True)
            continue
        if line == "/history":
            try:
                show_history(await conversations.get(session.id), out)
            except NotFound as exc:
                print(exc.message, file=out)
            continue
        if line.startswith("/"):
            print(HELP, file=out, flush=True)
            continue
        try:
            answered = await ask_in(conversations, session, Question(question=line, k=k, mode=mode), out)
        except NotFound as exc:  # it expired while we waited
            print(f"{exc.message}; /new starts one.", file=out, flush=True)
            continue
        session = answered.session
    print(f"Continue later with: weaver chat --session {session.id}", file=out, flush=True)
    return 0


async def ask_command(conversations: Conversations, args, question: Question, namespace: str) -> int:
    """`weaver ask --session ID|new QUESTION`."""
    try:
        session = await open_session(conversations, args.session, namespace)
    except NotFound as exc:
        print(f"weaver ask: {exc.message}", file=sys.stderr)
        return 1
    if args.namespace and session.namespace != args.namespace:
        print(
            f"weaver ask: {session.id} is a conversation in namespace {session.namespace!r}", file=sys.stderr
        )
        return 1
    await ask_in(conversations, session, question)
    print(f'continue: weaver ask --session {session.id} "…"   (or: weaver chat --session {session.id})')
    return 0


async def chat_command(conversations: Conversations, args, namespace: str) -> int:
    """`weaver chat [--session ID]`: a resumed conversation keeps its own namespace."""
    try:
        session = await open_session(conversations, args.session, namespace)
    except NotFound as exc:
        print(f"weaver chat: {exc.message}", file=sys.stderr)
        return 1
    return await chat(conversations, session, args.k, args.mode)

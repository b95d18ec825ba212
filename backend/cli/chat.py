"""`weaver chat`: a conversation in the terminal (a prompt; `/new` starts over, `/history` shows the
conversation, `/quit` or Ctrl-D leaves). Each question is its own trace, labelled with the session id
like an API request."""

from __future__ import annotations

import sys
from collections.abc import Callable

from pydantic import ValidationError

from backend.conversation.service import Conversations
from backend.conversation.session import Session
from backend.errors import NotFound, WeaverError
from backend.retrieve.evidence import Question

from .arguments import refused
from .ask import ask_in, elsewhere, open_session, transcripts_named

HELP = "/new starts a new conversation, /history shows this one, /quit (or Ctrl-D) leaves"


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
    *,
    within: list[str] | None = None,
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
            question = Question(question=line, k=k, mode=mode, transcripts=within)
        except ValidationError as exc:  # e.g. over 2,000 characters: this line, not the conversation
            print(f"(not asked: {refused(exc)})", file=out, flush=True)
            continue
        try:
            answered = await ask_in(conversations, session, question, out)
        except NotFound as exc:  # it expired while we waited
            print(f"{exc.message}; /new starts one.", file=out, flush=True)
            continue
        except WeaverError as exc:  # the model or the graph failed: this question, not the conversation
            print(
                f"\n(no answer: {exc.message}; the question was not kept — ask it again)",
                file=out,
                flush=True,
            )
            continue
        session = answered.session
    print(f"Continue later with: weaver chat --session {session.id}", file=out, flush=True)
    return 0


async def chat_command(conversations: Conversations, args, namespace: str) -> int:
    """`weaver chat [--session ID]`: a resumed conversation keeps its own namespace."""
    try:
        session = await open_session(conversations, args.session, namespace)
        within = await transcripts_named(conversations.graph, session.namespace, args.within or [])
    except NotFound as exc:
        print(f"weaver chat: {exc.message}", file=sys.stderr)
        return 1
    if hint := await elsewhere(conversations.graph, session.namespace):
        print(f"weaver chat: {hint}", file=sys.stderr)
    return await chat(conversations, session, args.k, args.mode, within=within or None)

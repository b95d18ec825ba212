"""`weaver ask`: one question, the answer printed as it streams, then its citations — through the same
answer events as `/v1/query` (`retrieve.answer.answer_events`). With `--session`, a question in a
conversation (`conversation.service`), then the command to go on."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from backend.conversation.service import Answered, Conversations
from backend.conversation.session import Session
from backend.errors import NotFound
from backend.graph import GraphStore
from backend.observability.conversation import in_session
from backend.observability.tracing import span
from backend.retrieve.answer import answer_events, cited
from backend.retrieve.evidence import Question
from backend.runtime import Runtime

from .terminal import citations_table


async def transcripts_named(store: GraphStore, namespace: str, names: list[str]) -> list[str]:
    """The ids of the namespace's transcripts named by id or by title (a title may name several)."""
    if not names:
        return []
    known = []
    while page := await store.list_transcripts(namespace, skip=len(known), limit=100):
        known += page
    ids = []
    for name in names:
        found = [t.id for t in known if name in (t.id, t.title) or t.title.casefold() == name.casefold()]
        if not found:
            raise NotFound(
                f"no transcript titled {name!r} in namespace {namespace!r} (`weaver ingest` adds one)"
            )
        ids += found
    return list(dict.fromkeys(ids))


async def elsewhere(store: GraphStore, namespace: str) -> str | None:
    """When the namespace asked holds no transcript but others do (`make demo` fills `demo`; the CLI
    asks `default`), the line that says where the transcripts are."""
    counts = await store.transcripts_per_namespace()
    if counts.get(namespace) or not counts:
        return None
    held = ", ".join(f"'{ns}' ({n})" for ns, n in list(counts.items())[:3])
    first = next(iter(counts))
    return f"namespace '{namespace}' holds no transcripts; these do: {held} — e.g. --namespace {first}"


def several_transcripts(citations: list[dict], shown: Sequence[int] = ()) -> str | None:
    """When the answer draws on several transcripts, a line saying how to ask within one of them: with
    many meetings alike, the question may have meant only one."""
    titles = list(dict.fromkeys(c["title"] for n, c in enumerate(citations, 1) if not shown or n in shown))
    if len(titles) < 2:
        return None
    named = ", ".join(titles[:3]) + (", …" if len(titles) > 3 else "")
    return f"(from {len(titles)} transcripts: {named} — `--in TITLE` asks within one)"


def named_titles(data: dict) -> str:
    """The titles of the transcripts a question named (`within`), as its citations give them."""
    titles = {c["transcript_id"]: c["title"] for c in data["citations"]}
    return ", ".join(titles.get(t) or t for t in data["within"])


def _cost_line(mode: str, usage: dict) -> str:
    return f"({mode}, {usage.get('llm_calls', 0)} LLM calls, ${usage.get('cost_usd', 0):.4f})"


async def ask_once(runtime: Runtime, question: Question, namespace: str, out=None) -> int:
    """`weaver ask QUESTION`: retrieve, answer, print."""
    out = out or sys.stdout
    evidence = await runtime.retriever.retrieve(namespace, question)
    answer = ""
    async for event, data in answer_events(runtime.answerer, question.question, evidence):
        if event == "token":
            answer += data["text"]
            print(data["text"], end="", file=out, flush=True)
        elif event == "citations":
            print(file=out)
            if data["citations"]:  # the ones the answer uses
                shown = cited(answer, data["citations"])
                print(citations_table(data["citations"], shown), file=out)
                if data.get("within"):
                    print(f"(asked within {named_titles(data)}, which the question names)", file=out)
                elif not question.transcripts and (hint := several_transcripts(data["citations"], shown)):
                    print(hint, file=out)
        elif event == "done":
            print(_cost_line(data["mode"], data.get("usage", {})), file=out, flush=True)
    return 0


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
        shown = cited(turn.answer, turn.citations)  # the ones the answer uses
        print(citations_table([c.model_dump() for c in turn.citations], shown), file=out)
    print(_cost_line(turn.mode, turn.usage.model_dump()), file=out, flush=True)
    return answered


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

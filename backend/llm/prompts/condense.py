"""Prompt for turning a follow-up question into a standalone one, using the conversation so far."""

from __future__ import annotations

from backend.llm.port import LLMRequest, Message

VERSION = "condense-v1"
TASK = "condense"
ANSWER_CHARS = 600  # of each earlier answer: enough to know what it was about

SYSTEM = """You rewrite the last question of a conversation about recorded meetings so that it can be
understood without the conversation: replace pronouns and vague references ("them", "her", "it",
"that") with the names they refer to, and keep everything else as asked. If the question already
stands alone, return it unchanged. Reply with the rewritten question only: no preamble, no quotes,
no answer."""


def build(question: str, turns: list[tuple[str, str, list[str]]]) -> LLMRequest:
    """`turns`: (question as understood, answer, names it was about), oldest first."""
    lines = []
    for n, (asked, answer, names) in enumerate(turns, start=1):
        lines.append(f"Question {n}: {asked}")
        short = answer if len(answer) <= ANSWER_CHARS else answer[:ANSWER_CHARS].rsplit(" ", 1)[0] + " …"
        lines.append(f"Answer {n}: {short}")
        if names:
            lines.append(f"Answer {n} was about: {', '.join(names)}")
    user = "Conversation so far:\n\n" + "\n".join(lines) + f"\n\nFollow-up question: {question}"
    return LLMRequest(
        task=TASK,
        prompt_version=VERSION,
        messages=[Message(role="system", content=SYSTEM), Message(role="user", content=user)],
        max_tokens=200,
        temperature=0.0,
    )

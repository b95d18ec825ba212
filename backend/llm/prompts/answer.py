"""Prompt for answering a question from numbered evidence, citing it as [n]."""

from __future__ import annotations

from backend.domain import Citation
from backend.llm.port import LLMRequest, Message

VERSION = "answer-v1"
TASK = "answer"

SYSTEM = """You answer questions about recorded conversations using only the numbered evidence given.
Cite the evidence for every statement with its number in square brackets, like [2] or [1][3].
Say who said what when it matters. If the evidence does not answer the question, say that plainly
instead of guessing. Be brief: a few sentences."""


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60:d}:{minutes % 60:02d}:{secs:02d}" if minutes >= 60 else f"{minutes:d}:{secs:02d}"


def evidence_block(n: int, c: Citation) -> str:
    when = (
        f"{_clock(c.start_s)}–{_clock(c.end_s)}"
        if c.start_s is not None
        else f"turns {c.turn_start}–{c.turn_end}"
    )
    return f"[{n}] {c.title} ({when}; {', '.join(c.speakers) or 'unknown speakers'})\n{c.text}"


def build(question: str, citations: list[Citation], facts: list[str]) -> LLMRequest:
    evidence = "\n\n".join(evidence_block(i, c) for i, c in enumerate(citations, start=1))
    graph = ("\n\nRelated facts from the knowledge graph:\n" + "\n".join(facts)) if facts else ""
    user = f"Evidence:\n\n{evidence}{graph}\n\nQuestion: {question}"
    return LLMRequest(
        task=TASK,
        prompt_version=VERSION,
        messages=[Message(role="system", content=SYSTEM), Message(role="user", content=user)],
        max_tokens=600,
        temperature=0.0,
    )

"""`weaver eval answers CASES.json`: do answers state the facts they should, cited, and are follow-ups
understood as they should be?

A case file names its transcripts and its cases; every case is a conversation — its turns are asked
in one session, so a follow-up's answer needs the turns before it (a single question is a one-turn
conversation). Each turn lists the facts its answer must state, each fact as the phrasings that count,
and a follow-up names the `standalone` question it must be understood as. A fact is

- **stated** when the answer says one of its phrasings;
- **cited** when the line (or, in one-paragraph answers, the sentence) that says it cites an `[n]`
  whose passage says it too — what a user checks by opening the citation.

It runs with whatever provider the settings choose (offline rules and extractive answers, or an LLM's
condense call and generated answers), on the real ingest and retrieval."""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from backend.domain import Citation, JobStatus
from backend.ingest.files import request_for
from backend.retrieve.evidence import Question

NAMESPACE = "eval-answers"
_MARKER = re.compile(r"\[(\d{1,2})\]")
_SENTENCE = re.compile(r"(?<=[.!?”\"])\s+")


class TurnCase(BaseModel):
    ask: str = Field(min_length=1)
    standalone: str | None = None
    facts: list[list[str]] = Field(default_factory=list)


class Case(BaseModel):
    name: str
    turns: list[TurnCase] = Field(min_length=1)


class CaseFile(BaseModel):
    transcripts: list[str]
    cases: list[Case] = Field(min_length=1)
    about: str = ""


@dataclass
class TurnScore:
    case: str
    turn: int
    question: str
    standalone: str
    expected: str | None
    facts: int
    stated: int
    cited: int
    ms: float
    answer: str = field(repr=False, default="")

    @property
    def follow_up(self) -> bool:
        return self.expected is not None

    @property
    def understood(self) -> bool:
        return self.expected is None or _normal(self.standalone) == _normal(self.expected)

    @property
    def right(self) -> bool:
        return self.understood and self.cited == self.facts


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def load_cases(path: Path) -> tuple[CaseFile, list[Path]]:
    """The case file and its transcripts' paths (relative to the file); ValueError says what is wrong."""
    try:
        cases = CaseFile.model_validate(json.loads(path.read_text()))
    except (OSError, json.JSONDecodeError, ValidationError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    return cases, [(path.parent / t).resolve() for t in cases.transcripts]


def _units(answer: str) -> list[str]:
    lines = [line for line in answer.splitlines() if line.strip()]
    return lines if len(lines) > 1 else _SENTENCE.split(answer.strip())


def check_fact(answer: str, citations: list[Citation], phrasings: list[str]) -> tuple[bool, bool]:
    """(stated, cited) for one fact."""
    wanted = [p.casefold() for p in phrasings]
    stated = any(p in answer.casefold() for p in wanted)
    for unit in _units(answer):
        if not any(p in unit.casefold() for p in wanted):
            continue
        for n in (int(m) for m in _MARKER.findall(unit)):
            if 1 <= n <= len(citations) and any(p in citations[n - 1].text.casefold() for p in wanted):
                return stated, True
    return stated, False


async def ingest(worker, paths: list[Path], namespace: str, log=print) -> None:
    """The case file's transcripts into the namespace, one after another in the file's order (as a user
    adds them: entity resolution, and so the graph, depends on the order); found again, not redone,
    when already there."""
    for path in paths:
        job, _ = await worker.submit(request_for(path, namespace, title=path.stem))
        done = await worker.wait(job.id)
        if done.status is not JobStatus.SUCCEEDED:
            raise RuntimeError(f"{path.name}: ingest failed: {done.error}")
    log(f"{len(paths)} transcripts in namespace {namespace!r}")


async def run_cases(conversations, cases: CaseFile, namespace: str, k: int = 5) -> list[TurnScore]:
    scores = []
    for case in cases.cases:
        session = await conversations.start(namespace)
        for number, turn in enumerate(case.turns, start=1):
            started = time.perf_counter()
            async for event, data in conversations.ask(session, Question(question=turn.ask, k=k)):
                if event == "answered":
                    answered = data
            elapsed = (time.perf_counter() - started) * 1000
            session, kept = answered.session, answered.turn
            checks = [check_fact(kept.answer, kept.citations, fact) for fact in turn.facts]
            scores.append(
                TurnScore(
                    case=case.name,
                    turn=number,
                    question=turn.ask,
                    standalone=kept.standalone_question,
                    expected=turn.standalone,
                    facts=len(checks),
                    stated=sum(s for s, _ in checks),
                    cited=sum(c for _, c in checks),
                    ms=elapsed,
                    answer=kept.answer,
                )
            )
        await conversations.end(session.id)
    return scores


def report(scores: list[TurnScore], label: str) -> str:
    cases = sorted({s.case for s in scores})
    follow = [s for s in scores if s.follow_up]
    facts = sum(s.facts for s in scores)
    whole = [c for c in cases if all(s.right for s in scores if s.case == c)]
    lines = [
        "| answers | conversations | turns | follow-ups understood | facts stated | facts stated and cited "
        "| conversations all right | p50 ms / turn |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| {label} | {len(cases)} | {len(scores)} | {sum(s.understood for s in follow)}/{len(follow)} "
        f"| {sum(s.stated for s in scores)}/{facts} | {sum(s.cited for s in scores)}/{facts} "
        f"| {len(whole)}/{len(cases)} | {statistics.median(s.ms for s in scores):.0f} |",
    ]
    return "\n".join(lines)


def details(scores: list[TurnScore]) -> str:
    """One line per turn: ✓ or what went wrong."""
    out = []
    for s in scores:
        problems = []
        if not s.understood:
            problems.append(f"understood as {s.standalone!r}, expected {s.expected!r}")
        if s.cited < s.facts:
            problems.append(f"{s.cited}/{s.facts} facts cited ({s.stated} stated)")
        mark = "ok " if not problems else "NO "
        understood = f" → {s.standalone}" if s.follow_up else ""
        out.append(f"{mark} {s.case} #{s.turn}: {s.question}{understood}  {'; '.join(problems)}".rstrip())
    return "\n".join(out)


def command(cases: CaseFile, transcripts: list[Path], label: str, *, show: bool = False):
    """`weaver eval answers`: what to do with the opened runtime — ingest, ask, print the table."""

    async def work(runtime) -> int:
        await ingest(runtime.ingest, transcripts, NAMESPACE, log=lambda m: print(m, file=sys.stderr))
        scores = await run_cases(runtime.conversations, cases, NAMESPACE)
        print(report(scores, label))
        if show:
            print(details(scores))
        return 0

    return work

"""Answers with citations. With an LLM: a prompt over numbered evidence that must cite [n], streamed;
an answer that cites nothing is flagged. Offline: an extractive answer — the evidence sentences
closest to the question, each with its citation, plus facts from the graph — labelled as such.
A question about names nothing in the namespace mentions gets an honest "not found"."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Protocol

import numpy as np

from backend.domain import Usage
from backend.embed.port import Embedder
from backend.graph.results import Edge, EntitySummary
from backend.llm.port import LLMProvider, LLMResponse
from backend.llm.prompts import answer as prompt

from . import identity, statements
from .evidence import AnswerBody, Evidence
from .roles import RoleReader

_CITED = re.compile(r"\[(\d{1,2})\]")
EXTRACTIVE_SENTENCES = 3
PART_SENTENCES = 2  # per part of a question in parts
BROAD_SENTENCES = 5  # for "what does X want": the several things X asked for
# Citations are passages of three chunks, so the top three hold more than five single chunks did;
# every sentence in them is embedded per question, the answer's main cost offline.
QUOTED_CITATIONS = 3
# …and of the next ones, only sentences sharing a word with the question (few, so cheap to embed).
SEARCHED_CITATIONS = 5

_HEADER = "Extractive answer (no language model): what was said that is closest to the question —"

# (event, data) pairs: an answerer's are token… then usage; `answer_events` turns them into the
# events /v1/query streams and `weaver ask` prints: token… then citations, done
Event = tuple[str, dict]


class Answerer(Protocol):
    mode: str  # "extractive" | "generated", as the answer body names it

    def stream(self, question: str, evidence: Evidence) -> AsyncIterator[Event]:
        """The answer's text as ("token", {"text"}) events, then ("usage", {"usage", "uncited"})."""
        ...


def cited(answer: str, citations: list) -> list[int]:
    """The citations (numbered from 1) the answer refers to with [n], in order."""
    return sorted({int(n) for n in _CITED.findall(answer) if 1 <= int(n) <= len(citations)})


def not_found(evidence: Evidence) -> str | None:
    if evidence.unknown_terms:
        names = ", ".join(evidence.unknown_terms)
        return f"I found nothing about {names} in this namespace's transcripts, so I cannot answer that."
    if not evidence.citations:
        return "Nothing in this namespace's transcripts answers that question."
    return None


def graph_facts(relations: list[Edge], entities: list[EntitySummary], limit: int = 5) -> list[str]:
    names = {e.id: e.name for e in entities}
    ranked = sorted(
        (r for r in relations if r.type != "TALKED_ABOUT" and r.source in names and r.target in names),
        key=lambda r: -r.weight,
    )
    return [f"{names[r.source]} —{r.type}→ {names[r.target]}" for r in ranked[:limit]]


def _renumber(text: str, numbers: list[int]) -> str:
    return _CITED.sub(lambda m: f"[{numbers[int(m.group(1)) - 1]}]", text)


class ExtractiveAnswerer:
    mode = "extractive"

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.roles = RoleReader()

    async def stream(self, question: str, evidence: Evidence) -> AsyncIterator[Event]:
        text = not_found(evidence) or await self._compose(question, evidence)
        for line in text.splitlines(keepends=True):
            yield "token", {"text": line}
        yield "usage", {"usage": Usage().model_dump(), "uncited": False}

    async def _compose(self, question: str, evidence: Evidence) -> str:
        if len(evidence.parts) < 2:
            subject = identity.asked_about(question)
            # "who is X?": not the sentences that only speak to X ("Hi Priya, thanks for making time")
            spoken_to = identity.speaking_to(subject, evidence) if subject else None
            lines = await self._quotes(question, evidence, EXTRACTIVE_SENTENCES, spoken_to)
            about = subject and await identity.described_in(
                subject, evidence.citations, evidence.entities, self.roles
            )
            if about:  # what the transcripts say X is, first
                lead, quotes, sentences = about
                others = [q for q in lines if not any(f"“{s}”" in q for s in sentences)]
                lines = [lead, *quotes, *others][: 1 + EXTRACTIVE_SENTENCES]
            if not lines:
                return "The closest passages are cited below; none has a full sentence to quote."
            lines.insert(0, _HEADER)
        else:  # a question in parts: the quotes for each, under the part as it was searched for
            lines = [_HEADER]
            for part in evidence.parts:
                own = evidence.model_copy(
                    update={"citations": [evidence.citations[n - 1] for n in part.citations], "parts": []}
                )
                quotes = await self._quotes(part.standalone, own, PART_SENTENCES)
                # a part's [n] number its own citations: renumber them as the merged evidence does
                lines.append(part.standalone)
                lines += [_renumber(q, part.citations) for q in quotes]
                if not quotes:
                    lines.append("• (no full sentence to quote in its passages)")
        facts = graph_facts(evidence.relations, evidence.entities, limit=3)
        if facts:
            lines.append("Related facts in the graph: " + "; ".join(facts) + ".")
        return "\n".join(lines)

    async def _quotes(
        self, question: str, evidence: Evidence, limit: int, passed_over: Callable[[str], bool] | None = None
    ) -> list[str]:
        """The `limit` sentences of the evidence that best answer the question, as quoted lines; none
        that `passed_over` says to leave out, while others are left."""
        quoted = evidence.citations[:SEARCHED_CITATIONS]
        wanted = statements.stems(question)
        found = statements.candidates(
            quoted, QUOTED_CITATIONS, wanted, statements.kinds_of(evidence.entities)
        )
        if not found:
            return []
        prompts = [c.prompt for c in found if c.prompt]
        vectors = np.array(await self.embedder.embed([question, *(c.embedded for c in found), *prompts]))
        closeness = vectors[1:] @ vectors[0]
        asked = dict(zip(prompts, closeness[len(found) :], strict=True))
        similarity = [  # a reply: half its own closeness, half that of the question it answers
            float(closeness[i]) if c.prompt is None else (float(closeness[i]) + float(asked[c.prompt])) / 2
            for i, c in enumerate(found)
        ]
        people = statements.people_in(quoted, [e.name for e in evidence.entities if e.type == "Person"])
        named = statements.named_in(question, people)
        weighted = statements.weights(found, wanted, question)
        names = {e.id: e.name for e in evidence.entities}
        relations = statements.relations_asked(question, evidence.relations, names)
        subject = statements.wanting(question)
        scores = [
            statements.score(c, similarity[i], question, weighted, people, named, relations, subject)
            for i, c in enumerate(found)
        ]
        order = sorted(range(len(found)), key=lambda i: -scores[i])
        if passed_over:
            order = [i for i in order if not passed_over(found[i].sentence)] or order
        if subject:  # a broad question: more of what was said, none of it twice
            limit = max(limit, BROAD_SENTENCES)
            order = statements.diverse([found[i] for i in order], order)
        chosen = sorted((found[i] for i in order[:limit]), key=lambda c: (c.number, c.position))
        return [f"• {c.speaker or 'Someone'}: “{c.sentence}” [{c.number}]" for c in chosen]


class GeneratedAnswerer:
    mode = "generated"

    def __init__(self, llm: LLMProvider) -> None:
        self.llm = llm

    async def stream(self, question: str, evidence: Evidence) -> AsyncIterator[Event]:
        refusal = not_found(evidence)
        if refusal:
            yield "token", {"text": refusal}
            yield "usage", {"usage": Usage().model_dump(), "uncited": False}
            return
        request = prompt.build(
            question, evidence.citations, graph_facts(evidence.relations, evidence.entities)
        )
        parts: list[str] = []
        usage = Usage()
        async for piece in self.llm.stream(request):
            if isinstance(piece, LLMResponse):  # the closing one: tokens, retries, cache
                usage.add(piece.usage())
            else:
                parts.append(piece)
                yield "token", {"text": piece}
        yield "usage", {"usage": usage.model_dump(), "uncited": not cited("".join(parts), evidence.citations)}


def cited_evidence(evidence: Evidence) -> dict:
    """The `citations` event: what the answer's [n] refer to (none when nothing was found)."""
    cited = [] if not_found(evidence) else evidence.citations
    return {
        "citations": [c.model_dump() for c in cited],
        "entities": [e.model_dump() for e in evidence.entities],
        "relations": [r.model_dump() for r in evidence.relations],
        "within": evidence.within,
    }


async def answer_events(answerer: Answerer, question: str, evidence: Evidence) -> AsyncIterator[Event]:
    """An answer as it is written: token…, then citations, then done (mode, usage, uncited, timings,
    the answer's own time among them, trace id). What /v1/query streams, `weaver ask` prints and a
    conversation keeps."""
    started = time.perf_counter()
    final: dict = {}
    async for event, data in answerer.stream(question, evidence):
        if event == "token":
            yield event, data
        else:
            final = data
    evidence.timings_ms["answer"] = round((time.perf_counter() - started) * 1000, 2)
    yield "citations", cited_evidence(evidence)
    # the trace id in the stream too (also the X-Trace-Id header), for callers that read only events
    yield (
        "done",
        {"mode": answerer.mode, **final, "timings_ms": evidence.timings_ms, "trace_id": evidence.trace_id},
    )


async def collect(answerer: Answerer, question: str, evidence: Evidence) -> tuple[str, Usage, bool]:
    """The whole answer at once, for JSON responses: (text, usage, uncited)."""
    text, usage, uncited = [], Usage(), False
    async for event, data in answer_events(answerer, question, evidence):
        if event == "token":
            text.append(data["text"])
        elif event == "done":
            usage, uncited = Usage.model_validate(data["usage"]), data["uncited"]
    return "".join(text), usage, uncited


def answer_body(answerer: Answerer, text: str, usage: Usage, uncited: bool, evidence: Evidence) -> AnswerBody:
    return AnswerBody(
        answer=text,
        mode=answerer.mode,
        uncited=uncited,
        citations=[] if not_found(evidence) else evidence.citations,
        entities=evidence.entities,
        relations=evidence.relations,
        usage=usage,
        trace_id=evidence.trace_id,
        timings_ms=evidence.timings_ms,
        within=evidence.within,
        parts=evidence.parts,
    )

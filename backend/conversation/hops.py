"""Questions in parts, answered one hop at a time: "Who is building the export that Northwind's
planners in Singapore asked for, and how long will it take?" is two questions, and the second cannot
be searched for until the first is answered — "it" is the export, and what answers "how long" is what
the export's builder said, in another meeting than the one that names Singapore.

So a compound question is asked as a short conversation with itself:

1. **split** where a new question starts: ", and how long …", "…? When …", "; where …" (a question
   word after "and" or after a question mark or semicolon); at most `MAX_PARTS` parts, each of a
   few words at least. "Who met Sven and Priya?" stays whole: "and" joins names there.
2. **the first part** is retrieved and answered offline (the extractive answerer, whatever answers
   the user) — only to learn what it was about and who or what answered it;
3. **each later part** is resolved against that like a follow-up (`followup.OfflineResolver`): "it"
   becomes what the earlier part asked about — the main clause's thing, not one in its relative
   clause ("the export *that Northwind's planners asked for*": the export, not Northwind) — "he",
   "she" the person its answer named, a bare "and when?" the earlier question asking when;
4. the parts' evidence is **merged**, taking citations from each part in turn up to the question's
   `k` — one overlapping a citation already taken (same transcript, turns in common) is that moment
   again and takes its number, so k citations stay k different moments — and `Evidence.parts` says
   which citations answer which part, so an answer can be written per part and a reader sees how the
   question was taken apart.

A question in one part goes straight to the retriever: nothing changes for it.
"""

from __future__ import annotations

import re
import time

from backend.graph import GraphStore
from backend.observability.tracing import capture_content, span
from backend.retrieve.answer import ExtractiveAnswerer
from backend.retrieve.evidence import Evidence, Part, Question
from backend.retrieve.service import Retriever
from backend.retrieve.statements import relations_asked, relative_clause_start

from .about import asks_for_person, turn_entities
from .followup import OfflineResolver
from .mentions import find
from .session import Turn, TurnEntity

MAX_PARTS = 3
MIN_PART_WORDS = 1  # "and when?" is a part: the earlier question, asking when
_WH = r"(?:who|whom|whose|what|when|where|which|why|how)\b"
_SPLIT = re.compile(
    rf"(?:,\s*|\s+)and\s+(?={_WH})|(?<=\?)\s+(?=[A-Z])|;\s*(?={_WH})",
    re.IGNORECASE,
)


def split(question: str) -> list[str]:
    """The question's parts, each a question of its own ("…asked for?", "And how long will it take?");
    one part when it is one question."""
    pieces = [p.strip(" ,;") for p in _SPLIT.split(question.strip())]
    pieces = [p for p in pieces if p]
    if len(pieces) < 2 or len(pieces) > MAX_PARTS or any(len(p.split()) < MIN_PART_WORDS for p in pieces):
        return [question]
    if len(pieces[0].split()) < 3:  # "Who and when?" is not two questions
        return [question]
    return [p if p.endswith("?") else p + "?" for p in pieces]


def _in_relative_clause(entity: TurnEntity, question: str) -> bool:
    """Named only in the question's relative clause ("who is building the export *that Northwind's
    planners …*")."""
    clause = relative_clause_start(question)
    if clause is None:
        return False
    found = find(entity, question)
    return bool(found) and all(m.start() > clause for m in found)


def _main_thing_first(entities: list[TurnEntity], question: str) -> list[TurnEntity]:
    """What "it" in the next part means is the thing the part asked about: the first it names ("who
    is building *the export* Northwind asked for"). Things named after it, or only in a relative
    clause, count as carried over (less of the topic), as do people named in a relative clause. After
    a "who" part that was answered, the people it named are left out: "she" is whoever answered it."""
    first_thing = next((e for e in entities if e.role == "question" and e.type != "Person"), None)
    if asks_for_person(question) and any(e.role == "answer" and e.type == "Person" for e in entities):
        # "Who will raise the export with Lena, and where does *she* …": the one who answers the
        # "who" is the subject the next part goes on about, not a person the part named
        entities = [e for e in entities if not (e.role == "question" and e.type == "Person")]

    def background(e: TurnEntity) -> bool:
        if e.role != "question":
            return False
        return _in_relative_clause(e, question) or (e.type != "Person" and e is not first_thing)

    return [e.model_copy(update={"role": "carried"}) if background(e) else e for e in entities]


def _who_does_it(question: str, evidence: Evidence) -> str | None:
    """For "who is building the export …": the person the graph says does it — the source of a
    relation whose verb the question uses and whose other end the question names (Lena Fischer
    —BUILD→ sap export). None when the graph holds no such relation, or more than one person."""
    if not asks_for_person(question):
        return None
    names = {e.id: e.name for e in evidence.entities}
    types = {e.name: e.type for e in evidence.entities}
    lowered = question.lower()
    words = set(re.findall(r"[\w-]+", lowered))
    people = {
        source
        for source, target in relations_asked(question, evidence.relations, names)
        if types.get(source) == "Person"
        and (target.lower() in lowered or target.split()[-1].lower() in words)
    }
    return people.pop() if len(people) == 1 else None


def _addressed(standalone: str, person: str | None) -> str:
    """The next part asked of the person who does what the "who" part asked about ("How long will
    the SAP export take, Lena Fischer?"): what they said counts most, as when a meeting asks them."""
    if person is None or person in standalone or person.split()[0] in standalone:
        return standalone
    return f"{standalone.rstrip(' ?')}, {person}?"


def _overlaps(a, b) -> bool:
    return a.transcript_id == b.transcript_id and a.turn_start <= b.turn_end and b.turn_start <= a.turn_end


def _merge(parts: list[Evidence], k: int) -> tuple[list, list[list[int]]]:
    """Citations from each part in turn (its best first), at most `k`; and for each part the (1-based)
    numbers of its citations in the merged list. A citation overlapping one already kept (same
    transcript, turns in common) is that moment again: the part cites the kept one's number instead.
    Dropped rather than widened, as the retriever passes over a hit inside a passage it already cites:
    the kept passage is its part's best, and every [n] keeps pointing at the text it was given."""
    merged, numbers = [], [[] for _ in parts]
    depth = max((len(e.citations) for e in parts), default=0)
    for rank in range(depth):
        for i, evidence in enumerate(parts):
            if rank >= len(evidence.citations):
                continue
            citation = evidence.citations[rank]
            number = next((n for n, kept in enumerate(merged, 1) if _overlaps(kept, citation)), None)
            if number is None:
                if len(merged) >= k:
                    continue
                merged.append(citation)
                number = len(merged)
            if number not in numbers[i]:  # two of a part's hits in one kept moment: one number
                numbers[i].append(number)
    return merged, numbers


class HopRetriever:
    """A retriever (same `retrieve`) that asks a compound question one part at a time."""

    def __init__(self, inner: Retriever, store: GraphStore, bridge: ExtractiveAnswerer) -> None:
        self.inner, self.store, self.bridge = inner, store, bridge
        self.resolver = OfflineResolver(store)

    async def require_transcripts(self, namespace: str, transcripts: list[str] | None) -> None:
        await self.inner.require_transcripts(namespace, transcripts)

    async def retrieve(self, namespace: str, question: Question) -> Evidence:
        asked = split(question.question)
        if len(asked) == 1:
            return await self.inner.retrieve(namespace, question)
        with span("retrieve.hops", kind="CHAIN", **{"hops.parts": len(asked)}) as current:
            evidences: list[Evidence] = []
            parts: list[Part] = []
            history: list[Turn] = []
            bridge: str | None = None
            for number, part in enumerate(asked, start=1):
                started = time.perf_counter()
                resolved = await self.resolver.resolve(namespace, part, history)
                standalone = _addressed(resolved.standalone, bridge)
                evidence = await self.inner.retrieve(
                    namespace, question.model_copy(update={"question": standalone})
                )
                evidences.append(evidence)
                parts.append(Part(question=part, standalone=standalone, citations=[]))
                if number < len(asked):
                    history.append(await self._turn(namespace, number, part, standalone, evidence))
                    bridge = _who_does_it(standalone, evidence)
                evidence.timings_ms[f"hop{number}"] = round((time.perf_counter() - started) * 1000, 2)
            citations, numbers = _merge(evidences, question.k)
            for part, cited in zip(parts, numbers, strict=True):
                part.citations = cited
            if capture_content():
                current.set_attribute("hops.standalone", [p.standalone for p in parts])
        return _combined(evidences, citations, parts)

    async def _turn(
        self, namespace: str, number: int, asked: str, standalone: str, evidence: Evidence
    ) -> Turn:
        """The part as a turn of a conversation: what it asked about, and what its answer named."""
        answer = "".join(
            [
                data["text"]
                async for event, data in self.bridge.stream(standalone, evidence)
                if event == "token"
            ]
        )
        entities = _main_thing_first(
            await turn_entities(self.store, namespace, standalone, answer, []), standalone
        )
        return Turn(
            index=number,
            question=asked,
            standalone_question=standalone,
            answer=answer,
            mode=self.bridge.mode,
            entities=entities,
        )


def _combined(evidences: list[Evidence], citations: list, parts: list[Part]) -> Evidence:
    entities, relations, seen_e, seen_r = [], [], set(), set()
    for evidence in evidences:
        for e in evidence.entities:
            if e.id not in seen_e:
                seen_e.add(e.id)
                entities.append(e)
        for r in evidence.relations:
            key = (r.source, r.type, r.target)
            if key not in seen_r:
                seen_r.add(key)
                relations.append(r)
    timings: dict[str, float] = {}
    for evidence in evidences:
        for name, ms in evidence.timings_ms.items():
            timings[name] = round(timings.get(name, 0.0) + ms, 2)
    unknown = list(dict.fromkeys(t for e in evidences for t in e.unknown_terms))
    return Evidence(
        trace_id=evidences[0].trace_id,
        citations=citations,
        entities=entities,
        relations=relations,
        unknown_terms=unknown,
        within=sorted({t for e in evidences for t in e.within}),
        timings_ms=timings,
        parts=parts,
    )

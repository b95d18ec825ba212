"""`weaver eval turns PATH…`: retrieval quality on speaker-turn meetings that carry questions with the
turn spans that answer them (the QMSum format). Each file is ingested into a namespace of its own;
each question is asked in every mode; a relevant span counts as found when a citation's
`turn_start..turn_end` overlaps it. Reports recall@k (share of relevant spans found) and MRR (1 / rank
of the first citation that hits a relevant span)."""

from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from backend.domain import Citation, JobStatus
from backend.ingest.pipeline import IngestRequest
from backend.retrieve.models import Mode, Question
from backend.runtime import Runtime


@dataclass
class ModeScore:
    recalls: list[float] = field(default_factory=list)
    reciprocal_ranks: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)


def overlaps(citation: Citation, span: tuple[int, int]) -> bool:
    return citation.turn_start <= span[1] and span[0] <= citation.turn_end


def score(citations: list[Citation], spans: list[tuple[int, int]]) -> tuple[float, float]:
    found = sum(1 for span in spans if any(overlaps(c, span) for c in citations))
    first = next(
        (rank for rank, c in enumerate(citations, start=1) if any(overlaps(c, s) for s in spans)), None
    )
    return found / len(spans), (1.0 / first if first else 0.0)


async def evaluate_turns(
    runtime: Runtime, paths: list[Path], k: int = 10, log=print
) -> dict[Mode, ModeScore]:
    scores = {mode: ModeScore() for mode in Mode}
    for path in paths:
        data = json.loads(path.read_text())
        queries = data.get("specific_query_list") or []
        if not queries:
            log(f"{path.name}: no queries with relevant spans, skipped")
            continue
        namespace = "eval-" + re.sub(r"[^A-Za-z0-9_.-]", "-", path.stem)[:50]
        job, _ = await runtime.ingest.submit(
            IngestRequest(namespace=namespace, title=path.stem, content=data)
        )
        job = await runtime.ingest.wait(job.id)
        if job.status is not JobStatus.SUCCEEDED:
            log(f"{path.name}: ingest failed: {job.error}")
            continue
        for query in queries:
            spans = [(int(a), int(b)) for a, b in query["relevant_text_span"]]
            for mode in Mode:
                started = time.perf_counter()
                evidence = await runtime.retriever.retrieve(
                    namespace, Question(question=query["query"], k=k, mode=mode)
                )
                recall, rr = score(evidence.citations, spans)
                scores[mode].recalls.append(recall)
                scores[mode].reciprocal_ranks.append(rr)
                scores[mode].latencies_ms.append((time.perf_counter() - started) * 1000)
        log(f"{path.name}: {len(queries)} questions")
    return scores


def report(scores: dict[Mode, ModeScore], k: int) -> str:
    lines = [f"| mode | questions | recall@{k} | MRR | p50 ms |", "|---|---:|---:|---:|---:|"]
    for mode, s in scores.items():
        if not s.recalls:
            continue
        lines.append(
            f"| {mode.value} | {len(s.recalls)} | {statistics.mean(s.recalls):.3f} | "
            f"{statistics.mean(s.reciprocal_ranks):.3f} | {statistics.median(s.latencies_ms):.0f} |"
        )
    return "\n".join(lines)

"""`weaver eval turns PATH…`: retrieval quality on speaker-turn meetings that carry questions with the
turn spans that answer them (the QMSum format).

The realistic setting is the default: every meeting is ingested into **one** namespace, as a user
keeps them, and each question must find its moment among all of them (`within_meeting=True` asks
each question within its own meeting in that namespace, as a user who names the meeting does —
`Question.transcripts`; `name_meeting=True` asks "In <title>: <question>", as a user who names the
meeting in the question does (`retrieve/titles.py`); `per_meeting=True` gives each
meeting a namespace of its own, the easy setting). The questions are split by meeting into a tuning
half and a reporting half (`SPLIT`, fixed): weights, thresholds and models are chosen on the tuning
half; the README reports the other.

A relevant span counts as found when a citation of the right meeting has a `turn_start..turn_end`
that overlaps it. Reports recall@k for each k (share of relevant spans found in the first k
citations), MRR (1 / rank of the first citation that hits a relevant span), how often the first
citation comes from the question's meeting (`meeting@1`: with many meetings in one namespace, finding
the meeting is most of the difficulty), the words of context a question returns, and latency."""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from backend.domain import Citation, JobStatus
from backend.ingest.pipeline import IngestRequest
from backend.retrieve.evidence import Mode, Question
from backend.runtime import Runtime

NAMESPACE = "eval"
# The QMSum validation meetings, sorted by name and taken alternately, so each half holds meetings of
# every series (ICSI, AMI, committee). Meetings not named here (other data) count as "report".
TUNING = frozenset(
    "Bed002 Bed015 Bmr012 Bro005 Bro022 ES2006b ES2006d ES2009b ES2009d IS1006b IS1006d "
    "TS3009b TS3009d TS3010b TS3010d covid_6 education_10 education_22".split()
)


def half_of(path: Path) -> str:
    return "tune" if path.stem in TUNING else "report"


@dataclass
class ModeScore:
    recalls: dict[int, list[float]] = field(default_factory=dict)  # k -> one recall per question
    reciprocal_ranks: list[float] = field(default_factory=list)
    meeting_first: list[bool] = field(default_factory=list)  # the first citation is from the meeting
    context_words: list[int] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)


def overlaps(citation: Citation, span: tuple[int, int]) -> bool:
    return citation.turn_start <= span[1] and span[0] <= citation.turn_end


def score(citations: list[Citation], spans: list[tuple[int, int]]) -> tuple[float, float]:
    """(recall, reciprocal rank) of citations that all come from the question's meeting."""
    found = sum(1 for span in spans if any(overlaps(c, span) for c in citations))
    first = next(
        (rank for rank, c in enumerate(citations, start=1) if any(overlaps(c, s) for s in spans)), None
    )
    return found / len(spans), (1.0 / first if first else 0.0)


def _namespace(path: Path, per_meeting: bool) -> str:
    return "eval-" + re.sub(r"[^A-Za-z0-9_.-]", "-", path.stem)[:50] if per_meeting else NAMESPACE


async def ingest_meetings(
    runtime: Runtime, paths: list[Path], *, per_meeting: bool = False, log=print
) -> dict[Path, str]:
    """Every meeting in (its namespace); returns the transcript id of each one that succeeded. A
    meeting already ingested is found by its content, not ingested again."""
    submitted = []
    for path in paths:
        request = IngestRequest(
            namespace=_namespace(path, per_meeting), title=path.stem, content=json.loads(path.read_text())
        )
        job, _ = await runtime.ingest.submit(request)
        submitted.append((path, job))
    transcripts = {}
    for path, job in submitted:
        job = await runtime.ingest.wait(job.id)
        if job.status is JobStatus.SUCCEEDED:
            transcripts[path] = job.transcript_id
        else:
            log(f"{path.name}: ingest failed: {job.error}")
    log(f"{len(transcripts)} meetings ingested")
    return transcripts


async def evaluate_turns(
    runtime: Runtime,
    paths: list[Path],
    ks: tuple[int, ...] = (5, 10),
    *,
    per_meeting: bool = False,
    within_meeting: bool = False,
    name_meeting: bool = False,
    half: str = "report",
    modes: tuple[Mode, ...] = tuple(Mode),
    log=print,
) -> dict[Mode, ModeScore]:
    """Ingest every meeting, then ask the questions of the chosen half (`tune`, `report` or `all`) in
    every mode, scoring the first max(ks) citations."""
    transcripts = await ingest_meetings(runtime, paths, per_meeting=per_meeting, log=log)
    scores = {mode: ModeScore(recalls={k: [] for k in ks}) for mode in modes}
    k = max(ks)
    for path, transcript_id in transcripts.items():
        if half != "all" and half_of(path) != half:
            continue
        queries = json.loads(path.read_text()).get("specific_query_list") or []
        for query in queries:
            spans = [(int(a), int(b)) for a, b in query["relevant_text_span"]]
            for mode in modes:
                started = time.perf_counter()
                evidence = await runtime.retriever.retrieve(
                    _namespace(path, per_meeting),
                    Question(
                        question=f"In {path.stem}: {query['query']}" if name_meeting else query["query"],
                        k=k,
                        mode=mode,
                        transcripts=[transcript_id] if within_meeting else None,
                    ),
                )
                elapsed = (time.perf_counter() - started) * 1000
                citations = evidence.citations
                mode_score = scores[mode]
                for cut in ks:
                    top = [c for c in citations[:cut] if c.transcript_id == transcript_id]
                    mode_score.recalls[cut].append(score(top, spans)[0])
                rank = next(
                    (n for n, c in enumerate(citations, 1)
                     if c.transcript_id == transcript_id and score([c], spans)[0]),
                    None,
                )  # fmt: skip
                mode_score.reciprocal_ranks.append(1.0 / rank if rank else 0.0)
                mode_score.meeting_first.append(
                    bool(citations) and citations[0].transcript_id == transcript_id
                )
                mode_score.context_words.append(sum(len(c.text.split()) for c in citations))
                mode_score.latencies_ms.append(elapsed)
        log(f"{path.name}: {len(queries)} questions")
    return scores


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def report(scores: dict[Mode, ModeScore]) -> str:
    ks = sorted(next(iter(scores.values())).recalls)
    head = " | ".join(f"recall@{k}" for k in ks)
    lines = [
        f"| mode | questions | {head} | MRR | meeting@1 | words/question | p50 ms | p95 ms |",
        "|---|---:|" + "---:|" * len(ks) + "---:|---:|---:|---:|---:|",
    ]
    for mode, s in scores.items():
        if not s.reciprocal_ranks:
            continue
        recalls = " | ".join(f"{statistics.mean(s.recalls[k]):.3f}" for k in ks)
        lines.append(
            f"| {mode.value} | {len(s.reciprocal_ranks)} | {recalls} | "
            f"{statistics.mean(s.reciprocal_ranks):.3f} | {statistics.mean(s.meeting_first):.3f} | "
            f"{statistics.mean(s.context_words):.0f} | "
            f"{statistics.median(s.latencies_ms):.0f} | {_p95(s.latencies_ms):.0f} |"
        )
    return "\n".join(lines)


def run(settings, args) -> int:
    """`weaver eval turns PATH…`: the meetings in the files and folders named, scored, as a table."""
    paths = sorted(
        p
        for name in args.paths
        for p in ([Path(name)] if Path(name).is_file() else Path(name).glob("*.json"))
    )
    if not paths:
        print("weaver eval: no .json files found", file=sys.stderr)
        return 2
    return asyncio.run(_run(settings, args, paths))


async def _run(settings, args, paths: list[Path]) -> int:
    from backend.runtime import open_runtime

    runtime = await open_runtime(settings)
    retriever = runtime.retriever.inner  # the fusing retriever under the question splitter
    try:
        for weights in getattr(args, "weights", None) or [retriever.weights]:
            retriever.weights = weights
            scores = await evaluate_turns(
                runtime, paths, tuple(args.k), per_meeting=args.per_meeting, half=args.half,
                within_meeting=args.within_meeting, name_meeting=args.name_meeting,
                modes=tuple(Mode(m) for m in args.mode),  # the order asked
                log=lambda m: print(m, file=sys.stderr),
            )  # fmt: skip
            print(f"\nfusion weights (vector, full-text, graph, speaker): {', '.join(map(str, weights))}\n")
            print(report(scores))
    finally:
        await runtime.close()
    return 0

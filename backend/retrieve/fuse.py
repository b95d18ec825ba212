"""Reciprocal rank fusion, and turning the fused chunks into citations of whole passages."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from backend.domain import Citation
from backend.graph.results import ScoredChunk

RRF_K = 60  # the constant from Cormack et al. (2009); it damps the weight of the very top ranks


def rrf(
    rankings: Sequence[Sequence[ScoredChunk]], weights: Sequence[float] | None = None
) -> list[ScoredChunk]:
    """One ranking from several: each chunk scores the sum of weight / (RRF_K + rank) over the lists."""
    scores: dict[str, float] = {}
    chunks: dict[str, ScoredChunk] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, chunk in enumerate(ranking, start=1):
            scores[chunk.id] = scores.get(chunk.id, 0.0) + weight / (RRF_K + rank)
            chunks.setdefault(chunk.id, chunk)
    ordered = sorted(scores, key=lambda cid: -scores[cid])
    return [chunks[cid].model_copy(update={"score": scores[cid]}) for cid in ordered]


def _join(first: str, second: str) -> str:
    # chunks overlap by whole trailing lines; do not repeat them
    lines = first.split("\n")
    extra = second.split("\n")
    overlap = next((n for n in range(min(len(lines), len(extra)), 0, -1) if lines[-n:] == extra[:n]), 0)
    return "\n".join(lines + extra[overlap:])


def to_citations(
    ranked: Sequence[ScoredChunk],
    k: int,
    around: Callable[[ScoredChunk], list[ScoredChunk]] = lambda chunk: [chunk],
) -> list[Citation]:
    """The best k chunks as citations, each widened to its passage (`around`: the chunk and its
    neighbours); a chunk whose passage overlaps one already cited adds nothing new and is passed
    over, so k citations are k different moments."""
    taken: set[str] = set()
    citations = []
    for chunk in ranked:
        if len(citations) == k:
            break
        group = sorted(around(chunk), key=lambda c: c.index)
        if any(c.id in taken for c in group):
            continue
        taken.update(c.id for c in group)
        text = group[0].text
        for nxt in group[1:]:
            text = _join(text, nxt.text)
        starts = [c.start_s for c in group if c.start_s is not None]
        ends = [c.end_s for c in group if c.end_s is not None]
        citations.append(
            Citation(
                transcript_id=chunk.transcript_id,
                title=chunk.title or "",
                chunk_id=chunk.id,
                text=text,
                speakers=list(dict.fromkeys(s for c in group for s in c.speakers)),
                start_s=min(starts) if starts else None,
                end_s=max(ends) if ends else None,
                turn_start=min(c.turn_start for c in group),
                turn_end=max(c.turn_end for c in group),
                score=chunk.score,
            )
        )
    return citations

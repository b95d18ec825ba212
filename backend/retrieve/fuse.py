"""Reciprocal rank fusion, and merging adjacent chunks of one transcript into one citation."""

from __future__ import annotations

from collections.abc import Sequence

from backend.domain import Citation
from backend.graph.models import ScoredChunk

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


def to_citations(ranked: Sequence[ScoredChunk], k: int) -> list[Citation]:
    """The top k chunks as citations; among them, a chunk next to one already chosen (same
    transcript, adjacent index) extends it instead of taking a slot of its own."""
    picked: list[list[ScoredChunk]] = []
    for chunk in ranked[:k]:
        group = next(
            (g for g in picked if g[0].transcript_id == chunk.transcript_id
             and (chunk.index == g[-1].index + 1 or chunk.index == g[0].index - 1)),
            None,
        )  # fmt: skip
        if group is not None:
            group.append(chunk)
            group.sort(key=lambda c: c.index)
        else:
            picked.append([chunk])
    citations = []
    for group in picked:
        text = group[0].text
        for nxt in group[1:]:
            text = _join(text, nxt.text)
        starts = [c.start_s for c in group if c.start_s is not None]
        ends = [c.end_s for c in group if c.end_s is not None]
        citations.append(
            Citation(
                transcript_id=group[0].transcript_id,
                title=group[0].title or "",
                chunk_id=group[0].id,
                text=text,
                speakers=list(dict.fromkeys(s for c in group for s in c.speakers)),
                start_s=min(starts) if starts else None,
                end_s=max(ends) if ends else None,
                turn_start=min(c.turn_start for c in group),
                turn_end=max(c.turn_end for c in group),
                score=max(c.score for c in group),
            )
        )
    return citations

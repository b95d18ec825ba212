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


# Words of context a citation may widen to (neighbouring chunks of its transcript) while the question's
# citations together stay within this many words each: 10 citations hold at most 3,000 words (issue
# #15's bound). Chosen on the tuning half: hybrid recall@10 0.679 at ~2,200 words (passages of a chunk
# and one neighbour either side) -> 0.698 at ~2,980 (250 words each: 0.679).
WORDS_PER_CITATION = 300


def _words(chunk: ScoredChunk) -> int:
    return len(chunk.text.split())


def _widen(
    groups: list[list[ScoredChunk]],
    taken: set[str],
    beside: Callable[[ScoredChunk, int], ScoredChunk | None],
    budget: int,
) -> None:
    """Grow each group by a neighbour at a time, after then before, best citation first, round after
    round, while the group is under `WORDS_PER_CITATION` and all together within `budget` words."""
    sizes = [sum(_words(c) for c in group) for group in groups]
    total = sum(sizes)
    grew = True
    while grew:
        grew = False
        for n, group in enumerate(groups):
            for end, step in ((-1, 1), (0, -1)):
                if sizes[n] >= WORDS_PER_CITATION:
                    break
                nxt = beside(group[end], step)
                if nxt is None or nxt.id in taken or total + (size := _words(nxt)) > budget:
                    continue
                taken.add(nxt.id)
                sizes[n] += size
                total += size
                group.insert(len(group) if step == 1 else 0, nxt)
                grew = True


def to_citations(
    ranked: Sequence[ScoredChunk],
    k: int,
    around: Callable[[ScoredChunk], list[ScoredChunk]] = lambda chunk: [chunk],
    beside: Callable[[ScoredChunk, int], ScoredChunk | None] = lambda chunk, step: None,
) -> list[Citation]:
    """The best k chunks as citations, each widened to its passage (`around`: the chunk and its
    neighbours); a chunk whose passage overlaps one already cited adds nothing new and is passed
    over, so k citations are k different moments. Then each passage grows with the chunks `beside`
    it (step -1: the one before, 1: after) within the words budget."""
    taken: set[str] = set()
    groups: list[list[ScoredChunk]] = []
    heads: list[ScoredChunk] = []
    for chunk in ranked:
        if len(groups) == k:
            break
        group = sorted(around(chunk), key=lambda c: c.index)
        if any(c.id in taken for c in group):
            continue
        taken.update(c.id for c in group)
        groups.append(group)
        heads.append(chunk)
    _widen(groups, taken, beside, WORDS_PER_CITATION * k)
    citations = []
    for chunk, group in zip(heads, groups, strict=True):
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

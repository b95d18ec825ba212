"""Speaker-turn aware chunking: whole turns fill a token budget; a turn longer than the budget is split
on sentences, and a run of characters without spaces longer than `MAX_WORD_CHARS` is cut, so no chunk
grows without bound whatever the input (the NLP extractor reads at most 1M characters at once). The
next chunk starts with the last short turns of the previous one (overlap), so an exchange that
straddles a boundary is whole in one of them. Every chunk keeps the source turn range
(`turn_start..turn_end`), its time range and its speakers, which is what makes a citation checkable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.domain import Chunk, Segment

_TOKEN = re.compile(r"\w+|[^\w\s]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
MAX_WORD_CHARS = 100  # longer than any word or most URLs; a longer run is cut into parts this long


def count_tokens(text: str) -> int:
    """Words and punctuation marks: close to a wordpiece count for English speech, and free."""
    return len(_TOKEN.findall(text))


@dataclass
class _Piece:
    segment: Segment
    text: str
    tokens: int


def _split_long(segment: Segment, budget: int) -> list[_Piece]:
    pieces: list[_Piece] = []
    current: list[str] = []
    size = 0
    for sentence in _SENTENCE_END.split(segment.text):
        words = [
            word[i : i + MAX_WORD_CHARS]
            for word in sentence.split()
            for i in range(0, len(word), MAX_WORD_CHARS)
        ]
        # a sentence over the budget on its own (run-on speech) is cut on words
        parts = [" ".join(words[i : i + budget // 2]) for i in range(0, len(words), budget // 2)] or [""]
        for part in parts:
            n = count_tokens(part)
            if current and size + n > budget:
                pieces.append(_Piece(segment, " ".join(current), size))
                current, size = [], 0
            current.append(part)
            size += n
    if current:
        pieces.append(_Piece(segment, " ".join(current), size))
    return pieces


def _pieces(segments: list[Segment], budget: int) -> list[_Piece]:
    out: list[_Piece] = []
    for segment in segments:
        n = count_tokens(segment.text)
        too_long = n > budget or len(segment.text) > budget * MAX_WORD_CHARS
        out.extend(_split_long(segment, budget) if too_long else [_Piece(segment, segment.text, n)])
    return out


def _render(pieces: list[_Piece]) -> str:
    lines: list[str] = []
    previous: Segment | None = None
    for piece in pieces:
        if previous is piece.segment:
            lines[-1] += " " + piece.text
        else:
            lines.append(f"{piece.segment.speaker}: {piece.text}" if piece.segment.speaker else piece.text)
        previous = piece.segment
    return "\n".join(lines)


def _make_chunk(namespace: str, transcript_id: str, index: int, pieces: list[_Piece]) -> Chunk:
    segments = [p.segment for p in pieces]
    starts = [s.start_s for s in segments if s.start_s is not None]
    ends = [s.end_s for s in segments if s.end_s is not None]
    return Chunk(
        id=Chunk.id_for(namespace, transcript_id, index),
        namespace=namespace,
        transcript_id=transcript_id,
        index=index,
        text=_render(pieces),
        start_s=min(starts) if starts else None,
        end_s=max(ends) if ends else (max(starts) if starts else None),
        speakers=list(dict.fromkeys(s.speaker for s in segments if s.speaker)),
        turn_start=min(s.index for s in segments),
        turn_end=max(s.index for s in segments),
        token_count=sum(p.tokens for p in pieces),
    )


def chunk_segments(
    namespace: str,
    transcript_id: str,
    segments: list[Segment],
    *,
    max_tokens: int = 160,
    overlap_tokens: int = 30,
) -> list[Chunk]:
    if max_tokens < 16 or not 0 <= overlap_tokens < max_tokens // 2:
        raise ValueError("max_tokens must be >= 16 and overlap_tokens below half of it")
    chunks: list[Chunk] = []
    current: list[_Piece] = []
    size = 0
    fresh = 0  # pieces in `current` that no earlier chunk holds
    for piece in _pieces(segments, max_tokens):
        if current and size + piece.tokens > max_tokens and fresh:
            chunks.append(_make_chunk(namespace, transcript_id, len(chunks), current))
            carried: list[_Piece] = []
            for previous in reversed(current):
                if sum(p.tokens for p in carried) + previous.tokens > overlap_tokens:
                    break
                carried.insert(0, previous)
            if len(carried) == len(current):  # never carry a whole chunk: that would repeat it
                carried = carried[1:]
            current, size, fresh = carried, sum(p.tokens for p in carried), 0
        if size + piece.tokens > max_tokens:  # the overlap and a long piece do not fit together
            current, size = [], 0
        current.append(piece)
        size += piece.tokens
        fresh += 1
    if current and fresh:
        chunks.append(_make_chunk(namespace, transcript_id, len(chunks), current))
    return chunks

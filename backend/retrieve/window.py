"""The chunks around a question's best hits, read from the graph for that question: what each
citation widens into (`fuse.to_citations`: a chunk and its neighbours, then more while its words
allow). Nothing is kept between questions."""

from __future__ import annotations

from collections.abc import Sequence

from backend.graph import GraphStore
from backend.graph.results import ScoredChunk

# A passage is a chunk and this many chunks either side of it (what BM25 ranked, and what a citation
# shows at least).
REACH = 1


class Window:
    """Chunks of some transcripts, each with its neighbours as far as they were read."""

    def __init__(self, chunks: Sequence[ScoredChunk]) -> None:
        self._at = {(c.transcript_id, c.index): c for c in chunks}

    def around(self, chunk: ScoredChunk, reach: int = REACH) -> list[ScoredChunk]:
        """The chunk and up to `reach` chunks either side of it in its transcript."""
        steps = range(-reach, reach + 1)
        found = [chunk if step == 0 else self.beside(chunk, step) for step in steps]
        return [c for c in found if c is not None]

    def beside(self, chunk: ScoredChunk, step: int) -> ScoredChunk | None:
        """The chunk just after (step 1) or before (step -1) this one in its transcript, if read."""
        return self._at.get((chunk.transcript_id, chunk.index + step))


async def read_window(
    store: GraphStore, namespace: str, ranked: Sequence[ScoredChunk], chunks: int
) -> Window:
    """The neighbourhoods of the first `chunks` of a ranking, in one read: four chunks either side,
    as far as a citation may widen (300 words, `fuse.WORDS_PER_CITATION`, is about four ~75-word
    chunks)."""
    ids = [c.id for c in ranked[:chunks]]
    return Window(await store.chunks_around(namespace, ids) if ids else [])

"""Where passages (a chunk with its neighbours' text, `cypher_passages.py`) are indexed for lexical
search, kept current by every write: the port, and the adapter for Neo4j, whose own full-text index
(Lucene, BM25) holds them on the chunks. FalkorDB's adapter is `sqlite_passages.py`. The factory picks
one (graph/factory.py); the store writes through it and searches with it.

Each passage is also indexed under its namespace's key, a single token, so the engine itself keeps
only that namespace's hits and stops at the best k: a search never ranks other tenants' passages
(BM25's word statistics are still the whole index's, as in any shared index).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from .results import ScoredChunk
from .runner import Rows

# A search within chosen transcripts cannot stop at k in the engine (the best k of the namespace may
# all be other transcripts'), so it reads this many of the namespace's hits and filters.
WITHIN_FETCH = 10_000


def namespace_key(namespace: str) -> str:
    """One token that no analyzer splits: 'ns' and hex."""
    return "ns" + hashlib.sha256(namespace.encode()).hexdigest()[:20]


def fold_accents(text: str) -> str:
    """The text without its accents ("Tomás" -> "Tomas"), for an analyzer that stems but does not fold:
    passages are indexed and questions searched in this form, so either spelling finds the other."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


class PassageIndex(Protocol):
    async def write(self, rows: Sequence[dict[str, Any]]) -> None:
        """Index these passages (rows of `store.passage_row`: id, namespace, transcript_id, passage)."""

    async def forget(self, chunk_ids: Sequence[str]) -> None:
        """Drop these chunks' passages (their chunks were deleted)."""

    async def pending(self, limit: int) -> list[str]:
        """Ids of chunks whose passages this index lacks, up to `limit` ([] when none): a graph written
        before passages were kept is indexed when it is opened."""

    async def search(
        self, namespace: str, terms: Sequence[str], k: int, transcripts: Sequence[str] = ()
    ) -> list[ScoredChunk]:
        """The namespace's chunks whose passages best match any of `terms` (BM25), best first."""

    async def close(self) -> None: ...


Run = Callable[..., Awaitable[Rows]]
Read = Callable[..., Awaitable[list]]


class GraphPassages:
    """Neo4j: passages are a property of their chunk (accents folded), under the full-text index
    `chunk_passage`."""

    def __init__(self, run: Run, read: Read, cypher: Any) -> None:
        self._run, self._read, self.cypher = run, read, cypher

    async def write(self, rows: Sequence[dict[str, Any]]) -> None:
        keyed = [
            {**r, "passage": fold_accents(r["passage"]), "ns_key": namespace_key(r["namespace"])}
            for r in rows
        ]
        await self._run("index_passages", self.cypher.SET_PASSAGES, {"rows": keyed})

    async def forget(self, chunk_ids: Sequence[str]) -> None:
        return None  # the passage goes with its chunk node

    async def pending(self, limit: int) -> list[str]:
        rows = await self._run("unindexed_passages", self.cypher.UNINDEXED_CHUNK_IDS, {"limit": limit})
        return [r["id"] for r in rows.rows]

    async def search(
        self, namespace: str, terms: Sequence[str], k: int, transcripts: Sequence[str] = ()
    ) -> list[ScoredChunk]:
        if not terms:
            return []
        params = {
            "query": self.cypher.passage_query(namespace_key(namespace), [fold_accents(t) for t in terms]),
            "namespace": namespace,
            "transcripts": list(transcripts),
            "fetch": WITHIN_FETCH if transcripts else k,
            "k": k,
        }
        return await self._read("search_passages", self.cypher.SEARCH_PASSAGES, params, ScoredChunk)

    async def close(self) -> None:
        return None

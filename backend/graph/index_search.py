"""The graph's index searches: vector (the shared approximate index, with an exact scan of the
namespace when other tenants crowd it), full-text, and the batched entity probes that ingest's
resolution uses. Reached as `GraphStore.search`; every statement goes through the store's `read` and
`run`, like all of the store's own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from types import ModuleType
from typing import Any, TypeVar

from pydantic import BaseModel

from backend.errors import InvalidInput

from .cypher_shared import query_terms
from .passage_index import PassageIndex
from .results import ScoredChunk, ScoredEntity
from .rows import batches
from .runner import Rows

T = TypeVar("T", bound=BaseModel)
Read = Callable[[str, str, dict[str, Any], type[T]], Awaitable[list[T]]]
Run = Callable[..., Awaitable[Rows]]


class IndexSearch:
    def __init__(
        self,
        read: Read,
        run: Run,
        cypher: ModuleType,
        passages: PassageIndex,
        *,
        embedding_dim: int,
        overfetch: int,
        batch_size: int,
    ) -> None:
        self._read, self._run, self.cypher, self.passages = read, run, cypher, passages
        self.embedding_dim, self.overfetch, self.batch_size = embedding_dim, overfetch, batch_size

    def check_vector(self, vector: Sequence[float]) -> list[float]:
        if len(vector) != self.embedding_dim:
            raise InvalidInput(f"query vector has {len(vector)} dimensions; expected {self.embedding_dim}")
        return [float(x) for x in vector]

    def _vector_params(self, namespace: str, vector: Sequence[float], k: int) -> dict[str, Any]:
        return {
            "namespace": namespace,
            "vector": self.check_vector(vector),
            "k": k,
            "fetch": k * self.overfetch,
        }

    async def _vector_search(
        self, what: str, namespace: str, vector: Sequence[float], k: int, model: type[T]
    ):
        """The shared approximate index first; when other namespaces crowd this one out of its nearest
        neighbours (fewer than k hits), an exact scan of this namespace's vectors."""
        params = self._vector_params(namespace, vector, k)
        approximate = getattr(self.cypher, f"VECTOR_SEARCH_{what.upper()}")
        hits = await self._read(f"vector_search_{what}", approximate, params, model)
        if len(hits) < k:
            exact = getattr(self.cypher, f"VECTOR_SCAN_{what.upper()}")
            hits = await self._read(f"vector_scan_{what}", exact, params, model)
        return hits

    async def vector_search_chunks(
        self, namespace: str, vector: Sequence[float], k: int = 10, *, transcripts: Sequence[str] = ()
    ) -> list[ScoredChunk]:
        """The namespace's chunks nearest the vector; with `transcripts`, only theirs, by an exact scan
        (a few meetings' chunks: exact and cheap, where the shared index would be mostly others')."""
        if transcripts:
            params = {**self._vector_params(namespace, vector, k), "transcripts": list(transcripts)}
            return await self._read(
                "vector_scan_chunks_in", self.cypher.VECTOR_SCAN_CHUNKS_IN, params, ScoredChunk
            )
        return await self._vector_search("chunks", namespace, vector, k, ScoredChunk)

    async def vector_search_entities(
        self, namespace: str, vector: Sequence[float], k: int = 10
    ) -> list[ScoredEntity]:
        return await self._vector_search("entities", namespace, vector, k, ScoredEntity)

    async def entities_near(
        self,
        namespace: str,
        probes: Sequence[tuple[str, Sequence[float]]],
        *,
        k_vector: int = 5,
        k_text: int = 10,
    ) -> list[tuple[list[ScoredEntity], list[ScoredEntity]]]:
        """For each (name, name vector): the namespace's entities closest in meaning and those whose
        names match in full-text — what `vector_search_entities` and `fulltext_search_entities` give
        for one name, in three statements for any number of names."""
        if not probes:
            return []
        vectors = [{"i": i, "vector": self.check_vector(v)} for i, (_, v) in enumerate(probes)]
        params = {"namespace": namespace, "k": k_vector, "fetch": k_vector * self.overfetch}
        close = await self._probe("vector_probe_entities", self.cypher.VECTOR_PROBE_ENTITIES, vectors, params)
        crowded = [p for p in vectors if len(close[p["i"]]) < k_vector]  # as in _vector_search
        if crowded:
            exact = await self._probe(
                "vector_scan_probe_entities", self.cypher.VECTOR_SCAN_PROBE_ENTITIES, crowded, params
            )
            close.update({p["i"]: exact[p["i"]] for p in crowded})
        queries = [
            {"i": i, "query": q}
            for i, (name, _) in enumerate(probes)
            if (q := self.cypher.fulltext_query(name))
        ]
        named = await self._probe(
            "fulltext_probe_entities", self.cypher.FULLTEXT_PROBE_ENTITIES, queries,
            {"namespace": namespace, "k": k_text},
        )  # fmt: skip
        return [(close[i], named.get(i, [])) for i in range(len(probes))]

    async def _probe(
        self, operation: str, statement: str, probes: list[dict], params: dict[str, Any]
    ) -> dict[int, list[ScoredEntity]]:
        hits: dict[int, list[ScoredEntity]] = {p["i"]: [] for p in probes}
        for batch in batches(probes, self.batch_size):
            rows = await self._run(operation, statement, {**params, "probes": list(batch)}, read_only=True)
            for row in rows.rows:
                hits[row["probe"]].append(ScoredEntity.model_validate(row))
        return hits

    async def fulltext_search_chunks(
        self, namespace: str, text: str, k: int = 10, *, transcripts: Sequence[str] = ()
    ) -> list[ScoredChunk]:
        """The namespace's chunks whose passages (the chunk and its neighbours) best match the words
        of `text` (BM25 in the passage index), best first; with `transcripts`, only theirs."""
        return await self.passages.search(namespace, query_terms(text), k, transcripts)

    async def fulltext_search_entities(self, namespace: str, text: str, k: int = 10) -> list[ScoredEntity]:
        query = self.cypher.fulltext_query(text)
        params = {"namespace": namespace, "query": query, "k": k}
        statement = self.cypher.FULLTEXT_SEARCH_ENTITIES
        return await self._read("fulltext_search_entities", statement, params, ScoredEntity) if query else []

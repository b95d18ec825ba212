"""GraphStore: every graph operation KnowledgeWeaver needs, written once over a dialect module and a
CypherRunner. Code above this never knows which database it talks to.

Every statement goes through `run`, the one place where graph queries are observed (`observed.py`),
and every statement but the admin console is scoped to a namespace passed as a parameter. The index searches
(vector, full-text, batched entity probes) are `store.search` (`index_search.py`), over `read` and `run`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, TypeVar

from pydantic import BaseModel

from backend.domain import Chunk, Entity, Mention, Relation, Transcript
from backend.errors import InvalidInput

from .index_search import IndexSearch
from .observed import run_observed
from .passage_index import GraphPassages, PassageIndex
from .results import (
    DeleteResult,
    Edge,
    EntitySummary,
    GraphStats,
    MentioningChunk,
    ScoredChunk,
    Subgraph,
    TranscriptCard,
    TranscriptInfo,
)
from .rows import (
    batches,
    check_dimensions,
    chunk_rows,
    entity_rows,
    mention_rows,
    next_links,
    relation_rows,
    speaker_rows,
    transcript_rows,
    unique,
)
from .runner import CypherRunner, Rows

T = TypeVar("T", bound=BaseModel)


class GraphStore:
    def __init__(
        self,
        runner: CypherRunner,
        dialect: ModuleType,
        *,
        embedding_dim: int = 384,
        batch_size: int = 500,
        timeout_ms: int = 10_000,
        row_limit: int = 1_000,
        overfetch: int = 4,
        passage_index: Callable[..., PassageIndex] = GraphPassages,
    ) -> None:
        self.runner = runner
        self.cypher = dialect
        self.embedding_dim = embedding_dim
        self.batch_size = batch_size
        self.timeout_ms = timeout_ms
        self.row_limit = row_limit
        self.overfetch = overfetch
        # where passages are indexed for lexical search: (run, read, dialect) -> PassageIndex
        self.passages = passage_index(self.run, self.read, dialect)
        self.search = IndexSearch(
            self.read,
            self.run,
            dialect,
            self.passages,
            embedding_dim=embedding_dim,
            overfetch=overfetch,
            batch_size=batch_size,
        )

    @property
    def system(self) -> str:
        return self.runner.system

    async def run(self, operation: str, query: str, params: dict[str, Any] | None = None, **kw: Any) -> Rows:
        """Every statement passes here: the one place graph queries are observed (`observed.py`)."""
        return await run_observed(self.runner, operation, query, params, **kw)

    # --- lifecycle ---------------------------------------------------------------------------
    async def setup_schema(self) -> None:
        """Idempotent: indexes, constraints, vector and full-text indexes; then what a graph written
        before passages and speakers were kept lacks of them."""
        await self.runner.apply_schema(
            self.cypher.schema_statements(self.embedding_dim), self.cypher.UNIQUE_KEYS
        )
        while ids := await self.passages.pending(self.batch_size):
            await self._index_passages(ids)
        params = {"limit": self.batch_size}
        while (await self.run("speakers", self.cypher.TRANSCRIPTS_WITHOUT_SPEAKERS, params)).first("n", 0):
            pass

    async def vector_models(self, passages: str, names: str) -> tuple[str, str] | None:
        """The (passage, name) models whose vectors the graph holds, recording these if it holds
        none yet; None for a graph with vectors from before the record was kept."""
        rows = (await self.run("get_embedders", self.cypher.GET_EMBEDDERS, {}, read_only=True)).rows
        if rows:
            return rows[0]["passages"], rows[0]["names"]
        if (await self.run("count_all_chunks", self.cypher.COUNT_ALL_CHUNKS, {}, read_only=True)).rows[0][
            "n"
        ]:
            return None
        await self.run("set_embedders", self.cypher.SET_EMBEDDERS, {"passages": passages, "names": names})
        return passages, names

    async def ping(self) -> bool:
        rows = await self.run("ping", self.cypher.PING, read_only=True, timeout_ms=2_000)
        return rows.first("ok") == 1

    async def close(self) -> None:
        await self.passages.close()
        await self.runner.close()

    # --- writes (batched UNWIND … MERGE, one transaction per batch) ---------------------------
    async def _write_batches(self, operation: str, statement: str, rows: Sequence[dict]) -> int:
        for batch in batches(rows, self.batch_size):
            await self.run(operation, statement, {"rows": list(batch)})
        return len(rows)

    async def upsert_transcripts(self, transcripts: Sequence[Transcript]) -> int:
        return await self._write_batches(
            "upsert_transcripts", self.cypher.UPSERT_TRANSCRIPTS, transcript_rows(transcripts)
        )

    async def upsert_chunks(self, chunks: Sequence[Chunk]) -> int:
        written = await self._write_batches(
            "upsert_chunks", self.cypher.UPSERT_CHUNKS, chunk_rows(chunks, self.embedding_dim)
        )
        await self._write_batches("link_next_chunks", self.cypher.LINK_NEXT_CHUNKS, next_links(chunks))
        await self._index_passages([c.id for c in chunks])
        await self._write_batches("add_speakers", self.cypher.ADD_TRANSCRIPT_SPEAKERS, speaker_rows(chunks))
        if chunks:
            await self._bump_chunk_version([c.namespace for c in chunks])
        return written

    async def _index_passages(self, chunk_ids: Sequence[str]) -> None:
        """The passages of these chunks and of their neighbours (whose passages take in their text),
        into the passage index."""
        for batch in batches(list(chunk_ids), self.batch_size):
            rows = await self.run("passage_rows", self.cypher.PASSAGE_ROWS, {"ids": list(batch)})
            await self.passages.write([passage_row(row) for row in rows.rows])

    async def set_chunk_embeddings(self, chunks: Sequence[Chunk]) -> int:
        """The chunks' vectors alone, for chunks already written (their other properties untouched)."""
        rows = [{"id": c.id, "embedding": c.embedding} for c in chunks if c.embedding is not None]
        for row in rows:
            check_dimensions("chunk", row["id"], row["embedding"], self.embedding_dim)
        return await self._write_batches("set_chunk_embeddings", self.cypher.SET_CHUNK_EMBEDDINGS, rows)

    async def upsert_entities(self, entities: Sequence[Entity]) -> int:
        batch = entity_rows(entities, self.embedding_dim)
        return await self._write_batches("upsert_entities", self.cypher.UPSERT_ENTITIES, batch)

    async def upsert_mentions(self, mentions: Sequence[Mention]) -> int:
        rows = mention_rows(mentions)
        written = await self._write_batches("upsert_mentions", self.cypher.UPSERT_MENTIONS, rows)
        await self._refresh_mention_counts(unique(m.entity_id for m in mentions))
        return written

    async def _refresh_mention_counts(self, entity_ids: list[str]) -> None:
        # Counts are derived from the MENTIONED_IN edges, never incremented: re-ingesting cannot inflate them.
        for start in range(0, len(entity_ids), self.batch_size):
            ids = entity_ids[start : start + self.batch_size]
            await self.run("refresh_mention_counts", self.cypher.REFRESH_MENTION_COUNTS, {"ids": ids})

    async def upsert_relations(self, relations: Sequence[Relation]) -> int:
        return await self._write_batches(
            "upsert_relations", self.cypher.UPSERT_RELATIONS, relation_rows(relations)
        )

    # --- reads --------------------------------------------------------------------------------
    async def read(self, operation: str, statement: str, params: dict[str, Any], model: type[T]) -> list[T]:
        """`run` a read and validate each row as `model`."""
        rows = await self.run(operation, statement, params, read_only=True)
        return [model.model_validate(r) for r in rows.rows]

    async def get_entities(self, namespace: str, ids: Sequence[str]) -> list[EntitySummary]:
        params = {"namespace": namespace, "ids": list(ids)}
        return await self.read("get_entities", self.cypher.GET_ENTITIES, params, EntitySummary)

    async def _value(self, operation: str, statement: str, namespace: str, column: str) -> int:
        """One number a read gives for the namespace (0 when it gives no row)."""
        rows = await self.run(operation, statement, {"namespace": namespace}, read_only=True)
        return rows.first(column, 0)

    async def entity_count(self, namespace: str) -> int:
        return await self._value("entity_count", self.cypher.COUNT_ENTITIES, namespace, "n")

    async def chunk_version(self, namespace: str) -> int:
        """Moves whenever the namespace's chunks do (0: never written since versions were kept)."""
        return await self._value("chunk_version", self.cypher.CHUNK_VERSION, namespace, "version")

    async def _bump_chunk_version(self, namespaces: Sequence[str]) -> None:
        params = {"namespaces": sorted(set(namespaces))}
        await self.run("bump_chunk_version", self.cypher.BUMP_CHUNK_VERSION, params)

    async def namespace_transcripts(self, namespace: str) -> list[TranscriptCard]:
        """Each transcript of the namespace with its title and speakers (no text)."""
        params = {"namespace": namespace}
        return await self.read(
            "namespace_transcripts", self.cypher.NAMESPACE_TRANSCRIPTS, params, TranscriptCard
        )

    async def chunks_around(self, namespace: str, chunk_ids: Sequence[str]) -> list[ScoredChunk]:
        """These chunks and those within `cypher.AROUND` places of each in its transcript (what
        citations widen into), in no order."""
        params = {"namespace": namespace, "ids": list(chunk_ids)}
        return await self.read("chunks_around", self.cypher.CHUNKS_AROUND, params, ScoredChunk)

    async def chunks_mentioning(
        self, namespace: str, entity_ids: Sequence[str], vector: Sequence[float], k: int = 10
    ) -> list[ScoredChunk]:
        """Chunks that mention these entities: most of them first, then the nearest to `vector` (the
        question, embedded as passages are)."""
        vector = self.search.check_vector(vector)
        params = {"namespace": namespace, "ids": list(entity_ids), "vector": vector, "k": k}
        return await self.read("chunks_mentioning", self.cypher.CHUNKS_MENTIONING, params, ScoredChunk)

    async def list_entities(
        self, namespace: str, *, entity_type: str | None = None, skip: int = 0, limit: int = 50
    ) -> list[EntitySummary]:
        params = {"namespace": namespace, "type": entity_type, "skip": skip, "limit": limit}
        return await self.read("list_entities", self.cypher.LIST_ENTITIES, params, EntitySummary)

    async def entity_mentions(self, namespace: str, entity_id: str, limit: int = 50) -> list[MentioningChunk]:
        params = {"namespace": namespace, "id": entity_id, "limit": limit}
        return await self.read("entity_mentions", self.cypher.ENTITY_MENTIONS, params, MentioningChunk)

    async def known_names(self, namespace: str, types: Sequence[str], limit: int) -> list[EntitySummary]:
        """The namespace's entities of these types, most-mentioned first: the names a recording's
        transcription is biased towards and checked against."""
        params = {"namespace": namespace, "types": list(types), "limit": limit}
        return await self.read("known_names", self.cypher.KNOWN_NAMES, params, EntitySummary)

    async def subgraph(self, namespace: str, edges: Sequence[Edge], seeds: Sequence[str] = ()) -> Subgraph:
        """The edges with the entities at their ends (and the seeds)."""
        ids = unique([*seeds, *(e.source for e in edges), *(e.target for e in edges)])
        nodes = await self.get_entities(namespace, ids) if ids else []
        return Subgraph(nodes=nodes, edges=list(edges))

    async def neighbourhood_edges(
        self, namespace: str, entity_ids: Sequence[str], hops: int = 1, path_limit: int = 500
    ) -> tuple[list[Edge], dict[str, int]]:
        """The edges within `hops` of the entities, and how many chunks mention each entity at their
        ends: enough to choose where to go next before the entities themselves are read."""
        if hops not in self.cypher.HOPS:
            raise InvalidInput(f"hops must be between {min(self.cypher.HOPS)} and {max(self.cypher.HOPS)}")
        params = {"namespace": namespace, "ids": list(entity_ids), "path_limit": path_limit}
        rows = await self.run("neighbourhood", self.cypher.neighbourhood(hops), params, read_only=True)
        mentions: dict[str, int] = {}
        for row in rows.rows:
            mentions[row["source"]] = row["source_mentions"] or 0
            mentions[row["target"]] = row["target_mentions"] or 0
        return [Edge.model_validate(r) for r in rows.rows], mentions

    async def neighbourhood(
        self, namespace: str, entity_ids: Sequence[str], hops: int = 1, path_limit: int = 500
    ) -> Subgraph:
        edges, _ = await self.neighbourhood_edges(namespace, entity_ids, hops, path_limit)
        return await self.subgraph(namespace, edges, seeds=entity_ids)

    async def shortest_path(self, namespace: str, from_id: str, to_id: str) -> Subgraph:
        params = {
            "namespace": namespace,
            "from_id": from_id,
            "to_id": to_id,
            "max_hops": self.cypher.MAX_PATH_HOPS,
        }
        rows = await self.run("shortest_path", self.cypher.SHORTEST_PATH, params, read_only=True)
        if not rows.rows:
            return Subgraph()
        return await self.subgraph(namespace, [Edge.model_validate(r) for r in rows.rows])

    async def get_transcript(self, namespace: str, transcript_id: str) -> TranscriptInfo | None:
        params = {"namespace": namespace, "transcript_id": transcript_id}
        rows = await self.run("get_transcript", self.cypher.GET_TRANSCRIPT, params, read_only=True)
        return TranscriptInfo.model_validate(rows.rows[0]) if rows.rows else None

    async def list_transcripts(
        self, namespace: str, *, skip: int = 0, limit: int = 100
    ) -> list[TranscriptInfo]:
        params = {"namespace": namespace, "skip": skip, "limit": limit}
        return await self.read("list_transcripts", self.cypher.LIST_TRANSCRIPTS, params, TranscriptInfo)

    async def transcripts_per_namespace(self) -> dict[str, int]:
        """Every namespace that holds transcripts, with how many, most first. Not scoped: callers check
        that the asker may see every namespace."""
        rows = await self.run(
            "transcripts_per_namespace", self.cypher.TRANSCRIPTS_PER_NAMESPACE, {}, read_only=True
        )
        return {r["namespace"]: r["n"] for r in rows.rows if r["namespace"]}

    async def stats(self, namespace: str) -> GraphStats:
        params = {"namespace": namespace}
        by_type = await self.run("stats", self.cypher.ENTITIES_BY_TYPE, params, read_only=True)
        entities_by_type = {r["type"]: r["n"] for r in by_type.rows}
        return GraphStats(
            transcripts=await self._value("stats", self.cypher.COUNT_TRANSCRIPTS, namespace, "n"),
            chunks=await self._value("stats", self.cypher.COUNT_CHUNKS, namespace, "n"),
            entities=sum(entities_by_type.values()),
            relations=await self._value("stats", self.cypher.COUNT_RELATIONS, namespace, "n"),
            entities_by_type=entities_by_type,
        )

    # --- delete -------------------------------------------------------------------------------
    async def delete_transcript(self, namespace: str, transcript_id: str) -> DeleteResult:
        """Remove a transcript, its chunks, the evidence they gave, and entities left unmentioned.

        Steps are ordered so that a crash part-way leaves a state that running the delete again
        completes: evidence is pruned before the chunks it names disappear, and the transcript node,
        which is how the delete is found again, goes last.
        """
        scope = {"namespace": namespace, "transcript_id": transcript_id}
        chunk_rows = await self.run("delete_transcript", self.cypher.TRANSCRIPT_CHUNK_IDS, scope)
        chunk_ids = [r["id"] for r in chunk_rows.rows]
        touched = await self.run(
            "delete_transcript", self.cypher.ENTITIES_MENTIONED_IN, {"chunk_ids": chunk_ids}
        )
        scoped_chunks = {"namespace": namespace, "chunk_ids": chunk_ids}
        await self.run("delete_transcript", self.cypher.PRUNE_RELATION_EVIDENCE, scoped_chunks)
        await self.run("delete_transcript", self.cypher.DELETE_CHUNKS, scoped_chunks)
        await self.passages.forget(chunk_ids)
        await self._bump_chunk_version([namespace])
        orphans = await self.run(
            "delete_transcript", self.cypher.DELETE_ORPHAN_ENTITIES, {"namespace": namespace}
        )
        await self._refresh_mention_counts([r["id"] for r in touched.rows])
        deleted = await self.run("delete_transcript", self.cypher.DELETE_TRANSCRIPT, scope)
        return DeleteResult(
            transcript_deleted=bool(deleted.first("deleted", 0)),
            chunks_deleted=len(chunk_ids),
            entities_deleted=orphans.first("deleted", 0),
        )


def passage_row(row: dict) -> dict:
    """A row of `PASSAGE_ROWS` as the passage index takes it: the chunk's text with its neighbours'."""
    texts = [row["before"], row["text"], row["after"]]
    return {
        "id": row["id"],
        "namespace": row["namespace"],
        "transcript_id": row["transcript_id"],
        "passage": "\n".join(t for t in texts if t is not None),
    }

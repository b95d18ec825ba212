"""Retrieval as the API and CLI use it: embed the question once, run the mode's retrievers side by
side, fuse their rankings (RRF), merge adjacent chunks into citations."""

from __future__ import annotations

import asyncio
import time

from backend.embed.port import Embedder
from backend.errors import NotFound
from backend.graph import GraphStore
from backend.graph.results import ScoredChunk
from backend.observability.tracing import capture_content, span, trace_id_hex

from . import identity, search
from .catalogue import Catalogue, CatalogueCache
from .evidence import Evidence, Mode, Question
from .fuse import rrf, to_citations
from .rerank import CrossEncoderReranker
from .roles import RoleReader
from .window import read_window

# Weights of the vector, full-text (BM25), graph and named-speaker rankings in the fusion, chosen on
# the tuning half of the QMSum validation meetings, all in one namespace (`weaver eval turns --half
# tune`; README, docs/architecture.md).
FUSION_WEIGHTS = (1.0, 3.0, 0.6, 0.5)


class Retriever:
    def __init__(
        self,
        store: GraphStore,
        embedder: Embedder,
        name_embedder: Embedder | None = None,
        weights: tuple[float, ...] = FUSION_WEIGHTS,
        *,
        reranker: CrossEncoderReranker | None = None,
        rerank_top: int = 0,
    ) -> None:
        self.store = store
        self.embedder = embedder  # passages: the question searches chunks with it
        self.name_embedder = name_embedder or embedder  # entities: the question links to names with it
        self.weights = weights
        self.reranker = reranker if rerank_top else None
        self.rerank_top = rerank_top
        self.catalogues = CatalogueCache(store)
        self.roles = RoleReader()

    async def require_transcripts(self, namespace: str, transcripts: list[str] | None) -> None:
        """NotFound unless the namespace holds every one of these transcripts: checked before a
        streamed answer starts, when an error could no longer be a status."""
        if transcripts:
            _require(await self.catalogues.get(namespace), namespace, frozenset(transcripts))

    async def retrieve(self, namespace: str, question: Question) -> Evidence:
        timings: dict[str, float] = {}

        async def timed(name: str, work):
            started = time.perf_counter()
            with span(f"retrieve.{name}", kind="RETRIEVER") as current:
                try:
                    result = await work
                finally:
                    timings[name] = round((time.perf_counter() - started) * 1000, 2)
                _describe(current, result)
                return result

        async def embedded(text: str) -> tuple[list[float], list[float]]:
            """The question as passage search sees it, and as entity linking does (the same vector
            when one model embeds both)."""
            # Timed but not a span of its own: the embedders' EMBEDDING spans are the step.
            started = time.perf_counter()
            [vector] = await self.embedder.embed([self.embedder.query_prefix + text])
            if self.name_embedder is self.embedder and not self.embedder.query_prefix:
                names = vector
            else:
                [names] = await self.name_embedder.embed([text])
            timings["embed"] = round((time.perf_counter() - started) * 1000, 2)
            return vector, names

        mode = question.mode
        within = frozenset(question.transcripts or ())
        # Work that needs no vector starts at once; the rest starts when the question is embedded.
        embedding = asyncio.create_task(embedded(question.question))
        catalogue = await timed("catalogue", self.catalogues.get(namespace))
        try:
            _require(catalogue, namespace, within)
        except NotFound:
            embedding.cancel()
            raise
        # A question that names transcripts by title is asked within them, and searched without the
        # titles (no transcript says "ES2006c"); `transcripts`, when given, decide instead.
        named = catalogue.titles.named(question.question) if not within else None
        within = within or (named.transcripts if named else frozenset())
        searched = named.rest if named and named.transcripts else question.question
        text_only = search.Ask(
            namespace=namespace, text=searched, vector=[], pool=max(5 * question.k, 50), within=within
        )
        # needs only the words: asked now, awaited last
        unknown = asyncio.create_task(search.unknown_names(self.store, text_only))
        unknown.add_done_callback(_retrieved)  # a step that fails first leaves it unawaited
        jobs = {}
        if mode in (Mode.HYBRID, Mode.FULLTEXT):
            jobs["fulltext"] = asyncio.create_task(
                timed("fulltext", search.by_fulltext(self.store, text_only))
            )
        vector, name_vector = await embedding
        ask = search.Ask(
            namespace=namespace, text=searched, vector=vector, pool=text_only.pool, within=within
        )
        if mode in (Mode.HYBRID, Mode.VECTOR):
            jobs["vector"] = asyncio.create_task(timed("vector", search.by_vector(self.store, ask)))
        about = search.Ask(
            namespace=namespace, text=searched, vector=name_vector, pool=ask.pool, within=within
        )
        seeds = await timed("link", search.link(self.store, about))
        if mode in (Mode.HYBRID, Mode.GRAPH):
            hubs = search.hub_limit(catalogue.chunks)
            graph = search.by_graph(self.store, ask, seeds, hubs)  # the passages' vector
            jobs["graph"] = asyncio.create_task(timed("graph", graph))
        done = dict(zip(jobs, await asyncio.gather(*jobs.values()), strict=True))
        graph_chunks, subgraph = done.get("graph", ([], None))
        rankings = [done.get("vector", []), done.get("fulltext", []), graph_chunks]
        speaking = search.by_speaker(catalogue, text_only, rankings[:2]) if mode is Mode.HYBRID else []
        rankings.append(speaking)
        subject = identity.asked_about(searched) if mode is Mode.HYBRID else None
        # "who is X?": the passages that say what X is, first (the fused ranking rarely has them)
        described = (
            await timed("identity", self._described(catalogue, ask, subject, seeds)) if subject else []
        )
        started = time.perf_counter()
        cited = max(question.k, self.rerank_top) if self.reranker else question.k
        fused = rrf(rankings, self.weights)
        if described:
            top = fused[0].score if fused else 1.0
            fused = [c.model_copy(update={"score": top}) for c in described] + fused
        window = await read_window(self.store, namespace, fused, 3 * cited)
        citations = to_citations(fused, cited, window.around, window.beside)
        timings["fuse"] = round((time.perf_counter() - started) * 1000, 2)
        if self.reranker and len(citations) > 1:
            reranked = await timed("rerank", self.reranker.rerank(question.question, citations))
            citations = reranked[: question.k]
        if subgraph is None:
            subgraph = (
                await self.store.neighbourhood(namespace, [e.id for e in seeds], hops=1) if seeds else None
            )
        return Evidence(
            trace_id=trace_id_hex(),
            citations=citations,
            entities=subgraph.nodes if subgraph else [],
            relations=subgraph.edges if subgraph else [],
            unknown_terms=await unknown,
            within=sorted(within) if named and named.transcripts else [],
            timings_ms=timings,
        )

    async def _described(
        self, catalogue: Catalogue, ask: search.Ask, subject: str, seeds: list
    ) -> list[ScoredChunk]:
        """The chunks with the sentences that best say what the subject is: most roles first, then in
        the namespace's order (where a meeting introduces its people)."""
        forms = identity.name_forms(subject, seeds, catalogue.speakers_named(subject))
        naming = await self.store.search.fulltext_search_chunks(
            ask.namespace, " ".join(forms), k=identity.NAMING_CHUNKS, transcripts=sorted(ask.within)
        )
        in_order = sorted(naming, key=lambda c: (c.transcript_id, c.index))
        found = identity.describing_chunks(in_order, forms, ask.within)
        pairs = [(chunk, pair) for chunk, chunk_pairs in found for pair in chunk_pairs]
        described = await self.roles.describe([pair for _, pair in pairs], forms)
        by_sentence = {(d.speaker, d.sentence): len(d.roles) for d in described}
        scored = {}
        for position, (chunk, pair) in enumerate(pairs):
            if pair in by_sentence:
                best = scored.get(chunk.id, (0, 0, chunk))
                scored[chunk.id] = (best[0] + by_sentence[pair], min(best[1], -position), chunk)
        ranked = sorted(scored.values(), key=lambda s: (-s[0], -s[1]))
        return [chunk for _, _, chunk in ranked[: identity.DESCRIBING_CITATIONS]]


def _require(catalogue: Catalogue, namespace: str, within: frozenset[str]) -> None:
    if missing := sorted(within - catalogue.ids()):
        listed = "GET /v1/transcripts lists them"
        raise NotFound(f"no transcript {', '.join(missing)} in namespace {namespace!r} ({listed})")


def _retrieved(task: asyncio.Task) -> None:
    """Marks a side task's error as seen: the step that failed first is the one reported."""
    if not task.cancelled():
        task.exception()


def _describe(current, result) -> None:
    """OpenInference retrieval attributes: the documents a retriever returned, with their scores."""
    chunks = result[0] if isinstance(result, tuple) else result
    if not isinstance(chunks, list):
        return
    current.set_attribute("retrieval.count", len(chunks))
    for i, item in enumerate(chunks[:5]):  # the top few: a span is not a copy of the results
        if isinstance(item, ScoredChunk):
            current.set_attribute(f"retrieval.documents.{i}.document.id", item.id)
            current.set_attribute(f"retrieval.documents.{i}.document.score", float(item.score))
            if capture_content():
                current.set_attribute(f"retrieval.documents.{i}.document.content", item.text)

"""The ingest pipeline: transcript → chunks → extraction → resolution → embeddings → graph.

`prepare` (prepare.py) parses and validates synchronously (so the API can answer 422 before queuing
anything) and fixes the transcript id and title; `run` does the work and reports real progress —
counts of chunks extracted, texts embedded, rows written — through `report(stage, done, total)`.
Everything it writes is a MERGE on a deterministic id, so running it again (a retry, a resumed job,
the same upload twice) changes nothing that is already there. This module is the order of the stages
and the graph write; the extraction and resolution stages are in stages.py, the request and result
shapes in request.py.
"""

from __future__ import annotations

import asyncio
import time

from backend.domain import Chunk, Transcript, Usage
from backend.errors import ExtractionFailed
from backend.graph import GraphStore
from backend.observability import metrics
from backend.observability.tracing import span

from .chunking import chunk_segments
from .heard_names import HeardNames
from .known_names import NameBook
from .lookahead import EmbedMemo, EmbedProgress, ExistingLookups
from .prepare import prepare, recording_transcript_id
from .request import IngestRequest, IngestResult, Report, Services
from .resolve import Resolved
from .stages import chunk_text, extract, resolve_entities

# Where the request, its result and the services live now; the names stay importable from here.
__all__ = [
    "STAGES",
    "IngestRequest",
    "IngestResult",
    "Report",
    "Services",
    "chunk_text",
    "prepare",
    "recording_transcript_id",
    "run",
]

# Share of the whole job each stage stands for, for the 0..1 progress figure.
STAGES: dict[str, float] = {
    "parse": 0.02,
    "chunk": 0.02,
    "extract": 0.56,
    "resolve": 0.05,
    "embed": 0.20,
    "write": 0.15,
}


async def run(
    transcript: Transcript, services: Services, report: Report, *, book: NameBook | None = None
) -> IngestResult:
    """`book`: for a transcribed recording, the names its namespace knows, to link near misses to."""
    settings, store = services.settings, services.store
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round((now - clock) * 1000, 1)
        clock = now

    await report("parse", 1, 1)
    chunks = chunk_segments(
        transcript.namespace,
        transcript.id,
        transcript.segments,
        max_tokens=settings.chunk_max_tokens,
        overlap_tokens=min(settings.chunk_overlap_tokens, settings.chunk_max_tokens // 2 - 1),
    )
    await report("chunk", 1, 1)
    lap("chunk")

    embed = EmbedMemo(services.names)
    embed_chunks = embed if services.names is services.embedder else EmbedMemo(services.embedder)
    progress = EmbedProgress(report, len(chunks))
    lookups = ExistingLookups(store, embed)
    await lookups.begin(transcript.namespace)
    lookups.warm(transcript.namespace, sorted({s for c in chunks for s in c.speakers}))
    # Chunk embeddings do not depend on extraction, so they are computed alongside it (both are CPU
    # work here; on 2 cores the overlap saves ~5 %, more where extraction waits on a remote LLM). A
    # chunk embeds its whole text, the turns it repeats from the chunk before included: embedding
    # only what it adds cost recall (docs/architecture.md, Ingest).
    chunk_vectors = asyncio.create_task(embed_chunks.all([c.text for c in chunks], progress))

    try:
        texts = [chunk_text(c) for c in chunks]
        heard = await asyncio.to_thread(HeardNames.check, book, texts) if book else None
        if heard:
            texts = [heard.for_extraction(t) for t in texts]
        extractions = await extract(transcript, texts, services.extractor, lookups, report)
        lap("extract")
        _require_some_extraction(extractions)
        resolved, linked = await resolve_entities(
            transcript, chunks, extractions, heard, embed, lookups, settings, report
        )
        lap("resolve")
        # the names join `embed`'s count before `resolve` ends, so followers see `embed` next, once
        await progress.expect(len(resolved.entities))
        await report("resolve", 1, 1)
        with span("ingest.embed", kind="CHAIN", texts=len(resolved.entities)):
            names = await embed.all([e.name for e in resolved.entities], progress)
        for entity, vector in zip(resolved.entities, names, strict=True):
            entity.embedding = vector
        lap("embed")
        waited_ms = await _write(store, transcript, chunks, resolved, chunk_vectors, report)
        lap("write")
        # The chunk embeddings run beside extraction; where they outlast it, the write waits for them:
        # that wait is embedding time on the job's path (a slow embedding model pages as `embed`).
        timings["write"] = round(timings["write"] - waited_ms, 1)
        timings["embed"] = round(timings["embed"] + waited_ms, 1)
        for stage, ms in timings.items():
            await metrics.emit({"Stage": stage}, StageLatencyMs=ms)
    finally:
        chunk_vectors.cancel()  # nothing to cancel when the job got this far
        await lookups.close()

    index_of = {c.id: c.index for c in chunks}
    usage = Usage()
    for ex in extractions:
        usage.add(ex.usage)
    return IngestResult(
        transcript_id=transcript.id,
        chunks=len(chunks),
        entities=len(resolved.entities),
        relations=len(resolved.relations),
        mentions=len(resolved.mentions),
        entities_merged=resolved.merged,
        names_linked=linked,
        failed_chunks=sorted(
            ({"chunk_index": index_of[ex.chunk_id], "error": ex.error} for ex in extractions if ex.error),
            key=lambda f: f["chunk_index"],
        ),
        extractor=f"{services.extractor.provider}:{services.extractor.name}",
        usage=usage,
        stage_ms=timings,
    )


def _require_some_extraction(extractions: list) -> None:
    """A job none of whose chunks could be extracted (the model down, refusing every call) fails before
    it writes anything, so it can be retried; with some chunks extracted it succeeds, and its result
    lists the failed ones."""
    if extractions and all(ex.error for ex in extractions):
        raise ExtractionFailed(
            f"extraction failed for all {len(extractions)} chunks ({extractions[0].error}); nothing was "
            "written: retry the job (POST /v1/jobs/{id}/retry) when the model answers again",
            details={"chunks": len(extractions)},
        )


async def _write(
    store: GraphStore,
    transcript: Transcript,
    chunks: list[Chunk],
    resolved: Resolved,
    chunk_vectors: asyncio.Task,
    report: Report,
) -> float:
    """The graph first, the chunks' vectors last: the job's names, full-text and edges are queryable
    while its chunk embeddings (offline, the slowest CPU work of a job) are still being computed.
    Returns the milliseconds spent waiting for those vectors."""
    steps = [
        (store.upsert_transcripts, [transcript]),
        (store.upsert_chunks, chunks),
        (store.upsert_entities, resolved.entities),
        (store.upsert_mentions, resolved.mentions),
        (store.upsert_relations, resolved.relations),
    ]
    total_rows = sum(len(rows) for _, rows in steps) + len(chunks)
    written = 0
    await report("write", 0, total_rows)
    with span("ingest.write", kind="CHAIN", rows=total_rows):
        for upsert, rows in steps:
            written += await upsert(rows)
            await report("write", written, total_rows)
        waiting = time.perf_counter()
        vectors = await chunk_vectors
        waited_ms = (time.perf_counter() - waiting) * 1000
        for chunk, vector in zip(chunks, vectors, strict=True):
            chunk.embedding = vector
        written += await store.set_chunk_embeddings(chunks)
        await report("write", written, total_rows)
    return waited_ms

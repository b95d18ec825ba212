"""The ingest pipeline: transcript → chunks → extraction → resolution → embeddings → graph.

`prepare` parses and validates synchronously (so the API can answer 422 before queuing anything) and
fixes the transcript id; `run` does the work and reports real progress — counts of chunks extracted,
texts embedded, rows written — through `report(stage, done, total)`. Everything it writes is a MERGE
on a deterministic id, so running it again (a retry, a resumed job, the same upload twice) changes
nothing that is already there.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from backend.config import Settings
from backend.domain import Chunk, Transcript, Usage, content_hash
from backend.embed.port import Embedder
from backend.errors import InvalidInput
from backend.graph import GraphStore
from backend.llm.port import ChunkExtraction, ChunkText, Extractor
from backend.observability import metrics
from backend.observability.tracing import span
from backend.speech.port import StoredAudio, Transcriber

from . import formats
from .chunking import chunk_segments
from .heard_names import HeardNames
from .known_names import NameBook
from .lookahead import EmbedMemo, EmbedProgress, ExistingLookups
from .resolve import Resolved, resolve

# Share of the whole job each stage stands for, for the 0..1 progress figure.
STAGES: dict[str, float] = {
    "parse": 0.02,
    "chunk": 0.02,
    "extract": 0.56,
    "resolve": 0.05,
    "embed": 0.20,
    "write": 0.15,
}
Report = Callable[[str, float, float], Awaitable[None]]  # stage, done, total (counts or seconds)


class IngestRequest(BaseModel):
    namespace: str
    title: str | None = None
    source: str = "api"
    format: str = "auto"
    content: str | dict | list | None = None  # None for a recording until it is transcribed
    audio: StoredAudio | None = None
    speaker: str | None = None  # who speaks in a recording without speaker labels
    hints: list[str] = Field(default_factory=list)  # names a recording is likely to hold
    recorded_at: datetime | None = None
    language: str | None = None
    traceparent: str | None = None  # the submitting request's trace, continued by the job


class IngestResult(BaseModel):
    transcript_id: str
    chunks: int
    entities: int
    relations: int
    mentions: int
    entities_merged: int
    failed_chunks: list[dict] = Field(default_factory=list)
    names_linked: list[dict] = Field(
        default_factory=list,
        description="Names a recording's transcription got nearly right, linked to the entity they name: "
        "{heard, name, entity_id}; the chunk keeps the heard form.",
    )
    extractor: str
    usage: Usage = Field(default_factory=Usage)
    stage_ms: dict[str, float] = Field(default_factory=dict)


@dataclass
class Services:
    settings: Settings
    store: GraphStore
    embedder: Embedder  # chunks
    extractor: Extractor
    transcriber: Transcriber | None = None  # recordings only
    name_embedder: Embedder | None = None  # entity names; None: the chunk embedder

    @property
    def names(self) -> Embedder:
        return self.name_embedder or self.embedder


def recording_transcript_id(namespace: str, audio: StoredAudio) -> str:
    """A recording's transcript is named by the audio's hash: known before transcribing, so the same
    recording uploaded twice finds its first job."""
    return Transcript.id_for(namespace, f"audio:{audio.sha256}")


def prepare(request: IngestRequest, settings: Settings) -> Transcript:
    """Parse and validate; raises TranscriptFormatError / InvalidInput with what to fix."""
    if request.content is None:
        raise InvalidInput("nothing to ingest: the request has no transcript content")
    size = len(request.content) if isinstance(request.content, str) else len(json.dumps(request.content))
    if size > settings.max_transcript_chars:
        raise InvalidInput(
            f"the transcript has {size:,} characters; the limit is {settings.max_transcript_chars:,}"
        )
    parsed = formats.parse(request.content, request.format)
    # The id hashes what was said, by whom, when — not the file's bytes — so the same meeting
    # uploaded twice (even re-exported) is the same transcript.
    canonical = json.dumps([s.model_dump(exclude={"index"}) for s in parsed.segments], sort_keys=True)
    digest = content_hash(canonical)
    transcript_id = (
        recording_transcript_id(request.namespace, request.audio)
        if request.audio
        else Transcript.id_for(request.namespace, digest)
    )
    return Transcript(
        id=transcript_id,
        namespace=request.namespace,
        title=request.title or parsed.title or _default_title(request, parsed),
        source=request.source,
        language=request.language or parsed.language,
        recorded_at=request.recorded_at,
        duration_s=parsed.duration_s or _duration(parsed),
        content_hash=digest,
        segments=parsed.segments,
    )


def _default_title(request: IngestRequest, parsed: formats.Parsed) -> str:
    for prefix in ("file:", "recording:"):
        if request.source.startswith(prefix):
            return request.source.removeprefix(prefix).rsplit(".", 1)[0]
    first = parsed.segments[0].text
    return (first[:60] + "…") if len(first) > 60 else first


def _duration(parsed: formats.Parsed) -> float | None:
    ends = [s.end_s for s in parsed.segments if s.end_s is not None]
    return max(ends) if ends else None


def chunk_text(chunk: Chunk) -> ChunkText:
    lines = []
    for line in chunk.text.split("\n"):
        speaker = next((s for s in chunk.speakers if line.startswith(f"{s}: ")), None)
        lines.append((speaker, line[len(speaker) + 2 :] if speaker else line))
    return ChunkText(id=chunk.id, index=chunk.index, text=chunk.text, speakers=chunk.speakers, lines=lines)


async def run(
    transcript: Transcript, services: Services, report: Report, *, book: NameBook | None = None
) -> IngestResult:
    """`book`: for a transcribed recording, the names its namespace knows, to link near misses to."""
    settings, store = services.settings, services.store
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    async def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round((now - clock) * 1000, 1)
        clock = now
        await metrics.emit({"Stage": stage}, StageLatencyMs=timings[stage])

    await report("parse", 1, 1)
    chunks = chunk_segments(
        transcript.namespace,
        transcript.id,
        transcript.segments,
        max_tokens=settings.chunk_max_tokens,
        overlap_tokens=min(settings.chunk_overlap_tokens, settings.chunk_max_tokens // 2 - 1),
    )
    await report("chunk", 1, 1)
    await lap("chunk")

    embed = EmbedMemo(services.names)
    embed_chunks = embed if services.names is services.embedder else EmbedMemo(services.embedder)
    progress = EmbedProgress(report, len(chunks))
    lookups = ExistingLookups(store, embed)
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
        extractions = await _extract(transcript, texts, services.extractor, lookups, report)
        await lap("extract")
        resolved, linked = await _resolve(
            transcript, chunks, extractions, heard, embed, lookups, settings, report
        )
        await lap("resolve")
        progress.total += len(resolved.entities)
        names = await embed.all([e.name for e in resolved.entities], progress)
        for entity, vector in zip(resolved.entities, names, strict=True):
            entity.embedding = vector
        await lap("embed")
        await _write(store, transcript, chunks, resolved, chunk_vectors, report)
        await lap("write")
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


async def _extract(
    transcript: Transcript,
    texts: list[ChunkText],
    extractor: Extractor,
    lookups: ExistingLookups,
    report: Report,
) -> list[ChunkExtraction]:
    extractions: list[ChunkExtraction] = []
    await report("extract", 0, len(texts))
    attributes = {"extractor": f"{extractor.provider}:{extractor.name}", "chunks": len(texts)}
    with span("ingest.extract", kind="CHAIN", **attributes):
        async for result in extractor.extract(texts):
            extractions.append(result)
            if result.extraction:
                lookups.warm(transcript.namespace, [e.name for e in result.extraction.entities])
            await report("extract", len(extractions), len(texts))
    return extractions


async def _resolve(
    transcript: Transcript,
    chunks: list[Chunk],
    extractions: list[ChunkExtraction],
    heard: HeardNames | None,
    embed: EmbedMemo,
    lookups: ExistingLookups,
    settings: Settings,
    report: Report,
) -> tuple[Resolved, list[dict]]:
    """The job's entities, mentions and relations; and for a recording, the names heard nearly right
    that were linked to their entities."""
    await report("resolve", 0, 1)
    if heard:
        heard.pin_types(extractions)
    with span("ingest.resolve", kind="CHAIN") as resolving:
        try:
            resolved = await resolve(
                transcript.namespace,
                extractions,
                chunk_speakers={c.id: c.speakers for c in chunks},
                embed=embed,
                find_existing=lookups,
                threshold=settings.entity_merge_threshold,
            )
        finally:
            await lookups.close()
        linked = heard.link(resolved) if heard else []
        resolving.set_attribute("entities", len(resolved.entities))
        resolving.set_attribute("entities.merged", resolved.merged)
        resolving.set_attribute("names.linked", len(linked))
    await report("resolve", 1, 1)
    return resolved, linked


async def _write(
    store: GraphStore,
    transcript: Transcript,
    chunks: list[Chunk],
    resolved: Resolved,
    chunk_vectors: asyncio.Task,
    report: Report,
) -> None:
    """The graph first, the chunks' vectors last: the job's names, full-text and edges are queryable
    while its chunk embeddings (offline, the slowest CPU work of a job) are still being computed."""
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
        for chunk, vector in zip(chunks, await chunk_vectors, strict=True):
            chunk.embedding = vector
        written += await store.set_chunk_embeddings(chunks)
        await report("write", written, total_rows)

"""The pipeline's extraction and resolution stages (pipeline.py runs them in order), each reporting its
own progress: chunks as the extractor reads them, extraction (each window's names warmed for lookups
as it lands), and resolution into the job's entities, mentions and relations.
"""

from __future__ import annotations

from backend.config import Settings
from backend.domain import Chunk, Transcript
from backend.llm.port import ChunkExtraction, ChunkText, Extractor
from backend.observability.tracing import span

from .heard_names import HeardNames
from .lookahead import EmbedMemo, ExistingLookups
from .request import Report
from .resolve import Resolved, resolve


def chunk_text(chunk: Chunk) -> ChunkText:
    """A chunk as the extractor reads it: each line split from the speaker who said it."""
    lines = []
    for line in chunk.text.split("\n"):
        speaker = next((s for s in chunk.speakers if line.startswith(f"{s}: ")), None)
        lines.append((speaker, line[len(speaker) + 2 :] if speaker else line))
    return ChunkText(id=chunk.id, index=chunk.index, text=chunk.text, speakers=chunk.speakers, lines=lines)


async def extract(
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


async def resolve_entities(
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
            # jobs of this namespace that wrote while this one extracted: their entities are joined
            resolving.set_attribute("existing.refreshed", await lookups.refresh(transcript.namespace))
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
    return resolved, linked  # the pipeline reports the stage done, once the names' embedding is counted

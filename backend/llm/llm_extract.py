"""Extraction with an LLM: one call per window of consecutive chunks (all windows in flight up to the
concurrency limit), the answer validated against the extraction schema; an invalid answer gets one
repair call, and a window that still fails marks its chunks failed while the job goes on.

Why windows: retrieval wants small chunks (~100 tokens, what MiniLM reads), but one LLM call per
small chunk multiplies calls, latency and repeated prompt overhead. A window reads ~1,000 tokens of
consecutive chunks in one call; each extracted entity is then credited to the chunks that name it,
and each relation to the first chunk that names both ends (else its source's) as evidence; mentions
and citations stay at chunk precision. A relation's description is the sentence of its evidence chunk
that names both ends (a speaker counts as named in their own words), else one naming either: quoted,
not generated (schema.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Sequence

from pydantic import ValidationError

from backend.domain import Usage

from .port import ChunkExtraction, ChunkText, LLMError, LLMProvider
from .prompts import extract as prompt
from .schema import Extraction, extraction_json_schema

log = logging.getLogger(__name__)


class LLMExtractor:
    is_llm = True

    def __init__(self, llm: LLMProvider, window_tokens: int = 0) -> None:
        self.llm = llm
        self.name = llm.model
        self.provider = llm.provider
        self.window_tokens = window_tokens
        self._schema = extraction_json_schema()

    async def extract(self, chunks: Sequence[ChunkText]) -> AsyncIterator[ChunkExtraction]:
        tasks = [asyncio.create_task(self._window(w)) for w in windows(chunks, self.window_tokens)]
        try:
            for finished in asyncio.as_completed(tasks):
                for result in await finished:
                    yield result
        finally:
            for task in tasks:
                task.cancel()

    async def _window(self, window: list[ChunkText]) -> list[ChunkExtraction]:
        return split(await self._one(window[0] if len(window) == 1 else merge(window)), window)

    async def _one(self, chunk: ChunkText) -> ChunkExtraction:
        usage = Usage()
        request = prompt.build(chunk, self._schema)
        try:
            response = await self.llm.complete(request)
            usage.add(response.usage())
            try:
                extraction = _parse(response.text)
            except ValueError as problem:
                repaired = await self.llm.complete(prompt.repair(request, response.text, str(problem)))
                usage.add(repaired.usage())
                try:
                    extraction = _parse(repaired.text)
                except ValueError as still:
                    return ChunkExtraction(
                        chunk_id=chunk.id,
                        error=f"invalid model output after one repair: {still}",
                        usage=usage,
                    )
        except LLMError as exc:
            usage.retries += int(exc.details.get("retries", 0))
            log.warning("extraction call failed", extra={"chunk_id": chunk.id, "error": exc.message})
            return ChunkExtraction(chunk_id=chunk.id, error=exc.public_message, usage=usage)
        return ChunkExtraction(chunk_id=chunk.id, extraction=extraction, usage=usage)


def _parse(text: str) -> Extraction:
    try:
        return Extraction.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at position {exc.pos})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{where}: {first['msg']} ({exc.error_count()} problems)") from None


# --- windows -----------------------------------------------------------------------------------
def _tokens(chunk: ChunkText) -> int:
    return int(len(chunk.text.split()) * 1.3)  # words → tokens, near enough for grouping


def windows(chunks: Sequence[ChunkText], max_tokens: int) -> list[list[ChunkText]]:
    """Consecutive chunks grouped up to max_tokens (each chunk whole; 0 = one chunk per window)."""
    if max_tokens <= 0:
        return [[c] for c in chunks]
    groups: list[list[ChunkText]] = []
    size = 0
    for chunk in sorted(chunks, key=lambda c: c.index):
        if groups and size + _tokens(chunk) <= max_tokens:
            groups[-1].append(chunk)
            size += _tokens(chunk)
        else:
            groups.append([chunk])
            size = _tokens(chunk)
    return groups


def merge(window: list[ChunkText]) -> ChunkText:
    """One text for the window; the turns chunks share through their overlap appear once."""
    seen: set[tuple[str | None, str]] = set()
    lines: list[tuple[str | None, str]] = []
    for chunk in window:
        for line in chunk.lines:
            if line not in seen:
                seen.add(line)
                lines.append(line)
    text = "\n".join(f"{speaker}: {said}" if speaker else said for speaker, said in lines)
    speakers = list(dict.fromkeys(s for c in window for s in c.speakers))
    return ChunkText(id=window[0].id, index=window[0].index, text=text, speakers=speakers, lines=lines)


# a sentence ends at . ! ? and a space, but not after a title or a common abbreviation ("Dr. Jones")
_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bMrs\.)(?<!\bProf\.)(?<!\bvs\.)"
    r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)\s+"
)
MAX_DESCRIPTION_CHARS = 500  # the schema's bound


def _names(name: str, sentence: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", sentence, re.IGNORECASE) is not None


def quote(chunk: ChunkText, source: str, target: str) -> str:
    """The sentence of the chunk that states a relation: the first naming both ends (a speaker is
    named by their own words), else the first whose words name one end; "" when none does (a
    sentence merely said by one end, "Thanks.", describes nothing)."""
    best = ""
    lines = chunk.lines or [(None, line) for line in chunk.text.splitlines()]
    for speaker, said in lines:
        for sentence in _SENTENCE_END.split(said.strip()):
            written = [_names(end, sentence) for end in (source, target)]
            speaking = [bool(speaker) and speaker.casefold() == end.casefold() for end in (source, target)]
            if all(w or s for w, s in zip(written, speaking, strict=True)):
                return _bounded(sentence)
            if any(written) and not best:
                best = sentence
    return _bounded(best)


def _bounded(sentence: str) -> str:
    """Within the schema's bound, cut at a word."""
    if len(sentence) <= MAX_DESCRIPTION_CHARS:
        return sentence
    return sentence[: MAX_DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"


class _Naming:
    """Which chunks of a window name a given name, as a whole word, ignoring case: each name looked
    up once per window. A plain substring test on lowercased text goes first; the word-boundary
    regex runs only where it found something (or where lowercasing is not a safe pre-test)."""

    def __init__(self, window: list[ChunkText]) -> None:
        self._window = window
        # lowercase ASCII text, or None where the pre-test is unsafe (re's case folding matches "ſ" to "s")
        self._lowered = [c.text.lower() if c.text.isascii() else None for c in window]
        self._chunks: dict[str, list[str]] = {}

    def chunks(self, name: str) -> list[str]:
        found = self._chunks.get(name)
        if found is None:
            needle = name.lower() if name.isascii() else None
            pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
            found = [
                c.id
                for c, lowered in zip(self._window, self._lowered, strict=True)
                if (needle is None or lowered is None or needle in lowered) and pattern.search(c.text)
            ]
            self._chunks[name] = found
        return found


def split(result: ChunkExtraction, window: list[ChunkText]) -> list[ChunkExtraction]:
    """The window's extraction as per-chunk extractions (usage on the first chunk only, so totals
    count each call once)."""
    if result.extraction is None:
        return [
            ChunkExtraction(chunk_id=c.id, error=result.error, usage=result.usage if i == 0 else Usage())
            for i, c in enumerate(window)
        ]
    entities: dict[str, list] = {c.id: [] for c in window}
    relations: dict[str, list] = {c.id: [] for c in window}
    by_id = {c.id: c for c in window}
    naming = _Naming(window)
    for entity in result.extraction.entities:
        for chunk_id in naming.chunks(entity.name) or [window[0].id]:  # paraphrased: the window's start
            entities[chunk_id].append(entity)
    for relation in result.extraction.relations:
        source = naming.chunks(relation.source)
        target = set(naming.chunks(relation.target))
        both = [chunk_id for chunk_id in source if chunk_id in target]
        chunk_id = (both or source or [window[0].id])[0]
        if not relation.description:
            said = quote(by_id[chunk_id], relation.source, relation.target)
            relation = relation.model_copy(update={"description": said})
        relations[chunk_id].append(relation)  # its ends resolve by name across the job's chunks
    return [
        ChunkExtraction(
            chunk_id=c.id,
            extraction=Extraction(entities=entities[c.id], relations=relations[c.id]),
            usage=result.usage if i == 0 else Usage(),
        )
        for i, c in enumerate(window)
    ]

"""Extraction with an LLM: one call per chunk (all chunks in flight up to the concurrency limit), the
answer validated against the extraction schema; an invalid answer gets one repair call, and a chunk
that still fails is recorded as failed while the job goes on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence

from pydantic import ValidationError

from backend.domain import Usage
from backend.observability.pricing import price

from .port import ChunkExtraction, ChunkText, LLMError, LLMProvider, LLMResponse
from .prompts import extract as prompt
from .schema import Extraction, extraction_json_schema


class LLMExtractor:
    is_llm = True

    def __init__(self, llm: LLMProvider) -> None:
        self.llm = llm
        self.name = llm.model
        self.provider = llm.provider
        self._schema = extraction_json_schema()

    async def extract(self, chunks: Sequence[ChunkText]) -> AsyncIterator[ChunkExtraction]:
        tasks = [asyncio.create_task(self._one(chunk)) for chunk in chunks]
        try:
            for finished in asyncio.as_completed(tasks):
                yield await finished
        finally:
            for task in tasks:
                task.cancel()

    async def _one(self, chunk: ChunkText) -> ChunkExtraction:
        usage = Usage()
        request = prompt.build(chunk, self._schema)
        try:
            response = await self.llm.complete(request)
            _count(usage, response)
            try:
                extraction = _parse(response.text)
            except ValueError as problem:
                repaired = await self.llm.complete(prompt.repair(request, response.text, str(problem)))
                _count(usage, repaired)
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
            return ChunkExtraction(chunk_id=chunk.id, error=exc.message, usage=usage)
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


def _count(usage: Usage, response: LLMResponse) -> None:
    usage.retries += response.retries
    if response.cached:
        usage.cache_hits += 1
        return
    usage.llm_calls += 1
    usage.input_tokens += response.input_tokens
    usage.output_tokens += response.output_tokens
    usage.cost_usd += price(response.model, response.input_tokens, response.output_tokens)[0]

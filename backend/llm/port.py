"""The LLM port and the extraction port.

`LLMProvider.complete` is one model call; middleware (cache, limits, retries) wraps providers and has
the same shape. `Extractor` is the extraction task as the ingest pipeline sees it: chunks in,
per-chunk results out as they finish (so progress is real). The offline extractor implements
`Extractor` directly: it is not an LLM and never says it is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from pydantic import BaseModel, Field

from backend.domain import Usage
from backend.errors import WeaverError
from backend.observability.pricing import price

from .schema import Extraction


class Message(BaseModel):
    role: str  # "system" | "user" | "assistant"
    content: str


class LLMRequest(BaseModel):
    task: str  # "extract" | "answer" — the metric dimension and cache namespace
    prompt_version: str
    messages: list[Message]
    json_schema: dict | None = None  # ask for output that validates against this
    max_tokens: int = 2048
    temperature: float = 0.0


class LLMResponse(BaseModel):
    text: str
    model: str
    provider: str
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0
    retries: int = 0
    cached: bool = False

    def usage(self) -> Usage:
        """What this response cost: a cache hit is counted as one, with no tokens and no cost."""
        if self.cached:
            return Usage(cache_hits=1, retries=self.retries)
        return Usage(
            llm_calls=1,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cost_usd=price(self.model, self.input_tokens, self.output_tokens)[0],
            retries=self.retries,
        )


class LLMError(WeaverError):
    """The model provider refused a call. `message` quotes the provider, which may name an AWS account,
    a role ARN or a masked key: callers get `public_message`, the server log the rest."""

    code = "llm_error"
    retryable = False
    public_message = (
        "the language model refused the call: the server's model settings need an operator "
        "(the server log has the provider's reason)"
    )


class Throttled(LLMError):
    code = "llm_throttled"
    retryable = True
    public_message = "the language model is throttling our calls; ask again shortly"


class ProviderFailure(LLMError):
    """5xx, timeouts, dropped connections: worth retrying."""

    code = "llm_unavailable"
    retryable = True
    public_message = "the language model is unavailable; ask again shortly"


class LLMProvider(Protocol):
    provider: str
    model: str

    async def complete(self, request: LLMRequest) -> LLMResponse: ...

    def stream(self, request: LLMRequest) -> AsyncIterator[str | LLMResponse]:
        """Text pieces as they arrive, then one LLMResponse with the whole text and the usage."""
        ...


class ChunkText(BaseModel):
    id: str
    index: int
    text: str
    speakers: list[str] = Field(default_factory=list)
    lines: list[tuple[str | None, str]] = Field(default_factory=list)  # (speaker, text) per turn piece


class ChunkExtraction(BaseModel):
    chunk_id: str
    extraction: Extraction | None = None
    candidates: list[str] = Field(default_factory=list)  # Concept names that must recur to be kept
    error: str | None = None
    usage: Usage = Field(default_factory=Usage)


class Extractor(Protocol):
    name: str
    provider: str
    is_llm: bool

    def extract(self, chunks: Sequence[ChunkText]) -> AsyncIterator[ChunkExtraction]: ...

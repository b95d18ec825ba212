"""The embedder port: texts in, unit-length vectors out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Embedder(Protocol):
    name: str  # model id, e.g. "all-MiniLM-L6-v2-int8" — the OpenInference embedding.model_name
    provider: str  # "local" | "bedrock" | "openai"
    dim: int
    query_prefix: str  # put before a question that searches passages ("" for symmetric models)

    async def embed(self, texts: Sequence[str]) -> list[list[float]]: ...

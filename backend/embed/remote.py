"""Hosted embedders: Amazon Titan Text Embeddings v2 on Bedrock, and any OpenAI-compatible
`/embeddings` endpoint. Both return unit-length vectors of the configured dimension."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from backend.errors import ProviderUnavailable

TITAN_DIMENSIONS = (256, 512, 1024)


class TitanEmbedder:
    """Titan v2 embeds one text per call; calls run in parallel, `concurrency` at a time."""

    provider = "bedrock"

    def __init__(
        self, *, model: str, dim: int, region: str, endpoint_url: str | None, concurrency: int = 8
    ) -> None:
        import boto3
        from botocore.config import Config

        if dim not in TITAN_DIMENSIONS:
            raise ValueError(f"Titan v2 makes {TITAN_DIMENSIONS}-dimensional vectors, not {dim}")
        self.name, self.dim = model, dim
        config = Config(
            retries={"total_max_attempts": 4, "mode": "standard"}, max_pool_connections=concurrency
        )
        self._client = boto3.client(
            "bedrock-runtime", region_name=region, endpoint_url=endpoint_url, config=config
        )
        self._slots = asyncio.Semaphore(concurrency)

    def _one(self, text: str) -> list[float]:
        from botocore.exceptions import BotoCoreError, ClientError

        body = json.dumps({"inputText": text[:50_000], "dimensions": self.dim, "normalize": True})
        try:
            response = self._client.invoke_model(
                modelId=self.name, body=body, contentType="application/json", accept="application/json"
            )
        except (BotoCoreError, ClientError) as exc:
            raise ProviderUnavailable(f"Titan embeddings failed: {type(exc).__name__}") from None
        return json.loads(response["body"].read())["embedding"]

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        async def one(text: str) -> list[float]:
            async with self._slots:
                return await asyncio.to_thread(self._one, text)

        return list(await asyncio.gather(*(one(t) for t in texts)))


class OpenAIEmbedder:
    provider = "openai"

    def __init__(self, *, model: str, dim: int, base_url: str | None, api_key: str | None) -> None:
        import openai

        self.name, self.dim = model, dim
        self._client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key or "not-needed", max_retries=3)
        self._openai = openai

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        try:
            response = await self._client.embeddings.create(
                model=self.name, input=list(texts), dimensions=self.dim
            )
        except self._openai.OpenAIError as exc:
            raise ProviderUnavailable(f"embeddings failed: {type(exc).__name__}") from None
        vectors = [item.embedding for item in sorted(response.data, key=lambda d: d.index)]
        if vectors and len(vectors[0]) != self.dim:
            raise ProviderUnavailable(
                f"{self.name} returned {len(vectors[0])}-d vectors; expected {self.dim}"
            )
        return vectors

"""The one place an embedder is chosen."""

from __future__ import annotations

from backend.config import Settings, SettingsError
from backend.observability.tracing import span

from .port import Embedder

DEFAULT_MODELS = {"bedrock": "amazon.titan-embed-text-v2:0", "openai": "text-embedding-3-small"}


class TracedEmbedder:
    """An EMBEDDING span per batch, around whichever embedder was chosen."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name, self.provider, self.dim = inner.name, inner.provider, inner.dim

    async def embed(self, texts):
        attributes = {
            "embedding.model_name": self.name,
            "embedding.provider": self.provider,
            "embedding.batch_size": len(texts),
        }
        with span("embed", kind="EMBEDDING", **attributes):
            return await self.inner.embed(texts)


def build_embedder(settings: Settings) -> Embedder:
    return TracedEmbedder(_choose(settings))


def _choose(settings: Settings) -> Embedder:
    if settings.embedding_provider == "local":
        from .minilm import MiniLMEmbedder

        embedder: Embedder = MiniLMEmbedder()
        if embedder.dim != settings.embedding_dim:
            wanted = settings.embedding_dim
            raise SettingsError(
                f"KW_EMBEDDING_DIM is {wanted} but {embedder.name} makes {embedder.dim}-d vectors"
            )
        return embedder
    model = settings.embedding_model or DEFAULT_MODELS[settings.embedding_provider]
    if settings.embedding_provider == "bedrock":
        from .remote import TITAN_DIMENSIONS, TitanEmbedder

        if settings.embedding_dim not in TITAN_DIMENSIONS:
            raise SettingsError(f"KW_EMBEDDING_DIM must be one of {TITAN_DIMENSIONS} for Titan v2")
        return TitanEmbedder(
            model=model,
            dim=settings.embedding_dim,
            region=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
        )
    from .remote import OpenAIEmbedder

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return OpenAIEmbedder(
        model=model, dim=settings.embedding_dim, base_url=settings.openai_base_url, api_key=key
    )

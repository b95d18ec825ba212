"""The one place embedders are chosen: one for passages (chunks, and the questions that search them)
and one for names (entities: resolution, linking). Hosted providers use one model for both; offline,
passages get bge-small and names MiniLM (see bge.py for why)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from backend.config import Settings, SettingsError
from backend.observability.tracing import span

from .port import Embedder

DEFAULT_MODELS = {"bedrock": "amazon.titan-embed-text-v2:0", "openai": "text-embedding-3-small"}


class TracedEmbedder:
    """An EMBEDDING span per batch, around whichever embedder was chosen."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name, self.provider, self.dim = inner.name, inner.provider, inner.dim
        self.query_prefix = getattr(inner, "query_prefix", "")

    async def embed(self, texts):
        attributes = {
            "embedding.model_name": self.name,
            "embedding.provider": self.provider,
            "embedding.batch_size": len(texts),
        }
        with span("embed", kind="EMBEDDING", **attributes):
            return await self.inner.embed(texts)


LOCAL_PASSAGE_MODELS = ("bge-small-en-v1.5", "all-MiniLM-L6-v2")


@dataclass(frozen=True)
class Embedders:
    passages: Embedder  # chunks, and questions searching them (with the model's `query_prefix`)
    names: Embedder  # entity names and anything compared with them


def build_embedders(settings: Settings) -> Embedders:
    if settings.embedding_provider != "local":
        one = TracedEmbedder(_remote(settings))
        return Embedders(passages=one, names=one)
    from .minilm import MiniLMEmbedder

    model = settings.embedding_model or LOCAL_PASSAGE_MODELS[0]
    if model not in LOCAL_PASSAGE_MODELS:
        raise SettingsError(f"KW_EMBEDDING_MODEL for local embeddings is one of {LOCAL_PASSAGE_MODELS}")
    if settings.embedding_dim != MiniLMEmbedder.dim:
        wanted = settings.embedding_dim
        raise SettingsError(f"KW_EMBEDDING_DIM is {wanted} but the local models make 384-d vectors")
    names = TracedEmbedder(_local(MiniLMEmbedder))
    if model == "all-MiniLM-L6-v2":
        return Embedders(passages=names, names=names)
    from .bge import BgeSmallEmbedder

    return Embedders(passages=TracedEmbedder(_local(BgeSmallEmbedder)), names=names)


@functools.cache
def _local(model: type) -> Embedder:
    """One instance of each offline model per process, however many runtimes it opens (the tests open
    dozens): each holds one ONNX session per core (both models: ~450 MB on 2 cores), and is safe to share."""
    return model()


def build_embedder(settings: Settings) -> Embedder:
    """The passage embedder alone (what a hosted provider uses for everything)."""
    return build_embedders(settings).passages


def _remote(settings: Settings) -> Embedder:
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

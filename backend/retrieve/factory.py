"""The one place an answerer is chosen: extractive offline, generated with an LLM provider."""

from __future__ import annotations

from backend.embed.port import Embedder
from backend.embed.remembered import RememberingEmbedder
from backend.llm.port import LLMProvider

from .answer import Answerer, ExtractiveAnswerer, GeneratedAnswerer


def build_answerer(embedder: Embedder, llm: LLMProvider | None) -> Answerer:
    """`llm`: the provider chain (`llm.factory.build_llm`), or None offline."""
    return ExtractiveAnswerer(RememberingEmbedder(embedder)) if llm is None else GeneratedAnswerer(llm)


def offline_answerer(answerer, embedder: Embedder) -> ExtractiveAnswerer:
    """The extractive answerer: the one that answers, when it is; else one of its own (the hops of a
    question in parts are found offline whatever writes the answer)."""
    if isinstance(answerer, ExtractiveAnswerer):
        return answerer
    return ExtractiveAnswerer(RememberingEmbedder(embedder))

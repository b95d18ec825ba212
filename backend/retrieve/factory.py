"""The one place an answerer is chosen: extractive offline, generated with an LLM provider."""

from __future__ import annotations

from backend.config import Settings
from backend.embed.port import Embedder
from backend.llm.cache import LLMCache
from backend.llm.factory import build_llm

from .answer import ExtractiveAnswerer, GeneratedAnswerer


def build_answerer(settings: Settings, embedder: Embedder, cache: LLMCache | None):
    if settings.llm_provider == "offline":
        return ExtractiveAnswerer(embedder)
    return GeneratedAnswerer(build_llm(settings, cache))

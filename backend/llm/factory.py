"""The one place an extractor (and its LLM provider chain) is chosen."""

from __future__ import annotations

from backend.config import Settings

from .cache import LLMCache
from .middleware import compose
from .port import Extractor, LLMProvider

DEFAULT_MODELS = {"bedrock": "anthropic.claude-3-5-haiku-20241022-v1:0", "openai": "gpt-4o-mini"}


def build_llm(settings: Settings, cache: LLMCache | None) -> LLMProvider:
    """The provider for KW_LLM_PROVIDER wrapped in the middleware chain (bedrock | openai)."""
    model = settings.llm_model or DEFAULT_MODELS[settings.llm_provider]
    if settings.llm_provider == "bedrock":
        from .providers.bedrock import BedrockConverse

        provider: LLMProvider = BedrockConverse(
            model,
            region=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
            timeout_s=settings.llm_timeout_s,
        )
    else:
        from .providers.openai_compat import OpenAICompatible

        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        provider = OpenAICompatible(
            model, base_url=settings.openai_base_url, api_key=key, timeout_s=settings.llm_timeout_s
        )
    return compose(
        provider,
        cache=cache,
        concurrency=settings.llm_concurrency,
        requests_per_minute=settings.llm_requests_per_minute,
        tokens_per_minute=settings.llm_tokens_per_minute,
        max_retries=settings.llm_max_retries,
        timeout_s=settings.llm_timeout_s,
    )


def build_cache(settings: Settings) -> LLMCache | None:
    return None if settings.llm_provider == "offline" else LLMCache(settings.data_dir / "llm_cache.sqlite3")


def build_extractor(settings: Settings, cache: LLMCache | None) -> Extractor:
    if settings.llm_provider == "offline":
        from .spacy_extract import SpacyExtractor

        return SpacyExtractor()
    from .llm_extract import LLMExtractor

    return LLMExtractor(build_llm(settings, cache), window_tokens=settings.extract_window_tokens)

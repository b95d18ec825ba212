"""The one place an extractor (and its LLM provider chain) is chosen."""

from __future__ import annotations

from backend.config import Settings, SettingsError

from .port import Extractor


def build_extractor(settings: Settings) -> Extractor:
    if settings.llm_provider == "offline":
        from .spacy_extract import SpacyExtractor

        return SpacyExtractor()
    raise SettingsError(f"KW_LLM_PROVIDER={settings.llm_provider} is not available yet")

"""The one place an embedder is chosen."""

from __future__ import annotations

from backend.config import Settings, SettingsError

from .port import Embedder


def build_embedder(settings: Settings) -> Embedder:
    if settings.embedding_provider == "local":
        from .minilm import MiniLMEmbedder

        embedder = MiniLMEmbedder()
    else:
        raise SettingsError(f"KW_EMBEDDING_PROVIDER={settings.embedding_provider} is not available yet")
    if embedder.dim != settings.embedding_dim:
        raise SettingsError(
            f"KW_EMBEDDING_DIM is {settings.embedding_dim} but {embedder.name} makes {embedder.dim}-d vectors"
        )
    return embedder

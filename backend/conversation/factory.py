"""The one place a session store and a follow-up resolver are chosen (KW_SESSION_BACKEND, KW_LLM_PROVIDER)."""

from __future__ import annotations

from backend.config import Settings
from backend.graph import GraphStore
from backend.llm.port import LLMProvider

from .condense import CondensingResolver
from .followup import OfflineResolver
from .store import SessionPolicy, SessionStore


def build_session_store(settings: Settings, policy: SessionPolicy | None = None) -> SessionStore:
    policy = policy or SessionPolicy(
        idle_ttl_s=settings.session_idle_ttl_s, max_turns=settings.session_max_turns
    )
    if settings.session_backend == "dynamodb":
        from .dynamodb_store import DynamoSessionStore, dynamodb_client

        assert settings.sessions_table  # Settings refuses dynamodb without it
        return DynamoSessionStore(settings.sessions_table, policy, dynamodb_client(settings))
    from .sqlite_store import SqliteSessionStore

    return SqliteSessionStore(settings.data_dir / "sessions.sqlite3", policy)


def build_resolver(settings: Settings, graph: GraphStore, llm: LLMProvider | None):
    """Offline rules, or a condense-question call with the LLM provider (the rules as its fallback)."""
    offline = OfflineResolver(graph)
    if settings.llm_provider == "offline" or llm is None:
        return offline
    return CondensingResolver(llm, offline)

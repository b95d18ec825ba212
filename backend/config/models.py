"""Settings of the models: the LLM and embeddings, conversations, speech."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class ModelSettings(BaseModel):
    """LLM and embeddings, conversations, speech (`KW_*`; composed into `Settings`)."""

    # --- models ------------------------------------------------------------------------------
    llm_provider: Literal["offline", "bedrock", "openai"] = Field(
        "offline",
        description="Extraction/answers: `offline` (spaCy, extractive), `bedrock`, `openai` (compatible).",
    )
    llm_model: str | None = Field(
        None, description="Model id; default per provider (Bedrock: Claude 3.5 Haiku; OpenAI: gpt-4o-mini)."
    )
    openai_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint (OpenAI, Ollama, vLLM)."
    )
    openai_api_key: SecretStr | None = Field(None, description="Key for the OpenAI-compatible endpoint.")
    llm_concurrency: int = Field(16, ge=1, le=256, description="LLM calls in flight at once.")
    extract_window_tokens: int = Field(
        1000,
        ge=0,
        le=8000,
        description="LLM extraction reads consecutive chunks up to this many tokens per call (0: one call "
        "per chunk); entities and relations are mapped back to the chunks that mention them.",
    )
    llm_requests_per_minute: int = Field(0, ge=0, description="Client-side request rate limit (0: none).")
    llm_tokens_per_minute: int = Field(0, ge=0, description="Client-side token rate limit (0: none).")
    llm_timeout_s: float = Field(60.0, gt=0, le=600, description="Per LLM call.")
    llm_max_retries: int = Field(4, ge=0, le=10, description="Retries on throttling and 5xx, with backoff.")
    embedding_provider: Literal["local", "bedrock", "openai"] = Field(
        "local",
        description="`local` (offline int8 ONNX, 384-d: bge-small for passages, MiniLM for names), "
        "`bedrock` (Titan v2), `openai`.",
    )
    embedding_model: str | None = Field(
        None,
        description="Embedding model id for bedrock/openai; for local, the passage model: "
        "`bge-small-en-v1.5` (default) or `all-MiniLM-L6-v2`.",
    )

    embedding_cache: bool = Field(
        True,
        description="Keep ingest embeddings by the hash of their text (`embeddings.sqlite3` in the data "
        "dir): text ingested before is not embedded again.",
    )

    rerank_top: int = Field(
        0,
        ge=0,
        le=50,
        description="Rerank this many of the best fused passages with an offline cross-encoder "
        "(ms-marco-MiniLM-L-12 int8) before citing them; 0: off. More recall for about a second per "
        "question on 2 CPU cores (README: Evaluation).",
    )

    # --- conversations -----------------------------------------------------------------------
    session_backend: Literal["sqlite", "dynamodb"] = Field(
        "sqlite",
        description="Where conversations are kept: `sqlite` (the data dir) or `dynamodb` "
        "(KW_SESSIONS_TABLE).",
    )
    sessions_table: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_.-]{3,255}$",
        description="DynamoDB table of conversations (partition key `session_id`, TTL on `expires_at`); "
        "required for `dynamodb`.",
    )
    session_idle_ttl_s: int = Field(
        86_400,
        ge=60,
        le=30 * 86_400,
        description="A conversation expires this many seconds after its last question.",
    )
    session_max_turns: int = Field(
        20,
        ge=1,
        le=200,
        description="Questions and answers a conversation keeps (the oldest are dropped), so a long "
        "session stays cheap to read and to resolve.",
    )

    # --- speech ------------------------------------------------------------------------------
    speech_provider: Literal["whisper", "transcribe"] = Field(
        "whisper",
        description="Recordings: `whisper` (faster-whisper, offline, CPU) or `transcribe` (Amazon).",
    )
    speech_bucket: str | None = Field(
        None, description="S3 bucket for recordings and Transcribe output; required for `transcribe`."
    )
    speech_language: str | None = Field(
        None, description="Language code of recordings (e.g. `en`); empty: detected per recording."
    )
    max_audio_bytes: int = Field(50_000_000, ge=1_000, description="Larger recording uploads get 413.")
    max_audio_seconds: float = Field(
        1800.0, gt=0, le=14_400, description="Longer recordings get 422 (decoded duration)."
    )
    transcribe_poll_max_s: float = Field(
        10.0, gt=0, le=60, description="Longest wait between Transcribe job status polls (backoff cap)."
    )
    speech_bias_names: int = Field(
        25,
        ge=0,
        le=200,
        description="Names that bias the recogniser: the speaker, the request's `hints`, then the "
        "namespace's people, organisations, places and products, most-mentioned first (Whisper hotwords, "
        "an Amazon Transcribe custom vocabulary); 0: off. More names cost decoding time (README: Voice).",
    )
    speech_correct_names: bool = Field(
        True,
        description="After transcription, link names heard nearly right (by sound and spelling) to the "
        "namespace's entities; the chunk keeps what was heard.",
    )

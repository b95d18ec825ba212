"""Every setting KnowledgeWeaver reads, documented once. Environment variables carry the prefix `KW_`.

Invalid settings stop start-up with a message that names the variable to fix (`SettingsError`).
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError as SourceError

from backend.domain import Namespace

ENV_PREFIX = "KW_"
ADMIN_NAMESPACE = "*"


class SettingsError(ValueError):
    """Raised at start-up when a `KW_*` variable has a value we cannot use."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    # --- storage -----------------------------------------------------------------------------
    data_dir: Path = Field(Path("data"), description="Where the embedded graph, job store and caches live.")
    graph_backend: Literal["falkordb", "neo4j"] = Field(
        "falkordb", description="`falkordb` (embedded, zero set-up) or `neo4j` (production)."
    )
    graph_name: str = Field(
        "knowledgeweaver", pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,62}$", description="FalkorDB graph (key) name."
    )
    falkordb_url: str | None = Field(
        None,
        description="An external FalkorDB (`falkor://host:6379`, `unix:///x.sock`) instead of embedded.",
    )
    graph_connections: int = Field(
        16, ge=1, le=512, description="FalkorDB connections per process; more callers wait their turn."
    )
    graph_query_memory_mb: int = Field(
        1024, ge=16, le=65_536, description="Embedded FalkorDB: memory one query may use (set at start)."
    )
    graph_memory_mb: int = Field(
        0,
        ge=0,
        le=1_048_576,
        description="Embedded FalkorDB: memory cap of the whole server; 0: half the RAM.",
    )
    graph_query_timeout_max_ms: int = Field(
        120_000, ge=1_000, le=3_600_000, description="Embedded FalkorDB: the longest any query may run."
    )
    neo4j_uri: str | None = Field(None, description="e.g. `neo4j://10.0.2.15:7687`; required for neo4j.")
    neo4j_user: str = Field("neo4j", description="Neo4j user name.")
    neo4j_password: SecretStr | None = Field(None, description="Neo4j password (never logged).")
    neo4j_password_secret_arn: str | None = Field(
        None,
        description="Read the Neo4j password from AWS Secrets Manager (plain string or JSON `password`).",
    )
    neo4j_database: str = Field("neo4j", description="Neo4j database name.")
    aws_region: str = Field("us-east-1", description="AWS region for Secrets Manager, Bedrock, S3, ...")
    aws_endpoint_url: str | None = Field(
        None, description="Override AWS endpoints (local stand-ins in tests)."
    )

    # --- graph behaviour ---------------------------------------------------------------------
    embedding_dim: int = Field(384, ge=8, le=8192, description="Dimensions of the vector indexes.")
    write_batch_size: int = Field(
        500, ge=1, le=10_000, description="Rows per UNWIND write (one transaction)."
    )
    query_timeout_ms: int = Field(
        10_000, ge=100, le=600_000, description="Upper bound on a console query's run time."
    )
    cypher_row_limit: int = Field(
        1_000, ge=1, le=100_000, description="Upper bound on rows a console query returns."
    )
    vector_overfetch: int = Field(
        4, ge=1, le=50, description="Vector kNN fetches k × this before the namespace filter."
    )

    # --- ingest ------------------------------------------------------------------------------
    chunk_max_tokens: int = Field(100, ge=32, le=2000, description="Token budget of a chunk (whole turns).")
    chunk_overlap_tokens: int = Field(
        30, ge=0, le=500, description="Trailing turns repeated in the next chunk."
    )
    entity_merge_threshold: float = Field(
        0.9, gt=0.5, le=1.0, description="Cosine similarity above which same-type entities merge."
    )
    ingest_workers: int = Field(
        4,
        ge=1,
        le=32,
        description="Ingest jobs run at once in this process (they mostly wait on the LLM, whose calls "
        "KW_LLM_CONCURRENCY caps across all jobs).",
    )
    worker_processes: int = Field(
        1,
        ge=0,
        le=32,
        description="Ingest worker processes the API starts beside itself (`weaver worker`); 0: none "
        "(workers run elsewhere, or KW_API_RUNS_JOBS).",
    )
    api_runs_jobs: bool = Field(
        False, description="Run ingest jobs inside the API process too (a one-process setup; the tests)."
    )
    worker_nice: int = Field(
        19,
        ge=0,
        le=19,
        description="How much lower a worker process's CPU priority is than the API's (19, the lowest: "
        "`/v1/retrieve` p95 during 20 ingests was 1.3× idle at 19, 1.9× at 10; README, Benchmarks).",
    )
    job_lease_s: float = Field(
        60.0,
        ge=2,
        le=3600,
        description="A worker's lease on a job; renewed every third of it while it works.",
    )
    job_max_attempts: int = Field(
        3, ge=1, le=20, description="Claims of a job before it is failed (dead-lettered) with its reason."
    )
    job_backend: Literal["sqlite", "aws"] = Field(
        "sqlite",
        description="Where jobs live: `sqlite` (the data dir; workers on this machine) or `aws` (SQS queue "
        "and dead-letter queue, DynamoDB job table, S3 uploads: any API task answers any job).",
    )
    jobs_queue_url: str | None = Field(
        None,
        description="SQS queue of jobs waiting for a worker (a message is a job id; its visibility timeout "
        "is the lease); required for `aws`.",
    )
    jobs_dlq_url: str | None = Field(
        None,
        description="The queue's dead-letter queue (redrive after KW_JOB_MAX_ATTEMPTS receives): its jobs "
        "are marked failed with the reason; required for `aws`.",
    )
    jobs_table: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_.-]{3,255}$",
        description="DynamoDB table of jobs, their requests and their events (keys `job_id`, `seq`); "
        "required for `aws`.",
    )
    uploads_bucket: str | None = Field(
        None,
        description="S3 bucket for large job requests (`uploads/`) and, when KW_SPEECH_BUCKET is unset, "
        "recordings; required for `aws`.",
    )
    job_retention_s: int = Field(
        30 * 86_400,
        ge=3_600,
        le=365 * 86_400,
        description="AWS backend: a finished job's row, request and events are deleted (DynamoDB TTL) "
        "this long after it ends.",
    )
    max_upload_bytes: int = Field(20_000_000, ge=1_000, description="Larger transcript uploads get 413.")
    max_transcript_chars: int = Field(2_000_000, ge=100, description="Longer transcripts get 422.")

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

    # --- observability -----------------------------------------------------------------------
    service_name: str = Field(
        "knowledgeweaver", description="OpenTelemetry service.name (X-Ray segment name)."
    )
    phoenix_endpoint: str | None = Field(
        None, description="Arize Phoenix base URL, e.g. `http://127.0.0.1:6006`; spans go to `/v1/traces`."
    )
    phoenix_project: str = Field("knowledgeweaver", description="Phoenix project the spans land in.")
    phoenix_api_key: SecretStr | None = Field(
        None,
        description="Phoenix API key (a Phoenix with auth on): sent as `Authorization: Bearer` with spans "
        "and trace-link lookups; never logged.",
    )
    langfuse_host: str | None = Field(
        None, description="Langfuse URL; spans go to `/api/public/otel/v1/traces`."
    )
    langfuse_public_key: str | None = Field(None, description="Langfuse public key (Basic auth user).")
    langfuse_secret_key: SecretStr | None = Field(None, description="Langfuse secret key (never logged).")
    xray_mode: Literal["off", "otlp", "daemon"] = Field(
        "off",
        description="`otlp`: to an ADOT collector or CloudWatch agent; `daemon`: segment documents over UDP.",
    )
    xray_daemon_address: str = Field(
        "127.0.0.1:2000", description="The X-Ray daemon's UDP address (daemon mode)."
    )
    xray_otlp_endpoint: str = Field(
        "http://127.0.0.1:4318/v1/traces", description="OTLP/HTTP endpoint for X-Ray."
    )
    metrics: Literal["auto", "emf", "off"] = Field(
        "auto",
        description="CloudWatch EMF lines on stdout: `auto` = in the server and its workers (`weaver serve`, "
        "`weaver worker`), not in other CLI commands.",
    )
    trace_content: bool = Field(
        True, description="Put prompts, answers and questions on spans (off for privacy)."
    )
    trace_sample_ratio: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="Share of new traces recorded (parent-based: a caller's sampled flag in `traceparent` "
        "or `X-Amzn-Trace-Id` decides for its trace). Unsampled requests still get a trace id.",
    )

    # --- API ---------------------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address `weaver serve` binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port `weaver serve` binds.")
    api_keys: dict[str, str] = Field(
        default_factory=dict,
        repr=False,
        description='JSON object {"<key>": "<namespace>"}; namespace "*" is an admin key. Empty: auth off.',
    )
    allow_no_auth: bool = Field(
        False,
        description="Serve on a non-loopback address (KW_HOST, `--host`) with no KW_API_KEYS; without it the "
        "server refuses to start there. For a private network or when another layer authenticates.",
    )
    default_namespace: Namespace = Field(
        "default",
        description="Namespace used when a request names none (auth off, or an admin key).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="JSON log level.")

    # --- limits (README: Using the API) -------------------------------------------------------
    max_request_bytes: int = Field(
        1_000_000,
        ge=1_000,
        description="Larger request bodies get 413 before they are read (transcript and recording uploads "
        "have their own limits, KW_MAX_UPLOAD_BYTES and KW_MAX_AUDIO_BYTES).",
    )
    rate_limit_per_s: float = Field(
        50.0,
        ge=0,
        description="Requests a second, on average, that each API key (with auth off: each client address) "
        "may make to /v1; beyond it 429 with Retry-After. 0: no limit.",
    )
    rate_limit_burst: int = Field(
        100, ge=1, description="Requests a caller may make at once, above KW_RATE_LIMIT_PER_S, before 429s."
    )
    max_questions_in_flight: int = Field(
        8,
        ge=0,
        description="Questions (/v1/query, /v1/retrieve) this process answers at once (about 4 per CPU "
        "core: more only wait longer for the same cores); one more gets 503 with Retry-After at once "
        "instead of waiting in a queue. 0: no limit.",
    )
    max_queued_jobs: int = Field(
        1000, ge=1, description="Ingest jobs waiting to run; an upload beyond them gets 503 with Retry-After."
    )

    # --- build identity (set by the Docker build) ---------------------------------------------
    git_sha: str | None = Field(None, description="Commit the image was built from (`/version`).")
    built_at: str | None = Field(None, description="Build time of the image (`/version`).")

    @field_validator("api_keys", mode="before")
    @classmethod
    def _parse_api_keys(cls, value: object) -> object:
        if isinstance(value, str):
            value = json.loads(value) if value.strip() else {}
        return value

    @field_validator("api_keys")
    @classmethod
    def _check_api_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key, namespace in value.items():
            if len(key) < 16:
                raise ValueError("every API key must be at least 16 characters long")
            if not namespace:
                raise ValueError("every API key must map to a namespace (or '*' for admin)")
        return value

    @model_validator(mode="after")
    def _check_backend(self) -> Settings:
        if self.graph_backend == "neo4j" and not self.neo4j_uri:
            raise ValueError("KW_NEO4J_URI is required when KW_GRAPH_BACKEND=neo4j")
        if self.session_backend == "dynamodb" and not self.sessions_table:
            raise ValueError("KW_SESSIONS_TABLE is required when KW_SESSION_BACKEND=dynamodb")
        if self.job_backend == "aws":
            for field in ("jobs_queue_url", "jobs_dlq_url", "jobs_table", "uploads_bucket"):
                if not getattr(self, field):
                    raise ValueError(f"KW_{field.upper()} is required when KW_JOB_BACKEND=aws")
        if self.speech_provider == "transcribe" and not self.speech_bucket:
            raise ValueError("KW_SPEECH_BUCKET is required when KW_SPEECH_PROVIDER=transcribe")
        return self

    @cached_property
    def auth_enabled(self) -> bool:
        return bool(self.api_keys)


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; raise SettingsError naming the variable on bad input."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) if err["loc"] else ""
            variable = f"{ENV_PREFIX}{field.split('.')[0].upper()}" if field else "settings"
            problems.append(f"{variable}: {err['msg']}")
        raise SettingsError("invalid settings — " + "; ".join(problems)) from None
    except SourceError as exc:  # a complex value (e.g. KW_API_KEYS) that is not valid JSON
        found = re.search(r'field "(\w+)"', str(exc))
        variable = f"{ENV_PREFIX}{found.group(1).upper()}" if found else "a KW_* variable"
        raise SettingsError(f"invalid settings — {variable}: expected a JSON value") from None


def describe_settings() -> list[tuple[str, str, str]]:
    """(variable, default, description) for every setting: the README's table is generated from this."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = (
            ""
            if default is None
            else (json.dumps(default) if isinstance(default, dict | bool) else str(default))
        )
        rows.append((f"{ENV_PREFIX}{name.upper()}", shown, field.description or ""))
    return rows


def settings_table() -> str:
    """The README's settings table, in Markdown."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for variable, default, description in describe_settings():
        shown = f"`{default}`" if default else ""
        lines.append(f"| `{variable}` | {shown} | {description} |")
    return "\n".join(lines)

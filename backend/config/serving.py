"""Settings of the running service: observability, the API and its keys, limits, build identity."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

from backend.domain import Namespace


class ServingSettings(BaseModel):
    """Observability, the API, limits and build identity (`KW_*`; composed into `Settings`)."""

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

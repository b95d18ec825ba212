"""Settings of where data lives and how it goes in: storage, the graph, ingest and its jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class DataSettings(BaseModel):
    """Storage, graph behaviour, ingest and jobs (`KW_*`; composed into `Settings`)."""

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
        description="How much lower a worker process's CPU priority is than the API's (19, the lowest, "
        "also puts it in Linux's idle scheduling class: `/v1/retrieve` p95 during 20 ingests was 1.3× "
        "idle at 19, 1.9× at 10; README, Benchmarks).",
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

"""KnowledgeWeaver through its OpenAI-compatible provider: the whole ingest pipeline (chunk, extract in
~1,000-token windows, resolve, embed, write to the embedded FalkorDB), one job per transcript, all
jobs submitted at once as the API would receive them, `--parallel-docs` of them running at once
(`KW_INGEST_WORKERS`, default 4). Embeddings are local (the product's default: bge-small for chunks,
MiniLM for names, int8 ONNX on this machine's CPU) or, with BENCH_EMBEDDINGS=api, through the stand-in
like the peers' (`knowledgeweaver+api-embeddings` in run.py)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from timed_run import Clock, arguments, report, server_pids, texts

from backend.config import load_settings
from backend.ingest.pipeline import IngestRequest
from backend.runtime import open_runtime

DEFAULT_CONCURRENCY = 16  # KW_LLM_CONCURRENCY's default


async def main() -> None:
    args = arguments()
    concurrency = args.concurrency or DEFAULT_CONCURRENCY
    api_embeddings = os.environ.get("BENCH_EMBEDDINGS") == "api"
    embeddings = (
        {"embedding_provider": "openai", "embedding_model": "text-embedding-3-small"}
        if api_embeddings
        else {}
    )
    settings = load_settings(
        data_dir=Path(args.workdir), llm_provider="openai", openai_base_url=args.base_url,
        openai_api_key=args.api_key, llm_model="gpt-4o-mini", llm_concurrency=concurrency,
        ingest_workers=args.parallel_docs, metrics="off", **embeddings,
    )  # fmt: skip
    runtime = await open_runtime(settings)
    # the embedded FalkorDB server is a process of its own: its CPU is part of our work
    servers = server_pids(args.workdir)
    try:
        with Clock(servers) as clock:
            jobs = []
            for doc in texts(args.input):
                job, _ = await runtime.ingest.submit(
                    IngestRequest(namespace="bench", title=doc["name"], format="text", content=doc["text"])
                )
                jobs.append(job)
            done = [await runtime.ingest.wait(job.id) for job in jobs]
        failed = [j.error for j in done if j.status.value != "succeeded"]
        if failed:
            raise SystemExit(f"jobs failed: {failed}")
        stats = await runtime.store.stats("bench")
    finally:
        await runtime.close()
    how = "embeddings via the stand-in" if api_embeddings else "embeddings local (bge-small + MiniLM, CPU)"
    report(
        clock,
        stats.entities,
        stats.relations,
        concurrency,
        f"{how}; extraction windows ~1,000 tokens",
    )


asyncio.run(main())

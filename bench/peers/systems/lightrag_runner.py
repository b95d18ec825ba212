"""LightRAG (lightrag-hku) against the stand-in: its default storages (NetworkX graph, nano-vectordb,
JSON KV) in a fresh working dir per run (its LLM cache would otherwise answer a repeat run), its
OpenAI functions for chat and embeddings, all transcripts inserted in one `ainsert`, `--parallel-docs`
of them at once (`max_parallel_insert`, its documented knob for parallel documents; default 2)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timed_run import Clock, arguments, report, texts


async def main() -> None:
    args = arguments()
    from lightrag import LightRAG
    from lightrag.kg.shared_storage import initialize_pipeline_status
    from lightrag.llm.openai import openai_complete_if_cache, openai_embed
    from lightrag.utils import EmbeddingFunc

    async def llm(prompt, system_prompt=None, history_messages=None, **kwargs):
        return await openai_complete_if_cache(
            "gpt-4o-mini", prompt, system_prompt=system_prompt, history_messages=history_messages or [],
            base_url=args.base_url, api_key=args.api_key, **kwargs,
        )  # fmt: skip

    async def embed(texts_: list[str]):
        return await openai_embed.func(
            texts_,
            model="text-embedding-3-small",
            base_url=args.base_url,
            api_key=args.api_key,
            embedding_dim=384,
        )

    options = {"llm_model_max_async": args.concurrency} if args.concurrency else {}
    options["max_parallel_insert"] = args.parallel_docs
    rag = LightRAG(
        working_dir=args.workdir,
        llm_model_func=llm,
        embedding_func=EmbeddingFunc(embedding_dim=384, max_token_size=8192, func=embed),
        **options,
    )
    await rag.initialize_storages()
    await initialize_pipeline_status()
    docs = texts(args.input)
    with Clock() as clock:
        await rag.ainsert([d["text"] for d in docs], ids=[d["name"] for d in docs])
    nodes = await rag.chunk_entity_relation_graph.get_all_nodes()
    edges = await rag.chunk_entity_relation_graph.get_all_edges()
    await rag.finalize_storages()
    notes = (f"gleaning {rag.entity_extract_max_gleaning}, chunk {rag.chunk_token_size} tokens, "
             f"{rag.max_parallel_insert} documents at once")  # fmt: skip
    report(clock, len(nodes), len(edges), rag.llm_model_max_async, notes)


os.environ.setdefault("LIGHTRAG_TELEMETRY", "false")
asyncio.run(main())

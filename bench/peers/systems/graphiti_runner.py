"""Graphiti (graphiti-core) against the stand-in, on FalkorDB from falkordblite (embedded, unix
socket), with OpenAIGenericClient (plain chat completions + json_schema) and telemetry off.

Episodes: Graphiti does not chunk; it is made for one episode per message, which for these meetings
means hundreds of sequential `add_episode` calls. Each transcript is split here into episodes of whole
speaker turns up to ~1,200 tokens (LightRAG's chunk size), added in order with `add_episode` — its
documented API — so Graphiti sees the same amount of text per call as the others."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Clock, arguments, report, texts

EPISODE_CHARS = 4800  # ~1,200 tokens


def episodes(text: str) -> list[str]:
    out, current = [], ""
    for line in text.splitlines():
        if current and len(current) + len(line) > EPISODE_CHARS:
            out.append(current)
            current = ""
        current += line + "\n"
    return [*out, current] if current else out


async def main() -> None:
    args = arguments()
    if args.concurrency:
        os.environ["SEMAPHORE_LIMIT"] = str(args.concurrency)  # read at import: set before importing
    from graphiti_core import Graphiti
    from graphiti_core.cross_encoder.openai_reranker_client import OpenAIRerankerClient
    from graphiti_core.driver.falkordb_driver import FalkorDriver
    from graphiti_core.embedder.openai import OpenAIEmbedder, OpenAIEmbedderConfig
    from graphiti_core.helpers import SEMAPHORE_LIMIT
    from graphiti_core.llm_client.config import LLMConfig
    from graphiti_core.llm_client.openai_generic_client import OpenAIGenericClient
    from graphiti_core.nodes import EpisodeType
    from redislite.async_falkordb_client import AsyncFalkorDB

    config = LLMConfig(
        api_key=args.api_key, base_url=args.base_url, model="gpt-4o-mini", small_model="gpt-4o-mini"
    )
    falkor = AsyncFalkorDB(
        str(Path(args.workdir) / "graphiti.rdb"), serverconfig={"logfile": os.environ.get("FALKOR_LOG", "")}
    )
    graphiti = Graphiti(
        graph_driver=FalkorDriver(falkor_db=falkor),
        llm_client=OpenAIGenericClient(config=config),
        embedder=OpenAIEmbedder(
            config=OpenAIEmbedderConfig(
                api_key=args.api_key,
                base_url=args.base_url,
                embedding_model="text-embedding-3-small",
                embedding_dim=384,
            )
        ),
        cross_encoder=OpenAIRerankerClient(config=config),
    )
    await graphiti.build_indices_and_constraints()
    count = 0
    with Clock() as clock:
        for doc in texts(args.input):
            for i, body in enumerate(episodes(doc["text"])):
                await graphiti.add_episode(
                    name=f"{doc['name']}-{i}", episode_body=body, source=EpisodeType.text,
                    source_description="meeting transcript", reference_time=datetime.now(UTC),
                    group_id=doc["name"],
                )  # fmt: skip
                count += 1
    graph = falkor.select_graph("default_db")
    nodes = (await graph.query("MATCH (n:Entity) RETURN count(n)")).result_set[0][0]
    edges = (await graph.query("MATCH ()-[r:RELATES_TO]->() RETURN count(r)")).result_set[0][0]
    await graphiti.close()
    report(clock.seconds, nodes, edges, SEMAPHORE_LIMIT, f"{count} episodes of ≤1,200 tokens, sequential")


asyncio.run(main())

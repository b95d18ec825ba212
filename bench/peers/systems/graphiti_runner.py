"""Graphiti (graphiti-core) against the stand-in, on its embedded Kuzu driver, with
OpenAIGenericClient (plain chat completions + json_schema) and telemetry off.

Why Kuzu and not FalkorDB: the FalkorDB that falkordblite embeds (0.11.0 and 0.10.0) segfaults in
`QueryNode_AddChildren` on Graphiti's node-resolution query; Kuzu is Graphiti's other embedded
backend (`graphiti-core[kuzu]`) and needs no server.

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

from timed_run import Clock, arguments, report, texts

EPISODE_CHARS = 4800  # ~1,200 tokens


def episodes(text: str) -> list[str]:
    out, current = [], ""
    for line in text.splitlines():
        if current and len(current) + len(line) > EPISODE_CHARS:
            out.append(current)
            current = ""
        current += line + "\n"
    return [*out, current] if current else out


async def count_of(driver, query: str) -> int:
    records, _, _ = await driver.execute_query(query)
    return records[0]["n"]


async def main() -> None:
    args = arguments()
    if args.concurrency:
        os.environ["SEMAPHORE_LIMIT"] = str(args.concurrency)  # read at import: set before importing
    from graphiti_core import Graphiti
    from graphiti_core.cross_encoder.openai_reranker_client import OpenAIRerankerClient
    from graphiti_core.driver.kuzu_driver import KuzuDriver
    from graphiti_core.embedder.openai import OpenAIEmbedder, OpenAIEmbedderConfig
    from graphiti_core.helpers import SEMAPHORE_LIMIT
    from graphiti_core.llm_client.config import LLMConfig
    from graphiti_core.llm_client.openai_generic_client import OpenAIGenericClient
    from graphiti_core.nodes import EpisodeType

    config = LLMConfig(
        api_key=args.api_key, base_url=args.base_url, model="gpt-4o-mini", small_model="gpt-4o-mini"
    )
    driver = KuzuDriver(db=str(Path(args.workdir) / "graphiti.kuzu"))
    graphiti = Graphiti(
        graph_driver=driver,
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
    # 0.31.1's KuzuDriver makes no full-text indexes (its build step is a no-op) though its searches
    # query them: create them with Graphiti's own statements for Kuzu.
    from graphiti_core.driver.driver import GraphProvider
    from graphiti_core.graph_queries import get_fulltext_indices

    await driver.execute_query("LOAD fts")
    for statement in get_fulltext_indices(GraphProvider.KUZU):
        await driver.execute_query(statement)
    count = 0
    with Clock() as clock:
        for doc in texts(args.input):
            for i, body in enumerate(episodes(doc["text"])):
                # One graph, as KnowledgeWeaver's one namespace: a group_id per meeting fails on
                # KuzuDriver, which has no `_database` to compare it with.
                await graphiti.add_episode(
                    name=f"{doc['name']}-{i}",
                    episode_body=body,
                    source=EpisodeType.text,
                    source_description="meeting transcript",
                    reference_time=datetime.now(UTC),
                )
                count += 1
    nodes = await count_of(driver, "MATCH (n:Entity) RETURN count(n) AS n")
    # Kuzu holds Graphiti's facts as RelatesToNode_ nodes between two RELATES_TO edges
    edges = await count_of(driver, "MATCH (r:RelatesToNode_) RETURN count(r) AS n")
    await graphiti.close()
    report(clock, nodes, edges, SEMAPHORE_LIMIT, f"{count} episodes of ≤1,200 tokens, one at a time")


asyncio.run(main())

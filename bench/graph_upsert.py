"""Batch upsert throughput of the graph store on the embedded FalkorDB.

Writes a synthetic meeting corpus — chunks and entities with 384-d embeddings, mentions, relations —
through GraphStore exactly as the ingest pipeline does, and prints nodes/s and relationships/s per
operation. The baseline is the same store with one row per statement (what a naive writer does),
measured in the same process on a sample, so the ratio shows what batching buys.

    .venv/bin/python bench/graph_upsert.py [--chunks 2000] [--entities 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.config import load_settings
from backend.domain import Chunk, Entity, EntityType, Mention, Relation, Transcript
from backend.graph import open_graph_store

DIM = 384
TYPES = list(EntityType)


def vector(rng: random.Random) -> list[float]:
    v = [rng.gauss(0, 1) for _ in range(DIM)]
    norm = sum(x * x for x in v) ** 0.5
    return [x / norm for x in v]


def corpus(ns: str, n_chunks: int, n_entities: int, seed: int = 7):
    rng = random.Random(seed)
    t = Transcript(id=Transcript.id_for(ns, ns), namespace=ns, title="bench", content_hash=ns)
    chunks = [
        Chunk(
            id=Chunk.id_for(ns, t.id, i),
            namespace=ns,
            transcript_id=t.id,
            index=i,
            text=f"speaker {i % 4} talks about topic {i % 97} and the remote control battery " * 4,
            start_s=i * 20.0,
            end_s=i * 20.0 + 19.0,
            speakers=[f"Speaker {i % 4}"],
            turn_start=i * 3,
            turn_end=i * 3 + 2,
            token_count=60,
            embedding=vector(rng),
        )
        for i in range(n_chunks)
    ]
    entities = [
        Entity(
            id=Entity.id_for(ns, TYPES[i % len(TYPES)], f"entity {i}"),
            namespace=ns,
            name=f"entity {i}",
            type=TYPES[i % len(TYPES)],
            aliases=[f"e{i}"],
            embedding=vector(rng),
        )
        for i in range(n_entities)
    ]
    mentions = {
        (entities[rng.randrange(n_entities)].id, chunks[rng.randrange(n_chunks)].id)
        for _ in range(3 * n_chunks)
    }
    mention_rows = [Mention(entity_id=e, chunk_id=c, count=rng.randint(1, 3)) for e, c in mentions]
    pairs = {(rng.randrange(n_entities), rng.randrange(n_entities)) for _ in range(2 * n_entities)}
    relations = [
        Relation(
            namespace=ns,
            source_id=entities[a].id,
            target_id=entities[b].id,
            type="RELATED_TO",
            evidence_chunk_ids=[chunks[rng.randrange(n_chunks)].id],
        )
        for a, b in pairs
        if a != b
    ]
    return t, chunks, entities, mention_rows, relations


async def measure(store, ns: str, n_chunks: int, n_entities: int) -> list[tuple[str, int, float]]:
    t, chunks, entities, mentions, relations = corpus(ns, n_chunks, n_entities)
    await store.upsert_transcripts([t])
    results = []
    for name, op, rows in (
        ("chunks (nodes, 384-d)", store.upsert_chunks, chunks),
        ("entities (nodes, 384-d)", store.upsert_entities, entities),
        ("mentions (rels)", store.upsert_mentions, mentions),
        ("relations (rels)", store.upsert_relations, relations),
    ):
        started = time.perf_counter()
        await op(rows)
        results.append((name, len(rows), time.perf_counter() - started))
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--entities", type=int, default=2000)
    parser.add_argument(
        "--baseline-sample", type=int, default=200, help="rows per operation for batch size 1"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        batched = await open_graph_store(load_settings(data_dir=tmp, write_batch_size=500))
        single = await open_graph_store(load_settings(data_dir=tmp, write_batch_size=1))
        try:
            fast = await measure(batched, "batched", args.chunks, args.entities)
            sample = args.baseline_sample
            slow = await measure(single, "single", sample, sample)
        finally:
            await single.close()
            await batched.close()
    print(f"\nGraphStore upserts on embedded FalkorDB ({args.chunks} chunks, {args.entities} entities)\n")
    print("| operation | rows | seconds | rows/s (batch 500) | rows/s (batch 1) | speed-up |")
    print("|---|---:|---:|---:|---:|---:|")
    for (name, rows, secs), (_, base_rows, base_secs) in zip(fast, slow, strict=True):
        rate, base = rows / secs, base_rows / base_secs
        print(f"| {name} | {rows} | {secs:.2f} | {rate:,.0f} | {base:,.0f} | {rate / base:.1f}× |")
    nodes = sum(r for n, r, _ in fast[:2]) / sum(s for _, _, s in fast[:2])
    rels = sum(r for n, r, _ in fast[2:]) / sum(s for _, _, s in fast[2:])
    print(f"\nnodes/s: {nodes:,.0f}   relationships/s: {rels:,.0f}")


if __name__ == "__main__":
    asyncio.run(main())

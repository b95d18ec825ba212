"""Latency of `POST /v1/retrieve` (hybrid: vector + full-text + graph, offline embedder) on synthetic
graphs of growing size, over real HTTP, printed as a table (a benchmark, not a test); then the same
questions each asked within one meeting (`transcripts`: 100 chunks of the namespace's).

Each graph has a realistic shape: one chunk per 5 entities, each chunk mentioning 4 entities, each
entity related to ~3 others, names drawn from a shared vocabulary so full-text and entity linking
have real work to do, and random unit embeddings (the kNN does the same work as with real ones).

    .venv/bin/python bench/retrieve.py [--sizes 1000,10000,100000] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.config import load_settings  # noqa: E402
from backend.domain import Chunk, Entity, EntityType, Mention, Relation, Transcript  # noqa: E402
from backend.embed.bge import BgeSmallEmbedder  # noqa: E402
from backend.embed.minilm import MiniLMEmbedder  # noqa: E402
from backend.graph import open_graph_store  # noqa: E402
from tests.support.live_server import live_server  # noqa: E402

WORDS = (
    "battery remote control design budget pilot container shipment alert sensor firmware export dashboard "
    "warehouse supplier contract renewal insurance price margin launch office customer driver route port "
    "schedule meeting review quarter revenue forecast probe temperature report release feature roadmap"
).split()
FIRST = "Ana Ben Carla Dev Eli Fay Gus Hana Ivo Jon Kai Lena Mo Nia Oto Pia Raj Sven Tia Uma".split()
LAST = "Chen Okafor Raman Larsen Silva Fischer Berg Bello Novak Kim Moreau Ito Rossi Haas".split()
ORGS = "Northwind Voltra Acme Globex Initech Umbrella Stark Wayne Cyberdyne Hooli".split()
DIM = 384


def unit(rng: random.Random) -> list[float]:
    v = [rng.gauss(0, 1) for _ in range(DIM)]
    n = sum(x * x for x in v) ** 0.5
    return [x / n for x in v]


def name(i: int, rng: random.Random) -> tuple[str, EntityType]:
    kind = i % 3
    if kind == 0:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}", EntityType.PERSON
    if kind == 1:
        return f"{rng.choice(ORGS)} {rng.choice(WORDS).title()} {i}", EntityType.ORGANIZATION
    return f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}", EntityType.CONCEPT


async def build(store, ns: str, n_entities: int, seed: int = 11) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    n_chunks = max(1, n_entities // 5)
    transcripts = [
        Transcript(
            id=Transcript.id_for(ns, f"t{i}"), namespace=ns, title=f"meeting {i}", content_hash=f"t{i}"
        )
        for i in range(max(1, n_chunks // 100))
    ]
    await store.upsert_transcripts(transcripts)
    entities = []
    for i in range(n_entities):
        label, kind = name(i, rng)
        entities.append(
            Entity(
                id=Entity.id_for(ns, kind, label), namespace=ns, name=label, type=kind, embedding=unit(rng)
            )
        )
    for start in range(0, n_entities, 2000):
        await store.upsert_entities(entities[start : start + 2000])
    chunks, mentions = [], []
    for i in range(n_chunks):
        t = transcripts[i % len(transcripts)]
        picked = rng.sample(entities, 4)
        text = " ".join(
            f"{p.name.rsplit(' ', 1)[0]} talked about the {rng.choice(WORDS)} and the {rng.choice(WORDS)}."
            for p in picked
        )
        chunk = Chunk(id=Chunk.id_for(ns, t.id, i), namespace=ns, transcript_id=t.id, index=i, text=text,
                      speakers=[picked[0].name], turn_start=i, turn_end=i, embedding=unit(rng))  # fmt: skip
        chunks.append(chunk)
        mentions += [Mention(entity_id=p.id, chunk_id=chunk.id, count=1) for p in picked]
    for start in range(0, n_chunks, 2000):
        await store.upsert_chunks(chunks[start : start + 2000])
    await store.upsert_mentions(mentions)
    relations = []
    for e in entities:
        for other in rng.sample(entities, 3):
            if other.id != e.id:
                relations.append(Relation(namespace=ns, source_id=e.id, target_id=other.id, type="RELATED_TO",
                                          evidence_chunk_ids=[rng.choice(chunks).id]))  # fmt: skip
    await store.upsert_relations(relations)
    return [e.name.rsplit(" ", 1)[0] for e in rng.sample(entities, 50)], [t.id for t in transcripts]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings(data_dir=tmp, write_batch_size=1000)
            store = await open_graph_store(settings)
            # synthetic vectors, written as if by the default models (the runtime checks the graph's record)
            await store.vector_models(BgeSmallEmbedder.name, MiniLMEmbedder.name)
            started = time.perf_counter()
            subjects, transcripts = await build(store, "bench", size)
            build_s = time.perf_counter() - started
            with live_server(settings) as api:  # the server runs in its own thread: a blocking client is fine
                rng = random.Random(5)
                questions = [
                    f"What did {rng.choice(subjects)} say about the {rng.choice(WORDS)}?"
                    for _ in range(args.requests)
                ]
                with httpx.Client(base_url=api, timeout=30) as client:
                    for q in questions[:10]:  # warm-up: caches, connections, the model's first batch
                        client.post("/v1/retrieve", json={"question": q, "namespace": "bench"})  # noqa: ASYNC212
                    latencies, parts, within = [], {}, []
                    for q in questions:
                        t0 = time.perf_counter()
                        body = client.post("/v1/retrieve", json={"question": q, "namespace": "bench"}).json()  # noqa: ASYNC212
                        latencies.append((time.perf_counter() - t0) * 1000)
                        for k, v in body["timings_ms"].items():
                            parts.setdefault(k, []).append(v)
                    for q in questions:  # the same questions, each within one meeting (`transcripts`)
                        one = [rng.choice(transcripts)]
                        asked = {"question": q, "namespace": "bench", "transcripts": one}
                        t0 = time.perf_counter()
                        client.post("/v1/retrieve", json=asked).raise_for_status()  # noqa: ASYNC212
                        within.append((time.perf_counter() - t0) * 1000)
            await store.close()
        rows.append((size, build_s, latencies, {k: statistics.median(v) for k, v in parts.items()}, within))
        print(f"built {size:,} entities in {build_s:.0f} s", file=sys.stderr)
    head = "| entities | chunks | p50 ms | p95 ms | within one meeting p50 / p95 ms | median per step (ms) |"
    print("\n" + head)
    print("|---:|---:|---:|---:|---:|---|")
    for size, _, latencies, parts, within in rows:
        steps = ", ".join(f"{k} {v:.1f}" for k, v in parts.items())
        p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
        scoped = f"{percentile(within, 0.5):.1f} / {percentile(within, 0.95):.1f}"
        print(f"| {size:,} | {size // 5:,} | {p50:.1f} | {p95:.1f} | {scoped} | {steps} |")


if __name__ == "__main__":
    asyncio.run(main())

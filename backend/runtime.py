"""Everything a running KnowledgeWeaver holds open — graph, models, job store, workers — built from
Settings in one place and closed in one place. The API's lifespan and the CLI both use it."""

from __future__ import annotations

from dataclasses import dataclass

from backend.config import Settings
from backend.embed.factory import build_embedder
from backend.graph import GraphStore, open_graph_store
from backend.ingest.events import JobEvents
from backend.ingest.jobs import JobStore
from backend.ingest.pipeline import Services
from backend.ingest.worker import IngestWorker
from backend.llm.factory import build_cache, build_extractor
from backend.retrieve.factory import build_answerer
from backend.retrieve.service import Retriever
from backend.speech.factory import build_transcriber
from backend.speech.storage import AudioStore


@dataclass
class Runtime:
    settings: Settings
    store: GraphStore
    jobs: JobStore
    events: JobEvents
    ingest: IngestWorker
    retriever: Retriever
    answerer: object  # ExtractiveAnswerer | GeneratedAnswerer: `stream(question, evidence)`
    audio_store: AudioStore

    async def close(self) -> None:
        await self.ingest.stop()
        self.jobs.close()
        await self.store.close()


async def open_runtime(settings: Settings, *, start_workers: bool = True) -> Runtime:
    embedder = build_embedder(settings)
    cache = build_cache(settings)
    extractor = build_extractor(settings, cache)
    answerer = build_answerer(settings, embedder, cache)
    store = await open_graph_store(settings)
    try:
        jobs = JobStore(settings.data_dir / "jobs.sqlite3")
        events = JobEvents()
        audio_store = AudioStore(settings)
        services = Services(
            settings=settings,
            store=store,
            embedder=embedder,
            extractor=extractor,
            transcriber=build_transcriber(settings, audio_store),
        )
        worker = IngestWorker(services, jobs, events, workers=settings.ingest_workers)
        if start_workers:
            await worker.start()
    except Exception:
        await store.close()
        raise
    return Runtime(
        settings=settings,
        store=store,
        jobs=jobs,
        events=events,
        ingest=worker,
        retriever=Retriever(store, embedder),
        answerer=answerer,
        audio_store=audio_store,
    )

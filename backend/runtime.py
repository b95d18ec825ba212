"""Everything a running KnowledgeWeaver holds open — graph, models, job store, workers — built from
Settings in one place and closed in one place. The API's lifespan and the CLI both use it."""

from __future__ import annotations

from dataclasses import dataclass

from backend.config import Settings, SettingsError
from backend.conversation.factory import build_resolver, build_session_store
from backend.conversation.hops import HopRetriever
from backend.conversation.service import Conversations
from backend.conversation.store import SessionStore
from backend.embed.factory import Embedders, build_embedders
from backend.embed.vector_cache import VectorCache, with_cache
from backend.graph import GraphStore, open_graph_store
from backend.ingest.events import JobEvents
from backend.ingest.job_store import JobStore
from backend.ingest.pipeline import Services
from backend.ingest.worker import IngestWorker
from backend.llm.factory import build_cache, build_extractor, build_llm
from backend.retrieve.answer import Answerer
from backend.retrieve.factory import build_answerer, offline_answerer
from backend.retrieve.rerank import CrossEncoderReranker
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
    retriever: HopRetriever
    answerer: Answerer
    audio_store: AudioStore
    sessions: SessionStore
    conversations: Conversations
    vector_cache: VectorCache | None = None

    async def close(self) -> None:
        await self.ingest.stop()
        self.jobs.close()
        self.sessions.close()
        if self.vector_cache is not None:
            self.vector_cache.close()
        await self.store.close()


async def _check_vector_models(settings: Settings, store: GraphStore, embedders: Embedders) -> None:
    """Refuse a graph whose vectors another model made: its searches would return noise, silently."""
    wanted = (embedders.passages.name, embedders.names.name)
    found = await store.vector_models(*wanted)
    if found is None and settings.embedding_provider == "local":
        found = ("all-MiniLM-L6-v2-int8", "all-MiniLM-L6-v2-int8")  # every graph before the record
    if found is not None and found != wanted:
        raise SettingsError(
            f"the graph's vectors were made by {found[0]} (passages) and {found[1]} (names), but these "
            f"settings embed with {wanted[0]} and {wanted[1]}: use a new KW_DATA_DIR (or delete "
            f"{settings.data_dir}) and ingest again, or, for a graph made before bge-small, set "
            "KW_EMBEDDING_MODEL=all-MiniLM-L6-v2"
        )


def _job_store(settings: Settings) -> JobStore:
    """KW_JOB_BACKEND: the data dir's SQLite (one machine), or SQS + DynamoDB + S3 (any task, any job)."""
    if settings.job_backend == "aws":
        from backend.ingest.aws_jobs import AwsJobStore

        return AwsJobStore.from_settings(settings)
    from backend.ingest.sqlite_jobs import SqliteJobStore

    return SqliteJobStore(settings.data_dir / "jobs.sqlite3")


async def open_runtime(settings: Settings, *, start_workers: bool = True) -> Runtime:
    embedders = build_embedders(settings)
    cache = build_cache(settings)
    extractor = build_extractor(settings, cache)
    # one chain for answers and follow-up resolution: they share its concurrency and rate limits
    llm = None if settings.llm_provider == "offline" else build_llm(settings, cache)
    answerer = build_answerer(embedders.names, llm)
    # A graph that does not answer yet (Neo4j restarting, its nightly dump) does not stop a start: the
    # process serves, /readyz says not ready, and the schema and this check run once the graph answers.
    store = await open_graph_store(
        settings,
        wait_for_graph=True,
        on_ready=lambda opened: _check_vector_models(settings, opened, embedders),
    )
    try:
        jobs = _job_store(settings)
        events = JobEvents(jobs)
        audio_store = AudioStore(settings)
        vector_cache = (
            VectorCache(settings.data_dir / "embeddings.sqlite3") if settings.embedding_cache else None
        )
        ingesting = with_cache(embedders, vector_cache) if vector_cache else embedders
        services = Services(
            settings=settings,
            store=store,
            embedder=ingesting.passages,
            name_embedder=ingesting.names,
            extractor=extractor,
            transcriber=build_transcriber(settings, audio_store),
        )
        worker = IngestWorker(
            services,
            jobs,
            events,
            workers=settings.ingest_workers,
            lease_s=settings.job_lease_s,
            max_attempts=settings.job_max_attempts,
        )
        sessions = build_session_store(settings)
        if start_workers:
            await worker.start()
    except Exception:
        await store.close()
        raise
    retriever = HopRetriever(
        Retriever(
            store,
            embedders.passages,
            embedders.names,
            reranker=CrossEncoderReranker() if settings.rerank_top else None,
            rerank_top=settings.rerank_top,
        ),
        store,
        offline_answerer(answerer, embedders.names),
    )
    return Runtime(
        settings=settings,
        store=store,
        jobs=jobs,
        events=events,
        ingest=worker,
        retriever=retriever,
        answerer=answerer,
        audio_store=audio_store,
        sessions=sessions,
        conversations=Conversations(
            sessions, build_resolver(settings, store, llm), retriever, answerer, store
        ),
        vector_cache=vector_cache,
    )

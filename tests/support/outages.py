"""Databases that go away under a running API: a graph with vectors to search, an HTTP client that
checks every answer is a success or a 503 a caller may retry, and a Neo4j brought back on its home."""

from __future__ import annotations

import random
import threading
from collections import Counter

import httpx
import neo4j

from backend.config import Settings
from backend.domain import Chunk, Entity, EntityType, Transcript, content_hash
from backend.embed.factory import build_embedders
from backend.graph import open_graph_store
from backend.graph.neo4j_local import LocalNeo4j

WORDS = "budget remote control design meeting battery screen buttons interface marketing".split()


async def write_graph(settings: Settings, namespace: str, meetings: int, chunks_each: int = 100) -> None:
    """`meetings` transcripts of `chunks_each` chunks (random words, random vectors of the settings'
    size) and 20 entities each, with the vector models these settings embed with recorded, so an API
    on these settings opens the graph and searches its indexes."""
    rng = random.Random(7)

    def vector() -> list[float]:
        return [rng.uniform(-1, 1) for _ in range(settings.embedding_dim)]

    embedders = build_embedders(settings)
    store = await open_graph_store(settings)
    try:
        await store.vector_models(embedders.passages.name, embedders.names.name)
        for m in range(meetings):
            digest = content_hash(f"{namespace} meeting {m}")
            ident = Transcript.id_for(namespace, digest)
            transcript = Transcript(id=ident, namespace=namespace, title=f"M{m}", content_hash=digest)
            await store.upsert_transcripts([transcript])
            await store.upsert_chunks(
                [
                    Chunk(
                        id=Chunk.id_for(namespace, transcript.id, i),
                        namespace=namespace,
                        transcript_id=transcript.id,
                        index=i,
                        text=" ".join(rng.choice(WORDS) for _ in range(40)),
                        start_s=i * 10.0,
                        end_s=i * 10.0 + 9.0,
                        speakers=["Alice" if i % 2 else "Bob"],
                        turn_start=i,
                        turn_end=i,
                        token_count=40,
                        embedding=vector(),
                    )
                    for i in range(chunks_each)
                ]
            )
            await store.upsert_entities(
                [
                    Entity(
                        id=Entity.id_for(namespace, EntityType.PERSON, f"person {m} {i}"),
                        namespace=namespace,
                        name=f"person {m} {i}",
                        type=EntityType.PERSON,
                        embedding=vector(),
                    )
                    for i in range(20)
                ]
            )
    finally:
        await store.close()


class Answers:
    """Every answer the API gave while a database was away; `check` fails on any that is neither a
    200 nor a 503 with Retry-After and the error envelope."""

    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()
        self.sequence: list[int] = []  # the statuses in the order they came
        self.wrong: list[str] = []
        self._lock = threading.Lock()

    def record(self, response: httpx.Response) -> int:
        status = response.status_code
        problem = None
        if status == 503:
            body = response.json()
            if "retry-after" not in response.headers or set(body) != {"error"}:
                problem = f"503 without Retry-After or the envelope: {response.headers} {body}"
            elif not {"code", "message", "details"} <= set(body["error"]):
                problem = f"503 with an incomplete envelope: {body}"
        elif status != 200:
            problem = f"{status} {response.text[:500]}"
        with self._lock:
            self.statuses[status] += 1
            self.sequence.append(status)
            if problem:
                self.wrong.append(f"{response.request.method} {response.request.url.path}: {problem}")
        return status

    def check(self) -> None:
        assert not self.wrong, f"{len(self.wrong)} answers were neither 200 nor a retryable 503 " + (
            f"(statuses {dict(self.statuses)}): {self.wrong[:5]}"
        )


# The user the API under test signs in as on a Neo4j that restarts (see `ready_to_restart`)
API_USER, API_PASSWORD = "kw_outage", "kw-outage-test-password"


def add_api_user(server: LocalNeo4j) -> tuple[str, str]:
    """(user, password) of a user of this server's own for the API under test (Neo4j community: every
    user may do everything)."""
    with neo4j.GraphDatabase.driver(server.uri, auth=("neo4j", server.password)) as driver:
        driver.execute_query(
            "CREATE USER $user IF NOT EXISTS SET PASSWORD $password CHANGE NOT REQUIRED",
            user=API_USER,
            password=API_PASSWORD,
            database_="system",
        )
    return API_USER, API_PASSWORD


def ready_to_restart(server: LocalNeo4j) -> None:
    """Let the next `server.start()` of this home succeed: call it while the server runs, before it is
    killed or stopped.

    The launcher (tools/neo4j, LocalNeo4j.java) sets user neo4j's password at every start, and Neo4j
    refuses to set the password a user already has ("Old password and new password cannot be the
    same"), so a second start of a home never says `ready`. Setting neo4j's password aside here lets
    that start set it again; the API under test signs in as `API_USER`, whom no start touches."""
    with neo4j.GraphDatabase.driver(server.uri, auth=("neo4j", server.password)) as driver:
        driver.execute_query(
            "ALTER CURRENT USER SET PASSWORD FROM $old TO $new",
            old=server.password,
            new=server.password + "-until-restart",
            database_="system",
        )

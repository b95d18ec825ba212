"""Both session stores — SQLite (local default) and DynamoDB (through the real boto3, against the
moto server) — behave the same: history kept in order and bounded, expiry after the idle time,
deletes, concurrent appends that both land, and sessions that outlive the store object (a restart)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from backend.conversation.session import Turn
from backend.conversation.store import SessionPolicy
from backend.domain import Citation

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", "dynamodb"])
def open_store(request, tmp_path, clock):
    """A function that opens the store (again, as after a restart) with the given policy."""
    opened = []
    if request.param == "sqlite":
        from backend.conversation.sqlite_store import SqliteSessionStore

        def open_(max_turns: int = 3, ttl: int = 600):
            store = SqliteSessionStore(tmp_path / "sessions.sqlite3", SessionPolicy(ttl, max_turns, clock))
            opened.append(store)
            return store
    else:
        aws = request.getfixturevalue("aws")
        from backend.conversation.dynamodb_store import DynamoSessionStore, table_definition

        client = aws.client("dynamodb")
        table = f"sessions-{uuid.uuid4().hex[:8]}"
        client.create_table(**table_definition(table))
        client.update_time_to_live(
            TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
        )

        def open_(max_turns: int = 3, ttl: int = 600):
            store = DynamoSessionStore(table, SessionPolicy(ttl, max_turns, clock), aws.client("dynamodb"))
            opened.append(store)
            return store

    yield open_
    for store in opened:
        store.close()


def turn(question: str, answer: str = "an answer [1]") -> Turn:
    citation = Citation(
        transcript_id="tr_1", title="standup", chunk_id="ch_1", text="Lena Fischer: About a week.",
        speakers=["Lena Fischer"], start_s=44.0, end_s=51.0, turn_start=5, turn_end=6, score=0.5,
    )  # fmt: skip
    return Turn(
        index=1, question=question, standalone_question=question, answer=answer, mode="extractive",
        citations=[citation],
    )  # fmt: skip


async def test_a_session_keeps_its_turns_in_order_and_survives_a_restart(open_store):
    store = open_store()
    session = await store.create("team-a")
    assert session.id.startswith("ses_") and session.namespace == "team-a" and session.turns == []
    await store.append(session.id, turn("What does Northwind want?"))
    await store.append(session.id, turn("And who is building the export for them?"))
    store.close()

    again = await open_store().get(session.id)
    assert [t.question for t in again.turns] == [
        "What does Northwind want?",
        "And who is building the export for them?",
    ]
    assert [t.index for t in again.turns] == [1, 2] and again.turn_count == 2
    assert again.turns[0].citations[0].text == "Lena Fischer: About a week."
    assert again.namespace == "team-a"


async def test_history_is_bounded_to_the_last_turns(open_store):
    store = open_store(max_turns=3)
    session = await store.create("ns")
    for n in range(1, 6):
        await store.append(session.id, turn(f"question {n}"))
    kept = await store.get(session.id)
    assert [t.question for t in kept.turns] == ["question 3", "question 4", "question 5"]
    assert [t.index for t in kept.turns] == [3, 4, 5] and kept.turn_count == 5


async def test_a_session_expires_after_the_idle_time_and_each_question_pushes_that_out(open_store, clock):
    store = open_store(ttl=600)
    session = await store.create("ns")
    clock.advance(500)
    assert await store.append(session.id, turn("still here?")) is not None  # 500 s idle: alive, renewed
    clock.advance(500)
    alive = await store.get(session.id)
    assert alive is not None and alive.expires_at == clock.now + timedelta(seconds=100)
    clock.advance(101)
    assert await store.get(session.id) is None
    assert await store.append(session.id, turn("too late")) is None
    assert await store.delete(session.id) is False


async def test_expired_sessions_are_gone_from_the_storage_too(open_store, clock, request):
    store = open_store(ttl=60)
    old = await store.create("ns")
    clock.advance(61)
    await store.create("ns")  # SQLite sweeps expired rows when a session starts
    if store.name == "sqlite":
        rows = store._db.execute("SELECT id FROM sessions").fetchall()
        assert old.id not in {r["id"] for r in rows}
    else:  # DynamoDB's TTL deletes the item itself; the table must name the attribute it reads
        aws = request.getfixturevalue("aws")
        ttl = aws.client("dynamodb").describe_time_to_live(TableName=store.table)["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
        item = aws.client("dynamodb").get_item(TableName=store.table, Key={"session_id": {"S": old.id}})[
            "Item"
        ]
        assert int(item["expires_at"]["N"]) <= int(clock.now.timestamp())


async def test_delete_ends_a_session(open_store):
    store = open_store()
    session = await store.create("ns")
    assert await store.delete(session.id) is True
    assert await store.get(session.id) is None
    assert await store.delete(session.id) is False
    assert await store.get("ses_" + "0" * 32) is None


async def test_concurrent_appends_all_land(open_store):
    store = open_store(max_turns=20)
    session = await store.create("ns")
    await asyncio.gather(*(store.append(session.id, turn(f"q{n}")) for n in range(8)))
    kept = await store.get(session.id)
    assert sorted(t.question for t in kept.turns) == sorted(f"q{n}" for n in range(8))
    assert sorted(t.index for t in kept.turns) == list(range(1, 9)) and kept.turn_count == 8


async def test_ping(open_store):
    assert await open_store().ping() is True

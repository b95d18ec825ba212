"""The session store port, and the rules both stores share: ids, idle expiry, bounded history.

A store keeps whole sessions; what a session may hold and when it is gone is decided here, once, so the
SQLite store (local default) and the DynamoDB store (AWS) behave the same — one test suite runs on both.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from pydantic import TypeAdapter

from .session import Session, Turn

_TURNS = TypeAdapter(list[Turn])


class SessionStore(Protocol):
    name: str  # "sqlite" | "dynamodb": readiness and logs say which

    async def create(self, namespace: str) -> Session: ...

    async def get(self, session_id: str) -> Session | None:
        """The session, or None when there is none or it has expired."""
        ...

    async def append(self, session_id: str, turn: Turn) -> Session | None:
        """Add a turn (the oldest beyond the bound are dropped) and push the expiry out; None when the
        session is gone. Two appends at once both land (each is one atomic step)."""
        ...

    async def delete(self, session_id: str) -> bool: ...

    async def ping(self) -> bool: ...

    def close(self) -> None: ...


def new_session_id() -> str:
    """128 random bits: a session id cannot be guessed."""
    return "ses_" + secrets.token_hex(16)


@dataclass(frozen=True)
class SessionPolicy:
    idle_ttl_s: int
    max_turns: int
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def now(self) -> datetime:
        return self.clock()

    def expiry(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.idle_ttl_s)

    def start(self, namespace: str) -> Session:
        now = self.now()
        return Session(
            id=new_session_id(),
            namespace=namespace,
            created_at=now,
            updated_at=now,
            expires_at=self.expiry(now),
        )

    def expired(self, session: Session) -> bool:
        return session.expires_at <= self.now()

    def with_turn(self, session: Session, turn: Turn) -> Session:
        """The session after `turn`: numbered, the history bounded, the expiry pushed out."""
        now = self.now()
        numbered = turn.model_copy(update={"index": session.turn_count + 1})
        return session.model_copy(
            update={
                "turns": [*session.turns, numbered][-self.max_turns :],
                "turn_count": session.turn_count + 1,
                "updated_at": now,
                "expires_at": self.expiry(now),
            }
        )


def encode_turns(turns: list[Turn]) -> bytes:
    return _TURNS.dump_json(turns)


def decode_turns(data: bytes | str) -> list[Turn]:
    return _TURNS.validate_json(data)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch(seconds: int | float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)

"""Conversations in DynamoDB: on AWS, where API tasks come and go and any of them must answer any
session. One item per session (partition key `session_id`), its recent turns compressed in one binary
attribute, `expires_at` the table's TTL attribute (epoch seconds). The table is Terraform's
(`terraform/modules/sessions`); this module only reads and writes items.

- **Expiry**: DynamoDB deletes expired items within a day or two, not at the second, so every read
  treats an item past `expires_at` as gone.
- **Concurrent appends**: each write is conditional on the `version` it read; a lost race reads again
  and retries, so two questions asked at once both land.
- **Size**: an item holds at most 400 KB. Turns beyond KW_SESSION_MAX_TURNS are dropped first; if the
  compressed history is still too big, the oldest kept turns go too.
"""

from __future__ import annotations

import asyncio
import zlib

from backend.errors import ProviderUnavailable

from .session import Session, Turn
from .store import SessionPolicy, decode_turns, encode_turns, epoch, from_epoch

PARTITION_KEY = "session_id"
TTL_ATTRIBUTE = "expires_at"
MAX_TURNS_BYTES = 350_000  # of the item's 400 KB, leaving room for the other attributes
_APPEND_ATTEMPTS = 8


def table_definition(name: str) -> dict:
    """`CreateTable` arguments matching the Terraform table: for local stand-ins and tests."""
    return {
        "TableName": name,
        "KeySchema": [{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": PARTITION_KEY, "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }


def dynamodb_client(settings):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "dynamodb",
        region_name=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url,
        config=Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=10),
    )


def _pack(turns: list[Turn]) -> tuple[bytes, list[Turn]]:
    """The turns compressed, dropping the oldest until they fit in an item."""
    while True:
        packed = zlib.compress(encode_turns(turns), 6)
        if len(packed) <= MAX_TURNS_BYTES or len(turns) <= 1:
            return packed, turns
        turns = turns[1:]


def _item(session: Session, version: int) -> tuple[dict, Session]:
    packed, kept = _pack(session.turns)
    item = {
        PARTITION_KEY: {"S": session.id},
        "namespace": {"S": session.namespace},
        "created_at": {"N": str(session.created_at.timestamp())},
        "updated_at": {"N": str(session.updated_at.timestamp())},
        TTL_ATTRIBUTE: {"N": str(epoch(session.expires_at))},
        "turn_count": {"N": str(session.turn_count)},
        "version": {"N": str(version)},
        "turns": {"B": packed},
    }
    return item, session.model_copy(update={"turns": kept})


def _session(item: dict) -> tuple[Session, int]:
    session = Session(
        id=item[PARTITION_KEY]["S"],
        namespace=item["namespace"]["S"],
        created_at=from_epoch(float(item["created_at"]["N"])),
        updated_at=from_epoch(float(item["updated_at"]["N"])),
        expires_at=from_epoch(int(item[TTL_ATTRIBUTE]["N"])),
        turn_count=int(item["turn_count"]["N"]),
        turns=decode_turns(zlib.decompress(item["turns"]["B"])),
    )
    return session, int(item["version"]["N"])


class DynamoSessionStore:
    name = "dynamodb"

    def __init__(self, table: str, policy: SessionPolicy, client) -> None:
        self.table, self.policy, self._client = table, policy, client

    def _call(self, operation: str, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise
            raise ProviderUnavailable(
                f"the session table {self.table!r} could not be used: {exc.response['Error']['Code']}"
            ) from exc
        except BotoCoreError as exc:
            raise ProviderUnavailable(f"DynamoDB did not answer: {type(exc).__name__}") from exc

    def _read(self, session_id: str) -> tuple[Session, int] | None:
        found = self._call(
            "get_item", TableName=self.table, Key={PARTITION_KEY: {"S": session_id}}, ConsistentRead=True
        ).get("Item")
        if not found:
            return None
        session, version = _session(found)
        return None if self.policy.expired(session) else (session, version)

    def _create(self, namespace: str) -> Session:
        session = self.policy.start(namespace)
        item, session = _item(session, version=1)
        self._call(
            "put_item",
            TableName=self.table,
            Item=item,
            ConditionExpression="attribute_not_exists(#id)",
            ExpressionAttributeNames={"#id": PARTITION_KEY},
        )
        return session

    def _get(self, session_id: str) -> Session | None:
        found = self._read(session_id)
        return found[0] if found else None

    def _append(self, session_id: str, turn: Turn) -> Session | None:
        from botocore.exceptions import ClientError

        for _ in range(_APPEND_ATTEMPTS):
            found = self._read(session_id)
            if found is None:
                return None
            session, version = found
            item, updated = _item(self.policy.with_turn(session, turn), version + 1)
            try:
                self._call(
                    "put_item",
                    TableName=self.table,
                    Item=item,
                    ConditionExpression="#v = :v",
                    ExpressionAttributeNames={"#v": "version"},
                    ExpressionAttributeValues={":v": {"N": str(version)}},
                )
                return updated
            except ClientError:  # another append won the race (or a delete): read again
                continue
        raise ProviderUnavailable(f"session {session_id} is being written by too many requests at once")

    def _delete(self, session_id: str) -> bool:
        if self._read(session_id) is None:
            return False
        self._call("delete_item", TableName=self.table, Key={PARTITION_KEY: {"S": session_id}})
        return True

    def _ping(self) -> bool:
        table = self._call("describe_table", TableName=self.table)["Table"]
        return table.get("TableStatus") in ("ACTIVE", "UPDATING")

    async def create(self, namespace: str) -> Session:
        return await asyncio.to_thread(self._create, namespace)

    async def get(self, session_id: str) -> Session | None:
        return await asyncio.to_thread(self._get, session_id)

    async def append(self, session_id: str, turn: Turn) -> Session | None:
        return await asyncio.to_thread(self._append, session_id, turn)

    async def delete(self, session_id: str) -> bool:
        return await asyncio.to_thread(self._delete, session_id)

    async def ping(self) -> bool:
        return await asyncio.to_thread(self._ping)

    def close(self) -> None:
        self._client.close()

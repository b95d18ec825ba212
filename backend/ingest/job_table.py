"""The DynamoDB jobs table of the AWS job store: its layout, and jobs to and from its items.

One table, partition key `job_id`, sort key `seq`, so everything about a job is one partition:
- `seq = 0`: the job (status, stage, progress, lease owner and expiry, attempts, result, …), small, so
  reading it (every `GET /v1/jobs/{id}`) costs one read unit;
- `seq = -1`: its request (the transcript, inline up to `INLINE_REQUEST_BYTES`, else the S3 key of it);
- `seq ≥ 1`: its events in order, the rows an SSE follower reads after the last one it saw.
A keys-only index on `transcript_key` (namespace + transcript id) finds a transcript's newest job; it
holds job rows only (the other rows lack the attribute). Every row gets `expires_at` (the TTL
attribute, epoch seconds) once it is history: a job row and its request when the job ends, its events
when written (aws_job_events.py).

The table is Terraform's (`terraform/modules/jobs`); `table_definition` is the same table for tests and
local stand-ins, and a test compares the two.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from backend.domain import Job, JobStatus, Usage
from backend.errors import ProviderUnavailable

PARTITION_KEY = "job_id"
SORT_KEY = "seq"
TTL_ATTRIBUTE = "expires_at"
TRANSCRIPT_INDEX = "by_transcript"
TRANSCRIPT_KEY = "transcript_key"
JOB_SEQ = 0
REQUEST_SEQ = -1
INLINE_REQUEST_BYTES = 64_000  # larger requests go to S3: an item holds at most 400 KB
ENDED = (JobStatus.SUCCEEDED, JobStatus.FAILED)  # a job row in either is history: it gets its TTL


def table_definition(name: str) -> dict:
    """`CreateTable` arguments matching the Terraform table: for local stand-ins and tests."""
    return {
        "TableName": name,
        "KeySchema": [
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": SORT_KEY, "AttributeType": "N"},
            {"AttributeName": TRANSCRIPT_KEY, "AttributeType": "S"},
            {"AttributeName": "created_at", "AttributeType": "N"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": TRANSCRIPT_INDEX,
                "KeySchema": [
                    {"AttributeName": TRANSCRIPT_KEY, "KeyType": "HASH"},
                    {"AttributeName": "created_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }


def key(job_id: str, seq: int = JOB_SEQ) -> dict:
    return {PARTITION_KEY: {"S": job_id}, SORT_KEY: {"N": str(seq)}}


def transcript_key(namespace: str, transcript_id: str) -> str:
    return f"{namespace}/{transcript_id}"  # a namespace never holds "/" (its pattern in domain.py)


def attribute(value: Any) -> dict:
    """A DynamoDB attribute value for what a job row holds: text, numbers, JSON as text."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": repr(value) if isinstance(value, float) else str(value)}
    if isinstance(value, JobStatus):
        return {"S": value.value}
    if isinstance(value, Usage):
        return {"S": value.model_dump_json()}
    if isinstance(value, dict | list):
        return {"S": json.dumps(value, default=str)}
    return {"S": str(value)}


def new_job_item(
    job_id: str,
    namespace: str,
    kind: str,
    transcript_id: str | None,
    trace_id: str | None,
    now: float,
) -> dict:
    item = {
        **key(job_id),
        "namespace": {"S": namespace},
        "kind": {"S": kind},
        "status": {"S": JobStatus.QUEUED.value},
        "stage": {"S": "queued"},
        "progress": {"N": "0"},
        "attempts": {"N": "0"},
        "run": {"N": "1"},
        "created_at": {"N": repr(now)},
        "updated_at": {"N": repr(now)},
    }
    if transcript_id:
        item["transcript_id"] = {"S": transcript_id}
        item[TRANSCRIPT_KEY] = {"S": transcript_key(namespace, transcript_id)}
    if trace_id:
        item["trace_id"] = {"S": trace_id}
    return item


def _text(item: dict, name: str) -> str | None:
    return item[name]["S"] if name in item else None


def _number(item: dict, name: str, default: float = 0.0) -> float:
    return float(item[name]["N"]) if name in item else default


def job_from_item(item: dict) -> Job:
    status = JobStatus(item["status"]["S"])
    result, usage = _text(item, "result"), _text(item, "usage")
    return Job(
        id=item[PARTITION_KEY]["S"],
        namespace=item["namespace"]["S"],
        kind=item["kind"]["S"],
        status=status,
        stage=item["stage"]["S"],
        progress=_number(item, "progress"),
        error=_text(item, "error"),
        transcript_id=_text(item, "transcript_id"),
        result=json.loads(result) if result else None,
        usage=Usage.model_validate_json(usage) if usage else Usage(),
        trace_id=_text(item, "trace_id"),
        attempts=int(_number(item, "attempts")),
        worker=_text(item, "lease_owner") if status is JobStatus.RUNNING else None,
        created_at=datetime.fromtimestamp(_number(item, "created_at"), UTC),
        updated_at=datetime.fromtimestamp(_number(item, "updated_at"), UTC),
    )


class Update:
    """An UpdateExpression built from names and values, every one a placeholder (`#n`, `:v`): values
    are never spliced into the expression, and reserved words (`status`) need no special care."""

    def __init__(self) -> None:
        self._set: list[str] = []
        self._remove: list[str] = []
        self._add: list[str] = []
        self.names: dict[str, str] = {}
        self.values: dict[str, dict] = {}

    def name(self, attr: str) -> str:
        placeholder = f"#{attr}"
        self.names[placeholder] = attr
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = attribute(value)
        return placeholder

    def set(self, attr: str, value: Any) -> Update:
        if value is None:
            return self.remove(attr)
        self._set.append(f"{self.name(attr)} = {self.value(value)}")
        return self

    def remove(self, attr: str) -> Update:
        self._remove.append(self.name(attr))
        return self

    def add(self, attr: str, amount: int) -> Update:
        self._add.append(f"{self.name(attr)} {self.value(amount)}")
        return self

    def expression(self) -> str:
        parts = []
        if self._set:
            parts.append("SET " + ", ".join(self._set))
        if self._remove:
            parts.append("REMOVE " + ", ".join(self._remove))
        if self._add:
            parts.append("ADD " + ", ".join(self._add))
        return " ".join(parts)

    def arguments(self, table: str, item_key: dict, condition: str | None = None) -> dict:
        """The `UpdateItem` (or a transaction's `Update`) arguments; `condition` uses this object's
        placeholders."""
        arguments = {
            "TableName": table,
            "Key": item_key,
            "UpdateExpression": self.expression(),
            "ExpressionAttributeNames": self.names,
        }
        if self.values:
            arguments["ExpressionAttributeValues"] = self.values
        if condition:
            arguments["ConditionExpression"] = condition
        return arguments


def refused(exc: ClientError) -> bool:
    """A condition expression said no (directly, or inside a transaction)."""
    code = exc.response["Error"]["Code"]
    if code == "ConditionalCheckFailedException":
        return True
    reasons = exc.response.get("CancellationReasons") or []
    return code == "TransactionCanceledException" and any(
        r.get("Code") == "ConditionalCheckFailed" for r in reasons
    )


class JobTable:
    """The table's client: calls that say "refused" apart from "unavailable". Calls block."""

    def __init__(self, client, name: str, retention_s: int) -> None:
        self._client, self.name, self.retention_s = client, name, retention_s

    def call(self, operation: str, **kwargs) -> dict:
        """A DynamoDB call; a refused condition raises `ClientError`, any other failure
        `ProviderUnavailable`."""
        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            if refused(exc):
                raise
            code = exc.response["Error"]["Code"]
            raise ProviderUnavailable(f"the job table {self.name!r} could not be used: {code}") from exc
        except BotoCoreError as exc:
            raise ProviderUnavailable(f"DynamoDB did not answer: {type(exc).__name__}") from exc

    def item(self, job_id: str, seq: int = JOB_SEQ) -> dict | None:
        return self.call("get_item", TableName=self.name, Key=key(job_id, seq), ConsistentRead=True).get(
            "Item"
        )

    def expiry(self) -> int:
        """The TTL of a row that is history from now on (epoch seconds)."""
        return int(time.time()) + self.retention_s

    def close(self) -> None:
        self._client.close()

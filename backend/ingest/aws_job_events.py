"""A job's events in the DynamoDB jobs table: the rows after the job's own (`seq ≥ 1`, job_table.py),
which SSE followers in any API task read after the last one they saw.

Numbers are gap-free and in the order written, across every writer: a writer reads the newest
number (a consistent read) and puts the next one on condition that nobody has; a writer that loses
the race reads again. So a follower that has seen number n and then sees n + 2 can be sure n + 1 will
never appear — it cannot skip a `done` that another worker was still writing. Each row carries the
table's TTL from the start, `EVENT_TTL_S` after it was written: longer than any job can run on SQS
(a message's visibility is capped at 12 hours), so a running job never loses its newest number, and
a finished job's events go without a delete per row (the job row says how it ended). Calls block:
the store runs them on its threads.
"""

from __future__ import annotations

import json
import time
from typing import Any

from botocore.exceptions import ClientError

from backend.errors import ProviderUnavailable

from .job_table import PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE, JobTable, key

EVENT_TTL_S = 86_400
_WRITE_ATTEMPTS = 20  # concurrent writers of one job's events each retry with the next number


class EventRows:
    def __init__(self, table: JobTable) -> None:
        self._table = table

    def _rows(self, job_id: str, after: int, **query: Any) -> list[dict]:
        """The job's rows after `after`, in order; `query` adds Query arguments, its names and
        values beside the key condition's."""
        names = {"#j": PARTITION_KEY, "#s": SORT_KEY, **query.pop("ExpressionAttributeNames", {})}
        values = {":j": {"S": job_id}, ":s": {"N": str(after)}, **query.pop("ExpressionAttributeValues", {})}
        arguments = {
            "TableName": self._table.name,
            "KeyConditionExpression": "#j = :j AND #s > :s",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
            **query,
        }
        items: list[dict] = []
        while True:
            page = self._table.call("query", **arguments)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page or "Limit" in query:
                return items
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def last(self, job_id: str) -> int:
        """The newest event's number (0: none yet)."""
        newest = self._rows(job_id, 0, ScanIndexForward=False, Limit=1, ProjectionExpression="#s")
        return int(newest[0][SORT_KEY]["N"]) if newest else 0

    def add(self, job_id: str, event: str, data: dict) -> None:
        body = json.dumps(data, default=str)
        for _ in range(_WRITE_ATTEMPTS):
            item = {
                **key(job_id, self.last(job_id) + 1),
                "event": {"S": event},
                "data": {"S": body},
                TTL_ATTRIBUTE: {"N": str(int(time.time()) + EVENT_TTL_S)},
            }
            try:
                self._table.call(
                    "put_item", TableName=self._table.name, Item=item,
                    ConditionExpression="attribute_not_exists(#s)", ExpressionAttributeNames={"#s": SORT_KEY},
                )  # fmt: skip
                return
            except ClientError:
                continue  # another writer took that number: the next one
        raise ProviderUnavailable(f"job {job_id}'s events are being written by too many workers at once")

    def after(self, job_id: str, seq: int) -> list[tuple[int, str, dict]]:
        return [
            (int(i[SORT_KEY]["N"]), i["event"]["S"], json.loads(i["data"]["S"]))
            for i in self._rows(job_id, seq)
        ]

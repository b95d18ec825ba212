"""Which job answers for a transcript, on the AWS job store (aws_jobs.py): a claim row per transcript,
`transcript#<namespace>/<id>`, names its newest job (`newest_job`). A new job is written in one
transaction with the claim row, conditioned on the row still naming the job its caller saw — so of two
callers posting the same file at once, one creates the job and the other is answered with it — and the
row is read strongly consistent, where the jobs' transcript index is eventually consistent (that index
still finds the jobs of transcripts posted before claim rows existed)."""

from __future__ import annotations

from backend.domain import Job

from .job_table import (
    PARTITION_KEY,
    TRANSCRIPT_INDEX,
    TRANSCRIPT_KEY,
    JobTable,
    job_from_item,
    key,
    transcript_key,
)


def claim_id(namespace: str, transcript_id: str) -> str:
    """Not a job id (those start "job_")."""
    return "transcript#" + transcript_key(namespace, transcript_id)


class TranscriptClaims:
    def __init__(self, table: JobTable) -> None:
        self._table = table

    def put(self, namespace: str, transcript_id: str, job_id: str, seen: str | None) -> dict:
        """The transaction's write that makes `job_id` the transcript's newest job, only while its
        newest is still `seen` (None: it had none — or only jobs from before claim rows)."""
        put: dict = {
            "TableName": self._table.name,
            "Item": {**key(claim_id(namespace, transcript_id)), "newest_job": {"S": job_id}},
            "ConditionExpression": "attribute_not_exists(job_id)"
            + (" OR newest_job = :seen" if seen else ""),
        }
        if seen:
            put["ExpressionAttributeValues"] = {":seen": {"S": seen}}
        return {"Put": put}

    def newest(self, namespace: str, transcript_id: str) -> Job | None:
        claim = self._table.item(claim_id(namespace, transcript_id))
        if claim is not None:
            item = self._table.item(claim["newest_job"]["S"])
            return job_from_item(item) if item else None
        found = self._table.call(
            "query",
            TableName=self._table.name,
            IndexName=TRANSCRIPT_INDEX,
            KeyConditionExpression="#t = :t",
            ExpressionAttributeNames={"#t": TRANSCRIPT_KEY},
            ExpressionAttributeValues={":t": {"S": transcript_key(namespace, transcript_id)}},
            ScanIndexForward=False,
            Limit=1,
        ).get("Items", [])
        item = self._table.item(found[0][PARTITION_KEY]["S"]) if found else None
        return job_from_item(item) if item else None

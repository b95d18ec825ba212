"""A job's request in the AWS job store: the row before the job's own (`seq = -1`, job_table.py),
holding the request inline up to `INLINE_REQUEST_BYTES`, else the key of it in S3
(`uploads/<namespace>/<job id>.json`), since an item holds at most 400 KB. Recordings are in S3
already (their request holds the object's URI). Calls block: the store runs them on its threads.
"""

from __future__ import annotations

import json

from botocore.exceptions import BotoCoreError, ClientError

from backend.errors import ProviderUnavailable

from .job_table import INLINE_REQUEST_BYTES, REQUEST_SEQ, JobTable, key


class RequestRows:
    def __init__(self, table: JobTable, s3, bucket: str) -> None:
        self._table, self._s3, self.bucket = table, s3, bucket

    def row(self, namespace: str, job_id: str, request: dict) -> dict:
        """The request's row, to be written with the job's; a large request is put in S3 first."""
        body = json.dumps(request)
        stored = key(job_id, REQUEST_SEQ)
        if len(body.encode()) > INLINE_REQUEST_BYTES:
            upload = f"uploads/{namespace}/{job_id}.json"
            self._put_upload(upload, body)
            stored["request_key"] = {"S": upload}
        else:
            stored["request"] = {"S": body}
        return stored

    def _put_upload(self, upload: str, body: str) -> None:
        try:
            self._s3.put_object(
                Bucket=self.bucket, Key=upload, Body=body.encode(), ContentType="application/json"
            )
        except (ClientError, BotoCoreError) as exc:
            raise ProviderUnavailable(
                f"cannot store the upload in s3://{self.bucket} ({type(exc).__name__})"
            ) from None

    def read(self, job_id: str) -> dict:
        item = self._table.item(job_id, REQUEST_SEQ)
        if item is None:
            raise ProviderUnavailable(f"job {job_id} has no stored request")
        if "request" in item:
            return json.loads(item["request"]["S"])
        upload = item["request_key"]["S"]
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=upload)["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise ProviderUnavailable(
                f"cannot read the upload s3://{self.bucket}/{upload} ({type(exc).__name__})"
            ) from None
        return json.loads(body)

    def close(self) -> None:
        self._s3.close()

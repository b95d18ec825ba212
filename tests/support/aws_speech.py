"""Local stand-ins for S3 and Amazon Transcribe that speak their wire protocols (S3 REST path-style,
Transcribe JSON 1.1), so boto3 runs unmodified against them. The Transcribe stand-in cannot listen:
the test tells it what the recording says, per speaker, and it writes that back in Transcribe's
output format after a few polls — while checking the job request the way the service would."""

from __future__ import annotations

import json
import threading
from urllib.parse import unquote, urlparse

from .http_standin import aws_json


def _s3_error(status: int, code: str, message: str):
    body = f"<?xml version='1.0'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return status, {"content-type": "application/xml"}, body.encode()


def _aws_chunked(body: bytes) -> bytes:
    """Decode an `aws-chunked` body (botocore sends PutObject this way with a trailing checksum)."""
    out, rest = bytearray(), body
    while rest:
        header, _, rest = rest.partition(b"\r\n")
        size = int(header.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        rest = rest[size + 2 :]
    return bytes(out)


class SpeechCloud:
    """S3 buckets + Transcribe jobs in memory."""

    def __init__(self, *, polls_before_done: int = 2) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.jobs: dict[str, dict] = {}
        self.polls: dict[str, int] = {}
        self.said: list[tuple[str, str]] = []  # (speaker label, text) the next recording "contains"
        self.fail_reason: str | None = None
        self.polls_before_done = polls_before_done
        self.started = 0
        self._lock = threading.Lock()

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes):
        target = headers.get("x-amz-target", "")
        if target.startswith("Transcribe."):
            return self._transcribe(target.removeprefix("Transcribe."), json.loads(body or b"{}"))
        return self._s3(method, urlparse(path).path, headers, body)

    # --- S3 ---------------------------------------------------------------------------------
    def _s3(self, method, path, headers, body):
        bucket, _, key = unquote(path).lstrip("/").partition("/")
        if not key:
            return _s3_error(400, "InvalidRequest", "bucket operations are not supported here")
        if method == "PUT":
            if "aws-chunked" in headers.get("content-encoding", ""):
                body = _aws_chunked(body)
            with self._lock:
                self.objects[(bucket, key)] = body
            return 200, {"etag": '"stand-in"'}, b""
        data = self.objects.get((bucket, key))
        if data is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        if method == "HEAD":
            return (
                200,
                {
                    "content-length": str(len(data)),
                    "etag": '"stand-in"',
                    "content-type": "binary/octet-stream",
                },
                b"",
            )
        if method == "GET":
            return 200, {"content-type": "binary/octet-stream", "etag": '"stand-in"'}, data
        return _s3_error(405, "MethodNotAllowed", method)

    # --- Transcribe -------------------------------------------------------------------------
    def _transcribe(self, operation: str, request: dict):
        name = request.get("TranscriptionJobName", "")
        if operation == "StartTranscriptionJob":
            return self._start(name, request)
        job = self.jobs.get(name)
        if job is None:
            return aws_json(
                400, {"__type": "NotFoundException", "Message": "The requested job couldn't be found."}
            )
        if operation == "DeleteTranscriptionJob":
            del self.jobs[name]
            return aws_json(200, {})
        if operation == "GetTranscriptionJob":
            self.polls[name] = self.polls.get(name, 0) + 1
            if job["TranscriptionJobStatus"] == "IN_PROGRESS" and self.polls[name] >= self.polls_before_done:
                self._finish(job)
            return aws_json(200, {"TranscriptionJob": job})
        return aws_json(400, {"__type": "BadRequestException", "Message": f"unsupported {operation}"})

    def _start(self, name: str, request: dict):
        if name in self.jobs:
            return aws_json(
                400, {"__type": "ConflictException", "Message": "The requested job name already exists."}
            )
        media = urlparse(request["Media"]["MediaFileUri"])
        if (media.netloc, media.path.lstrip("/")) not in self.objects:
            return aws_json(
                400,
                {
                    "__type": "BadRequestException",
                    "Message": "The URI that you provided doesn't point to an S3 object.",
                },
            )
        if request.get("MediaFormat") not in {"mp3", "mp4", "wav", "flac", "ogg", "amr", "webm", "m4a"}:
            return aws_json(400, {"__type": "BadRequestException", "Message": "unsupported MediaFormat"})
        if not request.get("Settings", {}).get("ShowSpeakerLabels"):
            return aws_json(
                400, {"__type": "BadRequestException", "Message": "stand-in expects speaker labels"}
            )
        self.started += 1
        job = {
            "TranscriptionJobName": name,
            "TranscriptionJobStatus": "IN_PROGRESS",
            "LanguageCode": request.get("LanguageCode") or "en-US",
            "MediaFormat": request["MediaFormat"],
            "Media": request["Media"],
            "_output": (request["OutputBucketName"], request["OutputKey"]),
        }
        self.jobs[name] = job
        return aws_json(200, {"TranscriptionJob": {k: v for k, v in job.items() if not k.startswith("_")}})

    def _finish(self, job: dict) -> None:
        if self.fail_reason:
            job.update(TranscriptionJobStatus="FAILED", FailureReason=self.fail_reason)
            return
        bucket, key = job["_output"]
        items, clock = [], 0.0
        for label, text in self.said:
            for word in text.split():
                bare = word.rstrip(".,?!")
                items.append({
                    "type": "pronunciation", "start_time": f"{clock:.2f}", "end_time": f"{clock + 0.3:.2f}",
                    "speaker_label": label, "alternatives": [{"confidence": "0.98", "content": bare}],
                })  # fmt: skip
                if bare != word:
                    items.append(
                        {"type": "punctuation", "alternatives": [{"confidence": "0.0", "content": word[-1]}]}
                    )
                clock += 0.35
        output = {
            "jobName": job["TranscriptionJobName"],
            "accountId": "123456789012",
            "status": "COMPLETED",
            "results": {"transcripts": [{"transcript": " ".join(t for _, t in self.said)}], "items": items},
        }
        self.objects[(bucket, key)] = json.dumps(output).encode()
        job.update(
            TranscriptionJobStatus="COMPLETED",
            Transcript={"TranscriptFileUri": f"https://s3.us-east-1.amazonaws.com/{bucket}/{key}"},
        )

"""Local stand-ins for S3 and Amazon Transcribe that speak their wire protocols (S3 REST path-style,
Transcribe JSON 1.1), so boto3 runs unmodified against them. The Transcribe stand-in cannot listen:
the test tells it what the recording says, per speaker, and it writes that back in Transcribe's
output format after a few polls — while checking the job request the way the service would.

Custom vocabularies behave as the service documents them: CreateVocabulary answers PENDING and
GetVocabulary says READY after a few polls (FAILED, with a FailureReason, for an entry outside the
English list format: letters, apostrophes, periods, words joined by hyphens); names are unique
(ConflictException), the account holds at most 100 (LimitExceededException); ListVocabularies
filters by NameContains and pages with NextToken, newest first; a job names its vocabulary in
Settings.VocabularyName, which must be READY and needs the job's LanguageCode."""

from __future__ import annotations

import json
import re
import threading
import time
from urllib.parse import unquote, urlparse

from .http_standin import aws_json


def _s3_error(status: int, code: str, message: str):
    body = f"<?xml version='1.0'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return status, {"content-type": "application/xml"}, body.encode()


_LIST_ENTRY = re.compile(r"[A-Za-z'.]+(?:-[A-Za-z'.]+)*")


def _bad_request(message: str):
    return aws_json(400, {"__type": "BadRequestException", "Message": message})


def _public(vocabulary: dict) -> dict:
    return {k: v for k, v in vocabulary.items() if not k.startswith("_")}


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

    def __init__(self, *, polls_before_done: int = 2, polls_before_ready: int = 2) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.jobs: dict[str, dict] = {}
        self.vocabularies: dict[str, dict] = {}  # name -> state, phrases, LastModifiedTime (epoch s)
        self.polls_before_ready = polls_before_ready
        self.max_vocabularies = 100
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
        if "Vocabular" in operation:
            with self._lock:
                return self._vocabulary(operation, request)
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
        vocabulary = request["Settings"].get("VocabularyName")
        if vocabulary:
            found = self.vocabularies.get(vocabulary)
            if found is None or found["VocabularyState"] != "READY":
                return _bad_request(f"The requested vocabulary {vocabulary} isn't ready or doesn't exist.")
            if not request.get("LanguageCode"):
                return _bad_request("Settings.VocabularyName needs LanguageCode (use LanguageIdSettings).")
        self.started += 1
        job = {
            "TranscriptionJobName": name,
            "TranscriptionJobStatus": "IN_PROGRESS",
            "LanguageCode": request.get("LanguageCode") or "en-US",
            "MediaFormat": request["MediaFormat"],
            "Media": request["Media"],
            "Settings": request["Settings"],
            "_output": (request["OutputBucketName"], request["OutputKey"]),
        }
        self.jobs[name] = job
        return aws_json(200, {"TranscriptionJob": {k: v for k, v in job.items() if not k.startswith("_")}})

    # --- custom vocabularies ----------------------------------------------------------------
    def _vocabulary(self, operation: str, request: dict):
        name = request.get("VocabularyName", "")
        if operation == "CreateVocabulary":
            return self._create_vocabulary(name, request)
        if operation == "ListVocabularies":
            return self._list_vocabularies(request)
        found = self.vocabularies.get(name)
        if found is None:
            return aws_json(
                400, {"__type": "NotFoundException", "Message": "The requested vocabulary couldn't be found."}
            )
        if operation == "DeleteVocabulary":
            del self.vocabularies[name]
            return aws_json(200, {})
        if operation == "GetVocabulary":
            found["_polls"] += 1
            if found["VocabularyState"] == "PENDING" and found["_polls"] >= self.polls_before_ready:
                bad = [p for p in found["_phrases"] if not _LIST_ENTRY.fullmatch(p)]
                if bad:
                    found.update(VocabularyState="FAILED", FailureReason=f"Invalid entry: {bad[0]!r}")
                else:
                    found["VocabularyState"] = "READY"
            return aws_json(200, {**_public(found), "DownloadUri": f"https://stand-in/vocabularies/{name}"})
        return _bad_request(f"unsupported {operation}")

    def _create_vocabulary(self, name: str, request: dict):
        if not re.fullmatch(r"[0-9a-zA-Z._-]{1,200}", name) or not request.get("LanguageCode"):
            return _bad_request("VocabularyName and LanguageCode are required")
        phrases = request.get("Phrases") or []
        if not phrases or sum(len(p.encode()) + 1 for p in phrases) > 50_000:
            return _bad_request("Phrases must hold 1 to 50 KB of entries")
        if name in self.vocabularies:
            return aws_json(
                400,
                {"__type": "ConflictException", "Message": "The requested vocabulary name already exists."},
            )
        if len(self.vocabularies) >= self.max_vocabularies:
            return aws_json(
                400,
                {"__type": "LimitExceededException", "Message": "You have reached your vocabulary limit."},
            )
        self.vocabularies[name] = {
            "VocabularyName": name, "LanguageCode": request["LanguageCode"], "VocabularyState": "PENDING",
            "LastModifiedTime": time.time(), "_phrases": list(phrases), "_polls": 0,
        }  # fmt: skip
        return aws_json(200, _public(self.vocabularies[name]))

    def _list_vocabularies(self, request: dict):
        contains = (request.get("NameContains") or "").lower()
        matching = sorted(
            (v for v in self.vocabularies.values() if contains in v["VocabularyName"].lower()
             and request.get("StateEquals") in (None, v["VocabularyState"])),
            key=lambda v: -v["LastModifiedTime"],
        )  # fmt: skip
        start = int(request.get("NextToken") or 0)
        size = request.get("MaxResults") or 5
        page = {"Vocabularies": [_public(v) for v in matching[start : start + size]]}
        if start + size < len(matching):
            page["NextToken"] = str(start + size)
        return aws_json(200, page)

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

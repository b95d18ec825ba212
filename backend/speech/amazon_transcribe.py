"""Amazon Transcribe: the recording is already in the media bucket; start a job with speaker labels,
poll it with backoff, read the JSON it writes back to the bucket. The job name is derived from the
recording's hash, so a retried or resumed ingest picks up the same Transcribe job instead of paying
for a second one.

With names to listen for and a known language (the request's or KW_SPEECH_LANGUAGE: a custom
vocabulary has one language, and language identification would need one per candidate), the job uses
the namespace's custom vocabulary (`custom_vocabulary.py`) and its name carries the vocabulary's
content hash too: the same recording heard with other names is another job."""

from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import urlparse

from backend.config import Settings
from backend.errors import InvalidInput, ProviderUnavailable

from .audio import FORMATS
from .custom_vocabulary import CustomVocabularies
from .port import Progress, StoredAudio, Transcription, Vocabulary
from .storage import s3_client

MAX_SPEAKERS = 10


class AmazonTranscriber:
    name = "amazon-transcribe"

    def __init__(self, settings: Settings) -> None:
        import boto3

        self.settings = settings
        self.bucket = settings.speech_bucket
        self._transcribe = boto3.client(
            "transcribe", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
        )
        self._s3 = s3_client(settings)
        self.vocabularies = CustomVocabularies(
            self._transcribe, settings.service_name, poll_max_s=settings.transcribe_poll_max_s
        )

    def check_language(self, language: str) -> None:
        if not re.fullmatch(r"[a-z]{2,3}-[A-Z]{2}", _transcribe_language(language)):
            raise InvalidInput(
                f"language: Amazon Transcribe wants a locale such as en-US or de-DE, not {language[:20]!r}"
            )

    def job_name(self, audio: StoredAudio, vocabulary_name: str | None = None) -> str:
        # IAM scopes the task role to transcription jobs named "<service>-*" (terraform/modules/iam).
        names = f"-{vocabulary_name.rsplit('-', 1)[-1]}" if vocabulary_name else ""
        return f"{self.settings.service_name}-{audio.sha256[:40]}{names}"

    async def transcribe(
        self,
        audio: StoredAudio,
        *,
        language: str | None,
        speaker: str | None,
        vocabulary: Vocabulary | None = None,
        progress: Progress,
    ) -> Transcription:
        from botocore.exceptions import BotoCoreError, ClientError

        if not audio.uri.startswith("s3://"):
            raise ProviderUnavailable("Amazon Transcribe reads recordings from S3: set KW_SPEECH_BUCKET")
        vocabulary_name = None
        if vocabulary and language:
            vocabulary_name = await self.vocabularies.ready(vocabulary, _transcribe_language(language))
        name = self.job_name(audio, vocabulary_name)
        output_key = f"transcribe/{name}.json"
        try:
            job = await asyncio.to_thread(
                self._start_or_find, name, audio, language, output_key, vocabulary_name
            )
            delay = 0.5
            while job["TranscriptionJobStatus"] in ("QUEUED", "IN_PROGRESS"):
                await progress(0.0, audio.duration_s)  # Transcribe reports no partial progress
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.transcribe_poll_max_s)
                job = (
                    await asyncio.to_thread(self._transcribe.get_transcription_job, TranscriptionJobName=name)
                )["TranscriptionJob"]
            if job["TranscriptionJobStatus"] != "COMPLETED":
                # Transcribe's failure reasons describe the media ("unsupported format", "no speech").
                raise InvalidInput(
                    f"Amazon Transcribe could not transcribe the recording: {job.get('FailureReason')}"
                )
            bucket, key = _output_location(job, self.bucket, output_key)
            body = await asyncio.to_thread(lambda: self._s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except (BotoCoreError, ClientError) as exc:
            raise ProviderUnavailable(f"Amazon Transcribe call failed ({type(exc).__name__})") from None
        content = json.loads(body)
        if vocabulary_name:
            await self.vocabularies.clean(vocabulary.namespace, keep=vocabulary_name)
        await progress(audio.duration_s, audio.duration_s)
        return Transcription(
            format="transcribe",
            content=content,
            language=job.get("LanguageCode"),
            duration_s=audio.duration_s,
            model=self.name,
        )

    def _start_or_find(
        self, name: str, audio: StoredAudio, language: str | None, output_key: str, vocabulary: str | None
    ) -> dict:
        from botocore.exceptions import ClientError

        request = {
            "TranscriptionJobName": name,
            "Media": {"MediaFileUri": audio.uri},
            "MediaFormat": FORMATS[audio.extension],
            "OutputBucketName": self.bucket,
            "OutputKey": output_key,
            "Settings": {"ShowSpeakerLabels": True, "MaxSpeakerLabels": MAX_SPEAKERS},
        }
        if vocabulary:  # only with a language (see `transcribe`)
            request["Settings"]["VocabularyName"] = vocabulary
        if language:
            request["LanguageCode"] = _transcribe_language(language)
        else:
            request["IdentifyLanguage"] = True
        try:
            return self._transcribe.start_transcription_job(**request)["TranscriptionJob"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConflictException":
                raise
            job = self._transcribe.get_transcription_job(TranscriptionJobName=name)["TranscriptionJob"]
            if job["TranscriptionJobStatus"] == "FAILED":  # a failed earlier attempt: start over
                self._transcribe.delete_transcription_job(TranscriptionJobName=name)
                return self._transcribe.start_transcription_job(**request)["TranscriptionJob"]
            return job


def _output_location(job: dict, bucket: str, key: str) -> tuple[str, str]:
    uri = (job.get("Transcript") or {}).get("TranscriptFileUri")
    if not uri:
        return bucket, key
    parsed = urlparse(uri)
    if parsed.scheme == "s3":
        return parsed.netloc, parsed.path.lstrip("/")
    # https://s3.<region>.amazonaws.com/<bucket>/<key> (path style, as Transcribe reports it)
    parts = parsed.path.lstrip("/").split("/", 1)
    return (parts[0], parts[1]) if len(parts) == 2 and parts[0] == bucket else (bucket, key)


def _transcribe_language(language: str) -> str:
    # Transcribe wants a locale; map the bare codes people type to the common ones.
    common = {
        "en": "en-US",
        "de": "de-DE",
        "fr": "fr-FR",
        "es": "es-US",
        "it": "it-IT",
        "pt": "pt-BR",
        "ja": "ja-JP",
    }
    return common.get(language, language)

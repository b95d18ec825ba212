"""Where recordings are kept: the data dir locally, the S3 media bucket on AWS (KW_SPEECH_BUCKET; with
the AWS job backend and no speech bucket, KW_UPLOADS_BUCKET, since a worker on another machine must
read what the API stored).

Keys are content-addressed (`audio/<namespace>/<sha256><ext>`), so the same recording uploaded twice
is stored once and its job is found again.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from backend.config import Settings
from backend.errors import ProviderUnavailable

from .audio import AudioInfo
from .port import StoredAudio


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def s3_client(settings: Settings):
    import boto3
    from botocore.config import Config

    # A local stand-in (KW_AWS_ENDPOINT_URL) is addressed by path; AWS by virtual host.
    style = "path" if settings.aws_endpoint_url else "auto"
    return boto3.client(
        "s3",
        region_name=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url,
        config=Config(s3={"addressing_style": style}, retries={"mode": "standard"}),
    )


class AudioStore:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        shared = settings.uploads_bucket if settings.job_backend == "aws" else None
        self.bucket = settings.speech_bucket or shared
        self._s3 = s3_client(settings) if self.bucket else None

    def key(self, namespace: str, sha256: str, extension: str) -> str:
        return f"audio/{namespace}/{sha256}{extension}"

    def save(
        self, source: Path, namespace: str, info: AudioInfo, extension: str, filename: str | None
    ) -> StoredAudio:
        sha = sha256_file(source)
        key = self.key(namespace, sha, extension)
        if self._s3 is not None:
            try:
                self._s3.upload_file(str(source), self.bucket, key)
            except Exception as exc:
                raise ProviderUnavailable(
                    f"cannot store the recording in s3://{self.bucket} ({type(exc).__name__})"
                ) from None
            uri = f"s3://{self.bucket}/{key}"
        else:
            target = self.settings.data_dir / key
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                partial = target.with_suffix(target.suffix + ".partial")
                shutil.copyfile(source, partial)
                partial.replace(target)
            uri = target.resolve().as_uri()
        return StoredAudio(
            uri=uri, sha256=sha, extension=extension, filename=filename, duration_s=info.duration_s,
            codec=info.codec, size_bytes=source.stat().st_size,
        )  # fmt: skip

    @contextmanager
    def local_copy(self, audio: StoredAudio) -> Iterator[Path]:
        """A local path to the recording for as long as the block runs (downloaded from S3 if needed)."""
        parsed = urlparse(audio.uri)
        if parsed.scheme == "file":
            path = Path(parsed.path)
            if not path.is_file():
                raise ProviderUnavailable(f"the stored recording {path.name} is missing from the data dir")
            yield path
            return
        if self._s3 is None:
            raise ProviderUnavailable(f"{audio.uri} is in S3 but KW_SPEECH_BUCKET is not set")
        with tempfile.TemporaryDirectory(prefix="kw-audio-") as tmp:
            path = Path(tmp) / f"recording{audio.extension}"
            try:
                self._s3.download_file(parsed.netloc, parsed.path.lstrip("/"), str(path))
            except Exception as exc:
                raise ProviderUnavailable(f"cannot read {audio.uri} ({type(exc).__name__})") from None
            yield path

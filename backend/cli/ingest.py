"""`weaver ingest`: files from disk — transcripts and recordings — through the same job worker as the
API, in this process, with a progress bar per file that moves only on the job's real events."""

from __future__ import annotations

import asyncio
from pathlib import Path

from backend.config import Settings
from backend.errors import WeaverError
from backend.ingest.files import request_for
from backend.runtime import open_runtime

from .terminal import ProgressBar, queue_words


async def ingest_files(
    settings: Settings,
    paths: list[Path],
    namespace: str,
    fmt: str,
    title: str | None,
    *,
    speaker: str | None = None,
    hints: list[str] | None = None,
) -> int:
    """Ingest each file in turn; the number that were rejected or failed."""
    runtime = await open_runtime(settings)
    failures = 0
    try:
        for path in paths:
            bar = ProgressBar(path.name)
            try:
                request = await asyncio.to_thread(
                    request_for, path, namespace, fmt, title,
                    audio_store=runtime.audio_store, speaker=speaker, hints=hints,
                )  # fmt: skip
                job, created = await runtime.ingest.submit(request)
            except WeaverError as exc:
                bar.finish(f"REJECTED: {exc.message}")
                failures += 1
                continue
            async for event, data in runtime.events.follow(job.id):
                if event in ("progress", "stage"):
                    bar.update(data["progress"], data["stage"], data.get("counts"))
                elif event == "queued":
                    bar.update(0.0, queue_words(data))
            job = await runtime.jobs.get(job.id)
            if job.status.value == "succeeded":
                r = job.result
                note = "" if created else " (already ingested)"
                bar.finish(
                    f"done{note}: {r['chunks']} chunks, {r['entities']} entities, {r['relations']} relations"
                )
            else:
                bar.finish(f"FAILED: {job.error} (retry: POST /v1/jobs/{job.id}/retry)")
                failures += 1
    finally:
        await runtime.close()
    return failures

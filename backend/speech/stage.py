"""The transcription stage of a recording's ingest job: traced (`asr.transcribe`), metered
(AudioSeconds), reported in audio seconds, and remembered — a retried or resumed job reuses the
transcription it already paid for instead of transcribing again. The names it listened for are part
of what is remembered: the same recording heard with other names is another transcription."""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from backend.observability import metrics
from backend.observability.tracing import span

from .port import StoredAudio, Transcriber, Transcription, Vocabulary

STAGE = "transcribe"
Report = Callable[[str, float, float], Awaitable[None]]


def _cache_path(
    data_dir: Path,
    audio: StoredAudio,
    transcriber: Transcriber,
    language: str | None,
    vocabulary: Vocabulary | None,
) -> Path:
    names = f"-{vocabulary.digest}" if vocabulary else ""
    return data_dir / "transcriptions" / f"{audio.sha256}-{transcriber.name}-{language or 'auto'}{names}.json"


async def transcribe(
    audio: StoredAudio,
    transcriber: Transcriber,
    data_dir: Path,
    report: Report,
    *,
    language: str | None,
    speaker: str | None,
    vocabulary: Vocabulary | None = None,
) -> Transcription:
    total = round(audio.duration_s, 1)
    cached = _cache_path(data_dir, audio, transcriber, language, vocabulary)
    attributes = {"audio.duration_s": round(audio.duration_s, 2), "audio.codec": audio.codec,
                  "asr.model": transcriber.name, "audio.sha256": audio.sha256,
                  "asr.vocabulary_names": len(vocabulary.phrases) if vocabulary else 0}  # fmt: skip
    with span("asr.transcribe", "CHAIN", **attributes) as current:
        if cached.is_file():
            current.set_attribute("asr.cached", True)
            await report(STAGE, total, total)
            return Transcription.model_validate_json(cached.read_text())
        await report(STAGE, 0.0, total)
        started = time.perf_counter()

        async def progress(done: float, _total: float) -> None:
            await report(STAGE, round(min(done, audio.duration_s), 1), total)

        result = await transcriber.transcribe(
            audio, language=language, speaker=speaker, vocabulary=vocabulary, progress=progress
        )
        elapsed = time.perf_counter() - started
        current.set_attribute("asr.cached", False)
        current.set_attribute("asr.language", result.language or "")
        current.set_attribute("asr.real_time_factor", round(elapsed / max(audio.duration_s, 0.01), 3))
        current.set_attribute("asr.segments", len(result.content.get("segments", [])))
    await metrics.emit({}, AudioSeconds=audio.duration_s)
    await metrics.emit({"Stage": STAGE}, StageLatencyMs=elapsed * 1000)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".partial")
    partial.write_text(result.model_dump_json())
    os.replace(partial, cached)
    return result

"""Offline transcription with faster-whisper: Whisper base, int8 on CPU, voice-activity filtering
(Silero VAD, bundled with faster-whisper) so silence is skipped rather than hallucinated over.
Segments come out as the decoder finishes them, and each one moves the job's progress by the audio
seconds it covers."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

from backend.errors import InvalidInput

from .audio import decode, is_silent
from .port import Progress, StoredAudio, Transcription
from .storage import AudioStore
from .whisper_model import model_dir


class WhisperTranscriber:
    name = "whisper-base-int8"

    def __init__(self, data_dir: Path, store: AudioStore, *, threads: int = 0, beam_size: int = 5) -> None:
        self._data_dir = data_dir
        self._store = store
        self._threads = threads or os.cpu_count() or 1
        self._beam_size = beam_size
        self._model = None
        # One decode at a time per process: CTranslate2 already uses every core for one.
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            from faster_whisper import WhisperModel

            self._model = WhisperModel(
                str(model_dir(self._data_dir)), device="cpu", compute_type="int8", cpu_threads=self._threads
            )
        return self._model

    def check_language(self, language: str) -> None:
        from faster_whisper.tokenizer import _LANGUAGE_CODES  # the codes Whisper was trained on

        if language not in _LANGUAGE_CODES:
            raise InvalidInput(
                f"language: Whisper does not know {language[:20]!r}; use a code such as en, de, fr, es, "
                "ja, or leave it out to have the language detected"
            )

    async def transcribe(
        self, audio: StoredAudio, *, language: str | None, speaker: str | None, progress: Progress
    ) -> Transcription:
        loop = asyncio.get_running_loop()

        def report(done: float) -> None:
            asyncio.run_coroutine_threadsafe(progress(done, audio.duration_s), loop).result(timeout=30)

        def work() -> Transcription:
            with self._store.local_copy(audio) as path:
                samples = decode(path)
            if is_silent(samples):
                raise InvalidInput("the recording is silent: there is no speech to transcribe")
            duration = len(samples) / 16_000
            with self._lock:
                model = self._load()
                segments, info = model.transcribe(
                    samples,
                    language=language,
                    beam_size=self._beam_size,
                    vad_filter=True,
                    condition_on_previous_text=False,
                )
                found = []
                for segment in segments:  # a generator: decoding happens as we iterate
                    text = segment.text.strip()
                    if text:
                        found.append({"start": round(segment.start, 2), "end": round(segment.end, 2),
                                      "text": text, "speaker": speaker})  # fmt: skip
                    report(min(segment.end, duration))
            if not found:
                raise InvalidInput("no speech was detected in the recording")
            report(duration)
            return Transcription(
                format="whisper",
                content={
                    "text": " ".join(s["text"] for s in found),
                    "language": info.language,
                    "segments": found,
                },
                language=info.language,
                duration_s=duration,
                model=self.name,
            )

        return await asyncio.to_thread(work)

"""Offline transcription with faster-whisper: Whisper base, int8 on CPU, voice-activity filtering
(Silero VAD, bundled with faster-whisper) so silence is skipped rather than hallucinated over.
Segments come out as the decoder finishes them, and each one moves the job's progress by the audio
seconds it covers.

Names to listen for go in as hotwords: faster-whisper puts them before every 30 s window as if they
had just been said, so the decoder prefers their spelling. They cost decoding time and, past about a
hundred tokens of unrelated names, hurt (measured: a 195-token list lowercased a sentence), hence the
token budget. With hotwords the recording is decoded in clips cut at pauses, each whole (`clips.py`:
that keeps their cost at about +6 % CPU instead of +24 %)."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

from backend.errors import InvalidInput

from .audio import decode, is_silent
from .clips import speech_clips
from .port import Progress, StoredAudio, Transcription, Vocabulary
from .storage import AudioStore
from .whisper_model import model_dir

HOTWORD_TOKENS = 110  # of the 223 faster-whisper would take


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

    def hotwords(self, vocabulary: Vocabulary | None) -> str | None:
        """The vocabulary's first names that fit the token budget, as "Names: A, B, C." The decoder
        takes hotwords for what was just said: a bare name lost a memo's full stops, a plain comma
        list put commas between its words, and "We talked about A, B and C." sometimes made it skip
        a sentence naming them as if already said (1 of 12 orders of the test memo's names; this
        form 0 of 12, the same names heard on the tuning memos)."""
        if vocabulary is None:
            return None
        tokenizer = self._load().hf_tokenizer
        chosen: list[str] = []
        for phrase in vocabulary.phrases:
            text = _listed([*chosen, phrase])
            if len(tokenizer.encode(f" {text}", add_special_tokens=False).ids) > HOTWORD_TOKENS:
                break
            chosen.append(phrase)
        return _listed(chosen) if chosen else None

    async def transcribe(
        self,
        audio: StoredAudio,
        *,
        language: str | None,
        speaker: str | None,
        vocabulary: Vocabulary | None = None,
        progress: Progress,
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
                hotwords = self.hotwords(vocabulary)
                if hotwords:  # whole clips cut at pauses (clips.py); their segments are the clips
                    clips = speech_clips(samples)
                    if not clips:
                        raise InvalidInput("no speech was detected in the recording")
                    cutting = {"clip_timestamps": clips, "without_timestamps": True, "hotwords": hotwords}
                else:
                    cutting = {"vad_filter": True}
                segments, info = model.transcribe(
                    samples,
                    language=language,
                    beam_size=self._beam_size,
                    condition_on_previous_text=False,
                    **cutting,
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


def _listed(names: list[str]) -> str:
    return f"Names: {', '.join(names)}."

"""The transcriber KW_SPEECH_PROVIDER names, built once per process (the Whisper model loads lazily)."""

from __future__ import annotations

from backend.config import Settings

from .port import Transcriber
from .storage import AudioStore


def build_transcriber(settings: Settings, store: AudioStore) -> Transcriber:
    if settings.speech_provider == "transcribe":
        from .amazon_transcribe import AmazonTranscriber

        return AmazonTranscriber(settings)
    from .whisper import WhisperTranscriber

    return WhisperTranscriber(settings.data_dir, store)

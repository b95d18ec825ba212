"""A recording's job begins by hearing it: transcribed into the content the pipeline parses, with the
names its namespace knows to bias the transcriber (Whisper hotwords, Transcribe vocabularies), and the
same names handed on to check what was heard against (issue #23)."""

from __future__ import annotations

from backend.speech import stage as transcription_stage

from .known_names import NameBook, read_name_book
from .request import IngestRequest, Report, Services


async def hear(
    request: IngestRequest, services: Services, report: Report
) -> tuple[IngestRequest, NameBook | None]:
    """The request with the recording's transcript as its content; and the names to check what was
    heard against (None: not checked)."""
    settings = services.settings
    book = None
    if settings.speech_bias_names or settings.speech_correct_names:
        book = await read_name_book(
            services.store, request.namespace, speaker=request.speaker, hints=request.hints
        )
    result = await transcription_stage.transcribe(
        request.audio,
        services.transcriber,
        settings.data_dir,
        report,
        language=request.language or settings.speech_language,
        speaker=request.speaker,
        vocabulary=book.vocabulary(settings.speech_bias_names) if book else None,
    )
    transcribed = request.model_copy(
        update={"content": result.content, "format": result.format, "language": result.language}
    )
    return transcribed, book if settings.speech_correct_names else None

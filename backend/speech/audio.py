"""What we accept as a recording, and what we can tell about one before transcribing it.

Containers and codecs are read with PyAV (FFmpeg), the same decoder faster-whisper uses, so a file
that passes `probe` is one the transcriber can decode.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backend.errors import InvalidInput, UnsupportedMedia

SAMPLE_RATE = 16_000  # what Whisper listens at
# The recordings we accept: extension -> its media format as Amazon Transcribe names it (m4a is MP4
# audio; opus travels in Ogg). PyAV reads each by its content. The one table: the API, the CLI, the web
# UI (through /v1/ui/config) and the Transcribe job all read it.
FORMATS = {".wav": "wav", ".mp3": "mp3", ".m4a": "m4a", ".ogg": "ogg", ".opus": "ogg", ".webm": "webm"}
CONTENT_TYPES = {
    "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/wave": ".wav", "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a", "audio/x-m4a": ".m4a", "audio/m4a": ".m4a", "audio/ogg": ".ogg",
    "audio/opus": ".opus", "audio/webm": ".webm", "video/webm": ".webm",
}  # fmt: skip
# Below this RMS (about -60 dBFS) a recording holds no speech worth sending to a model.
SILENCE_RMS = 0.001


@dataclass(frozen=True)
class AudioInfo:
    duration_s: float
    codec: str
    sample_rate: int
    channels: int


def extension_for(filename: str | None, content_type: str | None) -> str:
    """The stored file's extension; 415 naming what we accept when neither name nor type is audio."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in FORMATS:
        return suffix
    by_type = CONTENT_TYPES.get((content_type or "").split(";")[0].strip().lower())
    if by_type:
        return by_type
    raise UnsupportedMedia(
        f"{filename or 'the upload'} is not a supported recording; send one of {', '.join(sorted(FORMATS))}"
    )


def probe(path: Path, *, max_seconds: float) -> AudioInfo:
    """Open the file and read its first audio stream's header (and, when the container does not say,
    decode it) to learn the duration; 422/415 with the reason when it is not a usable recording."""
    import av

    try:
        with av.open(str(path)) as container:
            streams = [s for s in container.streams if s.type == "audio"]
            if not streams:
                raise InvalidInput("the file has no audio stream")
            stream = streams[0]
            codec = stream.codec_context.name if stream.codec_context else "unknown"
            duration = _declared_duration(container, stream)
            if duration is None:  # some webm/ogg files carry no duration: count the decoded samples
                duration = sum(frame.samples for frame in container.decode(stream)) / (stream.rate or 1)
            info = AudioInfo(duration, codec, stream.rate or 0, stream.channels or 0)
    except InvalidInput:
        raise
    except av.error.InvalidDataError:
        raise InvalidInput("the file is not a readable recording (corrupt or not audio)") from None
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        if "codec" in str(exc).lower() or "decoder" in str(exc).lower():
            raise UnsupportedMedia(f"the recording's codec cannot be decoded here ({exc})") from None
        raise InvalidInput(f"the file is not a readable recording ({type(exc).__name__})") from None
    if info.duration_s <= 0.05:
        raise InvalidInput("the recording is empty (no audio samples)")
    if info.duration_s > max_seconds:
        raise InvalidInput(
            f"the recording is {info.duration_s:,.0f} s long; the limit is {max_seconds:,.0f} s "
            "(KW_MAX_AUDIO_SECONDS)"
        )
    return info


def _declared_duration(container, stream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000  # AV_TIME_BASE
    return None


def decode(path: Path) -> np.ndarray:
    """16 kHz mono float32 samples, as the model takes them."""
    from faster_whisper.audio import decode_audio

    try:
        return decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except Exception as exc:  # PyAV raises many types for damaged streams
        raise InvalidInput(f"the recording could not be decoded ({type(exc).__name__})") from None


def is_silent(samples: np.ndarray) -> bool:
    return samples.size == 0 or float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) < SILENCE_RMS

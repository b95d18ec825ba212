"""Where a decode with hotwords cuts a recording: stretches of speech (Silero VAD, as faster-whisper
uses it) joined while they fit one 30 s window, cut only at pauses.

Whisper decodes a window until it writes a closing timestamp and then starts a new 30 s window
where that segment ended. Primed with names, it stops early more often, and each leftover tail cost a
second encoder pass over a fresh window: +24 % CPU on the tuning memos of bench/voice_names.py.
Decoding each clip whole, without timestamps, takes one pass per clip (+5 % with 110 tokens of
names), and since clips end at pauses no word is cut in two. A segment is then a clip.
"""

from __future__ import annotations

import numpy as np

from .audio import SAMPLE_RATE

MAX_CLIP_S = 30.0  # Whisper's window
MAX_PAUSE_S = 3.0  # a longer silence starts a new clip rather than sit inside one


def speech_clips(samples: np.ndarray) -> list[float]:
    """[start, end, start, end, …] in seconds, as faster-whisper's `clip_timestamps` takes them."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(max_speech_duration_s=MAX_CLIP_S - 1)
    clips: list[list[float]] = []
    for chunk in get_speech_timestamps(samples, options):
        start, end = chunk["start"] / SAMPLE_RATE, chunk["end"] / SAMPLE_RATE
        if clips and end - clips[-1][0] <= MAX_CLIP_S and start - clips[-1][1] <= MAX_PAUSE_S:
            clips[-1][1] = end
        else:
            clips.append([start, end])
    return [round(t, 3) for clip in clips for t in clip]

"""Real speech for the voice tests: espeak-ng (Debian) speaks known sentences into WAV files, PyAV
re-encodes them into the other containers users upload (mp3, m4a/AAC, ogg/opus, webm/opus)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest


def espeak_or_skip() -> str:
    """espeak-ng's path; installed with apt-get when missing and we may, skipped with why otherwise."""
    found = shutil.which("espeak-ng")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-q", "espeak-ng"], capture_output=True, timeout=600)
        if not shutil.which("espeak-ng"):
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=600)
            subprocess.run(["apt-get", "install", "-y", "-q", "espeak-ng"], capture_output=True, timeout=600)
        found = shutil.which("espeak-ng")
    if not found:
        pytest.skip("espeak-ng is not installed and could not be (apt-get install espeak-ng needs root)")
    return found


def speak(text: str, path: Path, *, words_per_minute: int = 150) -> Path:
    subprocess.run(
        [espeak_or_skip(), "-v", "en-us", "-s", str(words_per_minute), "-w", str(path), text],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return path


CODECS = {".mp3": ("mp3", "libmp3lame"), ".m4a": ("mp4", "aac"), ".ogg": ("ogg", "libopus"),
          ".webm": ("webm", "libopus")}  # fmt: skip


def transcode(source: Path, target: Path, bit_rate: int = 96_000) -> Path:
    """Re-encode a WAV into the container and codec the target's extension names."""
    container_format, codec = CODECS[target.suffix]
    # What phones and browsers record: Opus at 48 kHz, AAC and MP3 at 44.1 kHz, voice bitrates.
    rate = 48_000 if codec == "libopus" else 44_100
    with av.open(str(source)) as src, av.open(str(target), "w", format=container_format) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        stream.bit_rate = bit_rate
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        for frame in src.decode(audio=0):
            for resampled in resampler.resample(frame):
                for packet in stream.encode(resampled):
                    out.mux(packet)
        for resampled in resampler.resample(None):
            for packet in stream.encode(resampled):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return target


def silence(path: Path, seconds: float) -> Path:
    """A valid WAV holding only digital silence."""
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=16_000)
        stream.layout = "mono"
        samples = np.zeros((1, int(16_000 * seconds)), dtype=np.int16)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = 16_000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("-", " "))


def word_accuracy(reference: str, hypothesis: str) -> float:
    """1 - word error rate (Levenshtein over words), the measure ASR papers report."""
    ref, hyp = words(reference), words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return 1 - previous[-1] / max(len(ref), 1)

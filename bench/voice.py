"""Voice benchmark: wall time from upload (`POST /v1/recordings`) to job done, offline (Whisper base
int8 on CPU + spaCy extraction + MiniLM + embedded FalkorDB), for 5 s, 30 s and 5 min recordings
spoken by espeak-ng from a real QMSum meeting's words, split by stage, with transcription's
real-time factor (transcribe seconds / audio seconds). Goal: a 5 s recording in the graph in < 5 s.

    .venv/bin/python bench/voice.py            # needs espeak-ng (apt-get install espeak-ng)
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.cli.terminal import table  # noqa: E402
from backend.config import load_settings  # noqa: E402
from tests.support.live_server import live_server  # noqa: E402
from tests.support.qmsum import meeting_path  # noqa: E402
from tests.support.speech import speak, transcode  # noqa: E402
from tests.support.sse import read_events  # noqa: E402

WORDS_PER_SECOND = 3.2  # espeak-ng -s 150 on this meeting's (short) words, measured


def meeting_words() -> list[str]:
    data = json.loads(meeting_path("Bed015").read_text())
    turns = data["meeting_transcripts"] if isinstance(data, dict) else data
    text = " ".join(t["content"] for t in turns)
    return [w for w in text.split() if w.isascii() and not w.startswith("{")]


def upload_until_done(api: str, path: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    with open(path, "rb") as f:
        accepted = httpx.post(f"{api}/v1/recordings", files={"file": (path.name, f)}, data={"language": "en"})
    accepted.raise_for_status()
    job_id = accepted.json()["job_id"]
    read_events(f"{api}/v1/jobs/{job_id}/events", timeout=3600)  # to its end
    wall = time.perf_counter() - started
    job = httpx.get(f"{api}/v1/jobs/{job_id}").json()
    if job["status"] != "succeeded":
        raise SystemExit(f"{path.name}: job {job['status']}: {job.get('error')}")
    return wall, job["result"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lengths", default="5,30,300", help="recording lengths in seconds")
    args = parser.parse_args()
    if not shutil.which("espeak-ng"):
        raise SystemExit("bench/voice.py needs espeak-ng (apt-get install espeak-ng)")
    words = meeting_words()
    rows = []
    with tempfile.TemporaryDirectory(prefix="kw-voice-bench-") as tmp:
        folder = Path(tmp)
        with live_server(load_settings(data_dir=folder / "data")) as api:
            warm = speak("Warming up the model.", folder / "warm.wav")
            cold, _ = upload_until_done(api, warm)  # first call loads Whisper, spaCy and MiniLM
            offset = 0
            for seconds in (int(s) for s in args.lengths.split(",")):
                count = int(seconds * WORDS_PER_SECOND)
                text = " ".join(words[offset : offset + count])
                offset += count
                recording = transcode(speak(text, folder / f"r{seconds}.wav"), folder / f"r{seconds}.ogg")
                wall, result = upload_until_done(api, recording)
                stages = result["stage_ms"]
                audio_s = _duration(recording)
                rows.append([
                    f"{audio_s:.1f}", f"{wall:.2f}", f"{stages.get('transcribe', 0) / 1000:.2f}",
                    f"{stages.get('transcribe', 0) / 1000 / audio_s:.3f}",
                    f"{stages.get('extract', 0) / 1000:.2f}", f"{stages.get('embed', 0) / 1000:.2f}",
                    f"{(stages.get('resolve', 0) + stages.get('write', 0)) / 1000:.2f}",
                    result["chunks"], result["entities"],
                ])  # fmt: skip
    print(f"first upload (loads Whisper, spaCy, MiniLM): {cold:.2f} s wall")
    print(
        table(
            [
                "audio s",
                "wall s",
                "transcribe s",
                "RTF",
                "extract s",
                "embed s",
                "resolve+write s",
                "chunks",
                "entities",
            ],
            rows,
        )
    )


def _duration(path: Path) -> float:
    from backend.speech.audio import probe

    return probe(path, max_seconds=10_000).duration_s


if __name__ == "__main__":
    main()

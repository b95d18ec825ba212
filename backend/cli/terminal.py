"""What the CLI prints: progress bars driven by real job events, and small tables."""

from __future__ import annotations

import sys
from collections.abc import Sequence


class ProgressBar:
    """One line per file, redrawn in place on a terminal; on a pipe, one line per stage change."""

    def __init__(self, label: str, stream=None, width: int = 28) -> None:
        self.label, self.stream, self.width = label, stream or sys.stderr, width
        self.tty = self.stream.isatty()
        self._last_stage = None

    def update(self, progress: float, stage: str, counts: dict | None = None) -> None:
        done_total = (counts or {}).get(stage)
        unit = " s" if stage == "transcribe" else ""  # transcription progresses in audio seconds
        detail = f"{stage} {done_total['done']}/{done_total['total']}{unit}" if done_total else stage
        filled = int(self.width * progress)
        bar = "#" * filled + "." * (self.width - filled)
        line = f"{self.label:<28.28} [{bar}] {progress * 100:5.1f}% {detail}"
        if self.tty:
            self.stream.write("\r" + line.ljust(100))
            self.stream.flush()
        elif stage != self._last_stage:
            self.stream.write(line + "\n")
        self._last_stage = stage

    def finish(self, message: str) -> None:
        line = f"{self.label:<28.28} {message}"
        self.stream.write(("\r" + line.ljust(100) + "\n") if self.tty else line + "\n")
        self.stream.flush()


def queue_words(place: dict) -> str:
    """A queued job's place, as the `queued` event gives it."""
    if place.get("ahead") is None:
        return f"queued, {place['waiting']} waiting"
    return "queued, next to run" if place["ahead"] == 0 else f"queued, {place['ahead']} ahead of it"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}" if minutes >= 60 else f"{minutes}:{secs:02d}"


def citations_table(citations: Sequence[dict], shown: Sequence[int] = ()) -> str:
    """[n], transcript, who, when (time range, else turn range), and the start of what was said; only
    the numbers in `shown` (those the answer cites) when it names any."""
    rows = []
    for n, c in enumerate(citations, start=1):
        if shown and n not in shown:
            continue
        when = (
            f"{clock(c['start_s'])}–{clock(c['end_s'])}" if c.get("start_s") is not None
            else f"turns {c['turn_start']}–{c['turn_end']}"
        )  # fmt: skip
        excerpt = " ".join(c["text"].split())
        rows.append(
            [
                f"[{n}]",
                c["title"][:24],
                ", ".join(c["speakers"])[:32],
                when,
                excerpt[:60] + ("…" if len(excerpt) > 60 else ""),
            ]
        )
    return table(["#", "transcript", "speakers", "when", "excerpt"], rows)

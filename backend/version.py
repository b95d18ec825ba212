"""Which build is this? `/version` answers, so anyone can tell what is deployed."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path

from backend import __version__
from backend.config import Settings

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def _git(*args: str) -> str | None:
    if not (_SOURCE_ROOT / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", *args], cwd=_SOURCE_ROOT, capture_output=True, text=True, timeout=5, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


@lru_cache(maxsize=1)
def _from_git() -> tuple[str | None, str | None]:
    # A source checkout has no build stamp: its HEAD commit and commit time identify it.
    return _git("rev-parse", "HEAD"), _git("log", "-1", "--format=%cI")


def build_info(settings: Settings) -> dict[str, str]:
    """`{version, git_sha, built_at}`: from the build (KW_GIT_SHA, KW_BUILT_AT) or else the checkout."""
    sha, when = (settings.git_sha, settings.built_at) if settings.git_sha else _from_git()
    return {
        "version": __version__,
        "git_sha": sha or "unknown",
        "built_at": settings.built_at or when or "unknown",
    }

"""Where the QMSum validation meetings are: `KW_QMSUM_DIR`, else `shared/data/qmsum-val` beside the
checkout (where CI puts it), else the workplace copy. Tests that need them skip, saying why, if none."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_CANDIDATES = [
    os.environ.get("KW_QMSUM_DIR"),
    ROOT.parent / "shared" / "data" / "qmsum-val",
    "/work/shared/data/qmsum-val",
]


def qmsum_dir() -> Path | None:
    for candidate in _CANDIDATES:
        if candidate and (Path(candidate) / "ES2006a.json").exists():
            return Path(candidate)
    return None


def meeting_path(name: str) -> Path:
    found = qmsum_dir()
    if found is None:
        pytest.skip(
            "QMSum validation meetings not found: set KW_QMSUM_DIR or put shared/ beside the checkout"
        )
    return found / f"{name}.json"

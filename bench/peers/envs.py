"""One virtual environment per peer under bench/work/peers/<system>/ (nothing vendored, nothing
committed from the peers), created on first use with the pinned packages below."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "bench" / "work" / "peers"

# The versions measured in RESULTS.md; bump deliberately and re-run.
PACKAGES: dict[str, list[str]] = {
    "lightrag": ["lightrag-hku==1.5.7"],
    "neo4j-graphrag": ["neo4j-graphrag[openai]==1.22.0"],
    # 0.31.2 needs certifi>=2026.10.19, newer than any certifi this machine can install.
    "graphiti": ["graphiti-core[kuzu]==0.31.1", "httpx"],
    "graphrag": ["graphrag==3.3.0"],
}


def python_for(system: str) -> Path:
    """The system's interpreter, its venv built (once) with its pinned packages."""
    if system == "knowledgeweaver":
        return Path(sys.executable)
    venv = WORK / system
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    wanted = "\n".join(PACKAGES[system])
    if marker.is_file() and marker.read_text() == wanted:
        return python
    subprocess.run([_python312(), "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES[system]], check=True)
    marker.write_text(wanted)
    return python


def version_of(system: str) -> str:
    if system == "knowledgeweaver":
        from backend import __version__

        return __version__
    return PACKAGES[system][0].split("==")[-1]


def tiktoken_cache() -> Path:
    """tiktoken's encodings offline: the copies litellm ships (the cache files are named by the
    SHA-1 of their download URL, which is what TIKTOKEN_CACHE_DIR expects)."""
    cache = WORK / "tiktoken-cache"
    if any(cache.glob("fb374d41*")):
        return cache
    cache.mkdir(parents=True, exist_ok=True)
    download = WORK / "downloads"
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(download), "litellm"],
        check=True,
    )
    wheel = next(download.glob("litellm-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.startswith("litellm/litellm_core_utils/tokenizers/") and "." not in Path(member).name:
                (cache / Path(member).name).write_bytes(archive.read(member))
    return cache


def _python312() -> str:
    return sys.executable if sys.version_info[:2] == (3, 12) else "python3.12"

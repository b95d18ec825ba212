"""The lock and pyproject agree: every dependency pyproject names (the dev extra too) is pinned in
requirements.txt, with hashes, at a version its specifier accepts. Fails when one changes without
the other (`make lock` refreshes the lock)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def pins() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from requirements.txt."""
    text = (ROOT / "requirements.txt").read_text()
    found = {}
    for match in re.finditer(
        r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)((?:\s*\\\s*--hash=sha256:[0-9a-f]{64})*)", text, re.M
    ):
        found[canonicalize_name(match.group(1))] = (match.group(2), match.group(3).count("--hash="))
    return found


def test_every_dependency_is_pinned_with_hashes_at_an_accepted_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]
    locked = pins()
    assert len(locked) > len(wanted)  # the transitive dependencies are pinned too
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is in pyproject.toml but not in requirements.txt"
        version, hashes = locked[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.txt pins {name}=={version}, outside {requirement.specifier}: run make lock"
        )
        assert hashes, f"{name} has no hash in requirements.txt"


def test_the_lock_names_no_machine_specific_index():
    text = (ROOT / "requirements.txt").read_text()
    assert "--extra-index-url" not in text and "--find-links" not in text and "file://" not in text

"""The lock and pyproject agree: every dependency pyproject names (the dev extra too) is in
pylock.toml (PEP 751) at a version its specifier accepts, as a file with a sha256 on PyPI. Fails when
one changes without the other (`make lock` refreshes the lock)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def locked() -> dict[str, dict]:
    lock = tomllib.loads((ROOT / "pylock.toml").read_text())
    assert lock["lock-version"] == "1.0"
    return {canonicalize_name(p["name"]): p for p in lock["packages"]}


def files(package: dict) -> list[dict]:
    return [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]


def test_every_dependency_is_locked_with_hashes_at_an_accepted_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]
    packages = locked()
    assert len(packages) > len(wanted)  # the transitive dependencies are locked too
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in packages, f"{requirement.name} is in pyproject.toml but not in pylock.toml"
        version = packages[name]["version"]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"pylock.toml locks {name}=={version}, outside {requirement.specifier}: run make lock"
        )
    for name, package in packages.items():
        assert files(package), f"{name} has no file in pylock.toml"
        assert all(f["hashes"].get("sha256") for f in files(package)), f"{name} has a file without sha256"


def test_the_lock_names_only_files_on_pypi():
    for name, package in locked().items():
        for f in files(package):
            assert f["url"].startswith("https://files.pythonhosted.org/"), f"{name}: {f['url']}"

"""The lock and pyproject agree: every dependency pyproject names (the dev extra and the build backend
too) is pinned to one version, the version uv.lock holds, and every locked package has files with a
sha256 on PyPI. Fails when one changes without the other (`make lock` refreshes the lock; `uv sync
--locked` in make refuses too). Pinned in pyproject as well: even an install that ignores the lock
(`pip install .`) gets the versions tested, never the newest of the day."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def locked() -> dict[str, dict]:
    """The locked packages, less the project itself (installed from the checkout)."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    assert lock["requires-python"] == ">=3.12"
    return {canonicalize_name(p["name"]): p for p in lock["package"] if "editable" not in p.get("source", {})}


def files(package: dict) -> list[dict]:
    return [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]


def test_every_dependency_is_locked_with_hashes_at_an_accepted_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]
    packages = locked()
    assert len(packages) > len(wanted)  # the transitive dependencies are locked too
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in packages, f"{requirement.name} is in pyproject.toml but not in uv.lock"
        version = packages[name]["version"]
        assert [(s.operator, s.version) for s in requirement.specifier] == [("==", version)], (
            f"pyproject.toml has {requirement}, uv.lock {name}=={version}: pin it there and run make lock"
        )
    for name, package in packages.items():
        assert files(package), f"{name} has no file in uv.lock"
        assert all(f["hash"].startswith("sha256:") for f in files(package)), f"{name}: a file without sha256"


def test_the_lock_names_only_files_on_pypi():
    for name, package in locked().items():
        assert package["source"] == {"registry": "https://pypi.org/simple"}, f"{name}: {package['source']}"
        for f in files(package):
            assert f["url"].startswith("https://files.pythonhosted.org/"), f"{name}: {f['url']}"


def test_the_build_backend_is_pinned_too():
    [backend] = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    assert [s.operator for s in Requirement(backend).specifier] == ["=="], backend


def test_checkov_and_everything_under_it_install_from_their_lock():
    """`make test`'s Terraform policy checks run checkov from its own environment: pinned, it still
    pulled the newest of its dependencies the day it was installed."""
    wanted = (ROOT / "tools" / "checkov.in").read_text().split()
    locked = (ROOT / "tools" / "checkov.lock.txt").read_text()
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", locked, re.M)
    assert all(f"{name}=={version}" in {f"{n}=={v}" for n, v in pins} for name, version in
               (w.split("==") for w in wanted))  # fmt: skip
    hashed = re.findall(r"^[A-Za-z0-9_.-]+==\S+ \\\n(?:\s+--hash=sha256:[0-9a-f]{64}.*\n)+", locked, re.M)
    assert len(pins) > 50 and len(hashed) == len(pins)  # every one with its hashes
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes --no-deps -r tools/checkov.lock.txt" in makefile

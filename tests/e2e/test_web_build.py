"""The committed UI build (backend/web/static) is what web/src builds to: nobody edits the bundle by
hand, and nobody forgets to rebuild. Skips where npm or the build's node_modules are absent."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
STATIC = ROOT / "backend" / "web" / "static"


def test_committed_ui_build_matches_its_sources(tmp_path):
    if shutil.which("node") is None or not (WEB / "node_modules" / "esbuild").is_dir():
        pytest.skip("node or web/node_modules missing (make test runs npm ci in web/)")
    env = {"PATH": shutil.os.environ["PATH"], "WEB_OUT": str(tmp_path)}
    done = subprocess.run(
        ["node", "build.mjs"], cwd=WEB, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    built = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(STATIC) for p in STATIC.rglob("*") if p.is_file())
    assert built == committed
    stale = [str(p) for p in built if (tmp_path / p).read_bytes() != (STATIC / p).read_bytes()]
    assert stale == [], f"run `make web` and commit: {stale}"
    assert "cytoscape" in (STATIC / "licenses" / "index.html").read_text()

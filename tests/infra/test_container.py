"""The Dockerfile and docker-compose.yml as a user of them relies on: non-root, healthy when the API is,
models baked in at build time, settings the app actually reads. The image itself is built where a
Docker daemon is reachable."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time

import pytest
import yaml

from backend.config import ENV_PREFIX, Settings, load_settings
from tests.support.live_server import live_server

from .conftest import ROOT, TERRAFORM_DIR

DOCKERFILE = (ROOT / "Dockerfile").read_text()
SETTINGS = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}


def instruction(name: str) -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(f"{name} ")]


def test_image_is_multi_stage_slim_and_runs_weaver_serve_as_non_root():
    stages = instruction("FROM")
    assert len(stages) >= 2 and all(s.startswith("python:3.12-slim") for s in stages)
    user = instruction("USER")[-1].split(":")[0]
    assert user not in {"0", "root"}
    assert json.loads(instruction("CMD")[-1]) == ["weaver", "serve"]
    env = " ".join(instruction("ENV"))
    assert "KW_HOST=0.0.0.0" in env and "KW_DATA_DIR=/data" in env and "KW_GIT_SHA=$GIT_SHA" in env


def test_the_healthcheck_command_passes_against_the_running_api(tmp_path):
    command = json.loads(re.search(r"HEALTHCHECK .*?CMD (\[.*\])", DOCKERFILE.replace("\\\n", " ")).group(1))
    assert command[:2] == ["python", "-c"]
    with live_server(load_settings(data_dir=tmp_path)) as url:
        port = url.rsplit(":", 1)[1]
        script = command[2].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        assert subprocess.run([sys.executable, "-c", script], timeout=30).returncode == 0
    assert subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=30).returncode != 0


def test_the_build_time_model_check_loads_every_offline_model():
    done = subprocess.run(
        [sys.executable, str(ROOT / "docker" / "check_models.py")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "offline models ok" in done.stdout


def test_compose_runs_the_api_with_neo4j_phoenix_and_langfuse_sharing_keys():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["neo4j"]["image"].startswith("neo4j:5")
    assert "phoenix" in services["phoenix"]["image"] and services["langfuse-web"]["image"].startswith(
        "langfuse/"
    )
    api = services["api"]["environment"]
    assert api["KW_GRAPH_BACKEND"] == "neo4j"
    assert (
        api["KW_LANGFUSE_PUBLIC_KEY"]
        == services["langfuse-web"]["environment"]["LANGFUSE_INIT_PROJECT_PUBLIC_KEY"]
    )
    assert api["KW_NEO4J_PASSWORD"] in services["neo4j"]["environment"]["NEO4J_AUTH"]
    # auth is off in the local stack, so its API is published on this machine's loopback only
    assert api["KW_ALLOW_NO_AUTH"] == "true" and services["api"]["ports"] == ["127.0.0.1:8000:8000"]


def test_deployments_set_only_settings_the_app_reads():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    service_tf = (TERRAFORM_DIR / "modules" / "service" / "main.tf").read_text()
    used = set(compose["services"]["api"]["environment"]) | set(
        re.findall(r"\b(KW_[A-Z0-9_]+)\b", service_tf)
    )
    used |= set(re.findall(r"\b(KW_[A-Z0-9_]+)=", DOCKERFILE))
    assert used - SETTINGS == set(), "set by a deployment but not a setting: see backend/config/"


@pytest.mark.slow
def test_the_image_builds_runs_as_non_root_and_becomes_healthy():
    if shutil.which("docker") is None or subprocess.run(["docker", "info"], capture_output=True).returncode:
        pytest.skip("no reachable Docker daemon: the image build runs where `docker info` succeeds")
    tag = "knowledgeweaver:test"
    build = subprocess.run(
        ["docker", "build", "--build-arg", "GIT_SHA=test-sha", "-t", tag, str(ROOT)],
        capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-4000:]
    user = subprocess.run(
        ["docker", "run", "--rm", tag, "id", "-u"], capture_output=True, text=True, timeout=120
    )
    assert user.stdout.strip() == "10001"
    refused = subprocess.run(["docker", "run", "--rm", tag], capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and "KW_API_KEYS" in refused.stderr  # 0.0.0.0 with no keys
    run = ["docker", "run", "-d", "-e", "KW_ALLOW_NO_AUTH=true", tag]
    container = subprocess.run(run, capture_output=True, text=True).stdout.strip()
    try:
        deadline = time.monotonic() + 180
        status = ""
        while time.monotonic() < deadline and status != "healthy":
            time.sleep(3)
            inspect = ["docker", "inspect", "-f", "{{.State.Health.Status}}", container]
            status = subprocess.run(inspect, capture_output=True, text=True).stdout.strip()
        assert status == "healthy"
        version = subprocess.run(
            ["docker", "exec", container, "python", "-c",
             "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8000/version').read().decode())"],
            capture_output=True, text=True,
        )  # fmt: skip
        assert json.loads(version.stdout)["git_sha"] == "test-sha"
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True)

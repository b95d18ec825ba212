"""terraform fmt, init (offline, against the provider mirror), validate and `terraform test` (mocked
AWS provider: alarms notify the topic, Neo4j is private, dashboards decode, budget follows its variable)."""

from __future__ import annotations

import subprocess

import pytest

from .conftest import TERRAFORM_DIR, terraform_env

pytestmark = pytest.mark.slow


def terraform(env, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    done = subprocess.run(
        ["terraform", *args], cwd=TERRAFORM_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, (
        f"terraform {' '.join(args)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    )
    return done


@pytest.fixture(scope="module")
def tf(tmp_path_factory):
    env = terraform_env(tmp_path_factory.mktemp("terraform"))
    terraform(env, "init", "-backend=false", "-input=false", "-no-color", "-lockfile=readonly")
    return env


def test_terraform_is_formatted(tf):
    terraform(tf, "fmt", "-check", "-recursive", "-diff", "-no-color")


def test_terraform_validates(tf):
    assert "Success" in terraform(tf, "validate", "-no-color").stdout


def test_terraform_tests_pass_against_the_mocked_provider(tf):
    out = terraform(tf, "test", "-no-color", timeout=600).stdout
    assert "0 failed" in out and " passed" in out

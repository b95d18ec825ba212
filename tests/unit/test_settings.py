"""Settings: bad values stop start-up naming the variable; secrets come from Secrets Manager."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend.config import SettingsError, describe_settings, load_settings
from backend.errors import ProviderUnavailable
from backend.secret_store import read_secret
from tests.support.http_standin import StandIn, secrets_manager

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:kw/neo4j-AbCdEf"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"KW_PORT": "not-a-port"}, "KW_PORT"),
        ({"KW_GRAPH_BACKEND": "mysql"}, "KW_GRAPH_BACKEND"),
        ({"KW_API_KEYS": '{"short": "team-a"}'}, "KW_API_KEYS"),
        ({"KW_API_KEYS": "not json"}, "KW_API_KEYS"),
        ({"KW_GRAPH_BACKEND": "neo4j"}, "KW_NEO4J_URI"),
        ({"KW_EMBEDDING_DIM": "3"}, "KW_EMBEDDING_DIM"),
        ({"KW_JOB_BACKEND": "aws"}, "KW_JOBS_QUEUE_URL"),
        ({"KW_JOB_BACKEND": "sqs"}, "KW_JOB_BACKEND"),
    ],
)
def test_invalid_settings_name_the_variable(monkeypatch, env, variable):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()


def test_api_keys_map_to_namespaces_and_stay_out_of_repr(monkeypatch):
    keys = {"k" * 20: "team-a", "a" * 24: "*"}
    monkeypatch.setenv("KW_API_KEYS", json.dumps(keys))
    settings = load_settings()
    assert settings.api_keys == keys and settings.auth_enabled
    assert "k" * 20 not in repr(settings)


def test_weaver_refuses_to_start_with_bad_settings():
    env = {**os.environ, "KW_PORT": "99999"}
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "serve"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "KW_PORT" in result.stderr


def test_every_setting_is_documented():
    rows = describe_settings()
    assert {r[0] for r in rows} >= {"KW_DATA_DIR", "KW_GRAPH_BACKEND", "KW_NEO4J_URI", "KW_API_KEYS"}


def test_secret_read_from_secrets_manager(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    secrets = {
        ARN: json.dumps({"username": "neo4j", "password": "s3cr3t-from-aws"}),
        "plain": "just-a-string",
    }
    with StandIn(secrets_manager(secrets)) as aws:
        assert read_secret(ARN, region="us-east-1", endpoint_url=aws.url) == "s3cr3t-from-aws"
        assert read_secret("plain", region="us-east-1", endpoint_url=aws.url) == "just-a-string"
        with pytest.raises(ProviderUnavailable) as missing:
            read_secret("arn:missing", region="us-east-1", endpoint_url=aws.url)
        assert "ResourceNotFound" in str(missing.value) or "ClientError" in str(missing.value)
        # boto3 signed real requests with the Secrets Manager target header
        assert all(h["x-amz-target"] == "secretsmanager.GetSecretValue" for _, _, h, _ in aws.requests)
        assert "s3cr3t" not in str(missing.value)


def test_readme_documents_every_setting():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [variable for variable, _, _ in describe_settings() if f"`{variable}`" not in readme]
    assert missing == []

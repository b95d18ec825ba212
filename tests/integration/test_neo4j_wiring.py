"""The Neo4j path up to the network: password from Secrets Manager, a clear error when Neo4j is not
there. (The store's behaviour on a live Neo4j runs in test_graph_store.py whenever NEO4J_URI is set.)"""

from __future__ import annotations

import json

import pytest

from backend.config import load_settings
from backend.errors import GraphUnavailable
from backend.graph import open_graph_store
from tests.support.http_standin import StandIn, secrets_manager
from tests.support.live_server import free_port

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:kw/neo4j-XyZ"


async def test_unreachable_neo4j_is_a_clear_error_without_the_password(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with StandIn(secrets_manager({ARN: json.dumps({"password": "pw-from-secrets-manager"})})) as aws:
        settings = load_settings(
            graph_backend="neo4j",
            neo4j_uri=f"bolt://127.0.0.1:{free_port()}",
            neo4j_password_secret_arn=ARN,
            aws_region="eu-west-1",
            aws_endpoint_url=aws.url,
        )
        with pytest.raises(GraphUnavailable) as err:
            await open_graph_store(settings)
        assert len(aws.requests) == 1  # the password was fetched from Secrets Manager
    assert "cannot reach Neo4j at bolt://127.0.0.1:" in str(err.value)
    assert "pw-from-secrets-manager" not in str(err.value)


async def test_neo4j_without_a_password_says_which_variables_to_set():
    settings = load_settings(graph_backend="neo4j", neo4j_uri=f"bolt://127.0.0.1:{free_port()}")
    with pytest.raises(GraphUnavailable, match="KW_NEO4J_PASSWORD or KW_NEO4J_PASSWORD_SECRET_ARN"):
        await open_graph_store(settings)

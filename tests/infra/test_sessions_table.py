"""The conversations table Terraform creates is the one the app reads and writes: the same partition
key and TTL attribute (backend/conversation/dynamodb_store.py), on demand, and the task's settings."""

from __future__ import annotations

import re

from backend.conversation.dynamodb_store import PARTITION_KEY, TTL_ATTRIBUTE, table_definition

from .conftest import TERRAFORM_DIR


def test_terraform_table_matches_what_the_app_writes():
    table = (TERRAFORM_DIR / "modules" / "sessions" / "main.tf").read_text()
    assert re.search(rf'hash_key\s*=\s*"{PARTITION_KEY}"', table)
    assert re.search(rf'attribute\s*{{\s*name\s*=\s*"{PARTITION_KEY}"\s*type\s*=\s*"S"', table)
    assert re.search(rf'ttl\s*{{\s*attribute_name\s*=\s*"{TTL_ATTRIBUTE}"\s*enabled\s*=\s*true', table)
    assert 'billing_mode = "PAY_PER_REQUEST"' in table
    local = table_definition("t")  # what tests and local stand-ins create
    assert local["BillingMode"] == "PAY_PER_REQUEST"
    assert local["KeySchema"] == [{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}]


def test_the_task_is_configured_for_the_table():
    service = (TERRAFORM_DIR / "modules" / "service" / "main.tf").read_text()
    for setting in ("KW_SESSION_BACKEND", "KW_SESSIONS_TABLE", "KW_SESSION_IDLE_TTL_S"):
        assert setting in service

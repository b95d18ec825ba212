"""The job backend Terraform creates is the one the app uses: the table's keys, index and TTL attribute
(backend/ingest/job_table.py), the queue's redrive after KW_JOB_MAX_ATTEMPTS, and the settings both
services get."""

from __future__ import annotations

import re

from backend.config import Settings
from backend.ingest.job_table import (
    PARTITION_KEY,
    SORT_KEY,
    TRANSCRIPT_INDEX,
    TRANSCRIPT_KEY,
    TTL_ATTRIBUTE,
    table_definition,
)

from .conftest import TERRAFORM_DIR


def test_terraform_table_matches_what_the_app_writes():
    table = (TERRAFORM_DIR / "modules" / "jobs" / "main.tf").read_text()
    assert re.search(rf'hash_key\s*=\s*"{PARTITION_KEY}"', table)
    assert re.search(rf'range_key\s*=\s*"{SORT_KEY}"', table)
    local = table_definition("t")  # what tests and local stand-ins create
    for attribute in local["AttributeDefinitions"]:
        name, kind = attribute["AttributeName"], attribute["AttributeType"]
        assert re.search(rf'attribute\s*{{\s*name\s*=\s*"{name}"\s*type\s*=\s*"{kind}"', table), name
    (index,) = local["GlobalSecondaryIndexes"]
    assert index["IndexName"] == TRANSCRIPT_INDEX and index["Projection"]["ProjectionType"] == "KEYS_ONLY"
    assert re.search(
        rf'name\s*=\s*"{TRANSCRIPT_INDEX}"\s*hash_key\s*=\s*"{TRANSCRIPT_KEY}"\s*range_key\s*=\s*"created_at"',
        table,
    )
    assert re.search(rf'ttl\s*{{\s*attribute_name\s*=\s*"{TTL_ATTRIBUTE}"\s*enabled\s*=\s*true', table)
    assert 'billing_mode = "PAY_PER_REQUEST"' in table and local["BillingMode"] == "PAY_PER_REQUEST"


def test_the_queue_dead_letters_after_the_apps_attempts():
    jobs = (TERRAFORM_DIR / "modules" / "jobs" / "main.tf").read_text()
    assert "maxReceiveCount     = var.max_attempts" in jobs
    root = (TERRAFORM_DIR / "main.tf").read_text()
    assert "max_attempts        = var.job_max_attempts" in root
    service = (TERRAFORM_DIR / "modules" / "service" / "main.tf").read_text()
    assert "KW_JOB_MAX_ATTEMPTS          = tostring(var.jobs.max_attempts)" in service


def test_the_tasks_get_every_setting_the_aws_backend_requires():
    service = (TERRAFORM_DIR / "modules" / "service" / "main.tf").read_text()
    required = (
        "KW_JOB_BACKEND",
        "KW_JOBS_QUEUE_URL",
        "KW_JOBS_DLQ_URL",
        "KW_JOBS_TABLE",
        "KW_UPLOADS_BUCKET",
    )
    for setting in (*required, "KW_JOB_LEASE_S", "KW_JOB_RETENTION_S"):
        assert setting in service
        assert setting.removeprefix("KW_").lower() in Settings.model_fields

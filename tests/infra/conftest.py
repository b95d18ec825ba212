"""The infrastructure as shipped: dashboards/, alerts/, docs/runbooks/ and terraform/, checked with the
real tools (terraform, checkov) where this machine has them."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = ROOT / "terraform"
DASHBOARDS = ROOT / "dashboards"
ALERTS = ROOT / "alerts"
RUNBOOKS = ROOT / "docs" / "runbooks"

# What Terraform's templatefile substitutes (terraform/modules/observability/main.tf): dummy values
# let the bodies be read as JSON/YAML here the way CloudWatch will read the rendered ones.
TEMPLATE_VALUES = {
    "region": "us-east-1",
    "namespace": "KnowledgeWeaver",
    "service_name": "knowledgeweaver",
    "cluster_name": "kw-test",
    "ecs_service_name": "kw-test",
    "worker_service_name": "kw-test-worker",
    "jobs_queue_name": "kw-test-jobs",
    "jobs_dlq_name": "kw-test-jobs-dlq",
    "load_balancer_arn_suffix": "app/kw-test/0123456789abcdef",
    "target_group_arn_suffix": "targetgroup/kw-0123/0123456789abcdef",
    "neo4j_instance_id": "i-0123456789abcdef0",
    "log_group_name": "/ecs/kw-test",
    "xray_group": "kw-test",
    "xray_faults_group": "kw-test-faults",
    "llm_daily_budget_usd": "3",
    "min_tasks": "2",
    "deployment": "kw-test",
}


def render(path: Path) -> str:
    def substitute(match: re.Match) -> str:
        name = match.group(1)
        assert name in TEMPLATE_VALUES, f"{path.name} uses ${{{name}}}, which Terraform does not provide"
        return TEMPLATE_VALUES[name]

    return re.sub(r"(?<!\$)\$\{(\w+)\}", substitute, path.read_text())


def dashboards() -> dict[str, dict]:
    return {p.stem: json.loads(render(p)) for p in sorted(DASHBOARDS.glob("*.json"))}


def alert_files() -> dict[str, dict]:
    return {p.stem: yaml.safe_load(render(p)) for p in sorted(ALERTS.glob("*.yaml"))}


def alarms() -> list[dict]:
    return [alarm for doc in alert_files().values() for alarm in doc.get("alarms", [])]


def terraform_env(tmp_path: Path) -> dict[str, str]:
    """Terraform offline: providers from the local mirror named in terraform/offline.tfrc (or
    KW_TF_PROVIDER_MIRROR), working data outside the source tree."""
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not on PATH (install Terraform >= 1.10 to run the infrastructure tests)")
    config = (TERRAFORM_DIR / "offline.tfrc").read_text()
    mirror = os.environ.get("KW_TF_PROVIDER_MIRROR") or re.search(r'path\s*=\s*"([^"]+)"', config).group(1)
    if not (Path(mirror) / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip(f"no hashicorp/aws provider mirror at {mirror} (set KW_TF_PROVIDER_MIRROR to its folder)")
    cli_config = tmp_path / "offline.tfrc"
    cli_config.write_text(re.sub(r'path\s*=\s*"[^"]+"', f'path    = "{mirror}"', config))
    return {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_DATA_DIR": str(tmp_path / "tf-data"),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
    }

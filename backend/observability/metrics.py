"""CloudWatch metrics as Embedded Metric Format log lines (aws-embedded-metrics): on AWS the CloudWatch
agent / Fargate log driver turns them into metrics; off AWS they go to stdout (AWS_EMF_ENVIRONMENT=Local,
set here unless the process runs on ECS, because otherwise the library probes the EC2 metadata address).

`METRICS` is the one registry of names, units and dimension sets: dashboards/ and alerts/ may use only
these (a test checks), and `emit` refuses anything else.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

NAMESPACE = "KnowledgeWeaver"
log = logging.getLogger(__name__)

if "ECS_CONTAINER_METADATA_URI_V4" not in os.environ and "ECS_CONTAINER_METADATA_URI" not in os.environ:
    os.environ.setdefault("AWS_EMF_ENVIRONMENT", "Local")


@dataclass(frozen=True)
class Metric:
    unit: str
    dimensions: tuple[str, ...]


_REQUEST = ("Route", "StatusClass")
_LLM = ("Model", "Task")
METRICS: dict[str, Metric] = {
    "RequestCount": Metric("Count", _REQUEST),
    "RequestLatencyMs": Metric("Milliseconds", _REQUEST),
    "RequestErrors": Metric("Count", _REQUEST),
    "StageLatencyMs": Metric("Milliseconds", ("Stage",)),
    "LLMCalls": Metric("Count", _LLM),
    "LLMInputTokens": Metric("Count", _LLM),
    "LLMOutputTokens": Metric("Count", _LLM),
    "LLMCostUSD": Metric("None", _LLM),
    "LLMErrors": Metric("Count", _LLM),
    "LLMRetries": Metric("Count", _LLM),
    "GraphQueryLatencyMs": Metric("Milliseconds", ("Operation",)),
    "GraphErrors": Metric("Count", ("Operation",)),
    "IngestJobs": Metric("Count", ("Status",)),
    "IngestLatencyMs": Metric("Milliseconds", ()),
    "EntitiesWritten": Metric("Count", ()),
    "RelationsWritten": Metric("Count", ()),
    "EntitiesMerged": Metric("Count", ()),
    "AudioSeconds": Metric("Seconds", ()),
}


class _State:
    enabled = False


_state = _State()


def configure(enabled: bool) -> None:
    """Metrics are on in the server (`weaver serve`, the container) and off in CLI commands, whose
    stdout is for people; KW_METRICS overrides."""
    _state.enabled = enabled


async def emit(dimensions: dict[str, str], **values: float) -> None:
    """One EMF line: every metric in `values` must be registered with exactly these dimensions."""
    from aws_embedded_metrics.logger.metrics_logger_factory import create_metrics_logger

    for name in values:
        spec = METRICS.get(name)
        if spec is None or set(spec.dimensions) != set(dimensions):
            raise ValueError(f"metric {name} with dimensions {sorted(dimensions)} is not in the registry")
    if not _state.enabled:
        return
    logger = create_metrics_logger()
    logger.set_namespace(NAMESPACE)
    if dimensions:
        logger.set_dimensions({k: str(v) for k, v in dimensions.items()}, use_default=False)
    else:
        logger.reset_dimensions(False)
    for name, value in values.items():
        logger.put_metric(name, value, METRICS[name].unit)
    try:
        await logger.flush()
    except Exception as exc:  # metrics never fail a request
        log.warning("metrics flush failed", extra={"error": type(exc).__name__})

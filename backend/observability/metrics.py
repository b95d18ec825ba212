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
    # Also emitted with no dimensions, so alarms and dashboards get a service-wide series: CloudWatch
    # cannot aggregate percentiles across dimension values, nor use SEARCH in an alarm.
    rollup: bool = False

    @property
    def dimension_sets(self) -> tuple[tuple[str, ...], ...]:
        return (self.dimensions, ()) if self.rollup else (self.dimensions,)


_REQUEST = ("Route", "StatusClass")
_LLM = ("Model", "Task")
METRICS: dict[str, Metric] = {
    "RequestCount": Metric("Count", _REQUEST, rollup=True),
    "RequestLatencyMs": Metric("Milliseconds", _REQUEST, rollup=True),
    "RequestErrors": Metric("Count", _REQUEST, rollup=True),
    "StageLatencyMs": Metric("Milliseconds", ("Stage",)),
    "LLMCalls": Metric("Count", _LLM, rollup=True),
    "LLMInputTokens": Metric("Count", _LLM, rollup=True),
    "LLMOutputTokens": Metric("Count", _LLM, rollup=True),
    "LLMCostUSD": Metric("None", _LLM, rollup=True),
    "LLMErrors": Metric("Count", _LLM, rollup=True),
    "LLMRetries": Metric("Count", _LLM, rollup=True),
    "GraphQueryLatencyMs": Metric("Milliseconds", ("Operation",)),
    "GraphErrors": Metric("Count", ("Operation",)),
    "IngestJobs": Metric("Count", ("Status",)),
    "IngestLatencyMs": Metric("Milliseconds", ()),
    "EntitiesWritten": Metric("Count", ()),
    "RelationsWritten": Metric("Count", ()),
    "EntitiesMerged": Metric("Count", ()),
    "AudioSeconds": Metric("Seconds", ()),
    "Heartbeat": Metric("Count", ()),
    "WorkerHeartbeat": Metric("Count", ()),
    "DependencyUp": Metric("None", ("Dependency",)),
}


class _State:
    enabled = False


_state = _State()


def configure(enabled: bool) -> None:
    """Metrics are on in the server (`weaver serve`, the container) and off in CLI commands, whose
    stdout is for people; KW_METRICS overrides."""
    _state.enabled = enabled


def enabled() -> bool:
    return _state.enabled


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
    rollup = all(METRICS[name].rollup for name in values)
    if dimensions:
        sets = [{k: str(v) for k, v in dimensions.items()}] + ([{}] if rollup else [])
        logger.set_dimensions(*sets, use_default=False)
    else:
        logger.reset_dimensions(False)
    for name, value in values.items():
        logger.put_metric(name, value, METRICS[name].unit)
    try:
        await logger.flush()
    except Exception as exc:  # metrics never fail a request
        log.warning("metrics flush failed", extra={"error": type(exc).__name__})

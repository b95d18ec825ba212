"""Dashboards and alarms speak the backend's metric registry, and every alarm leads to a runbook."""

from __future__ import annotations

import re

from backend.observability.metrics import METRICS, NAMESPACE

from .conftest import ROOT, RUNBOOKS, alarms, alert_files, dashboards

SEARCH = re.compile(r"SEARCH\('\{(?P<keys>[^}]*)\}\s+MetricName=\"(?P<name>\w+)\"")


def dashboard_metrics() -> list[tuple[str, str, frozenset[str], str]]:
    """(dashboard, metric, dimension names, where) for every KnowledgeWeaver metric a widget reads."""
    found = []
    for board, body in dashboards().items():
        for widget in body["widgets"]:
            for row in widget.get("properties", {}).get("metrics", []):
                items = [item for item in row if not isinstance(item, dict)]
                for item in row:
                    if isinstance(item, dict) and "expression" in item:
                        for match in SEARCH.finditer(item["expression"]):
                            namespace, *keys = match["keys"].split(",")
                            if namespace == NAMESPACE:
                                found.append(
                                    (board, match["name"], frozenset(keys), widget["properties"]["title"])
                                )
                if len(items) >= 2 and items[0] == NAMESPACE:
                    found.append((board, items[1], frozenset(items[2::2]), widget["properties"]["title"]))
    return found


def registered_sets(name: str) -> set[frozenset[str]]:
    return {frozenset(dims) for dims in METRICS[name].dimension_sets}


def test_dashboards_read_only_registered_metrics_with_registered_dimensions():
    used = dashboard_metrics()
    assert len(used) > 20
    for board, name, dims, where in used:
        assert name in METRICS, f"{board}/{where}: {name} is not in backend/observability/metrics.py"
        allowed = [sorted(s) for s in registered_sets(name)]
        assert dims in registered_sets(name), (
            f"{board}/{where}: {name} by {sorted(dims)}; registered: {allowed}"
        )


def test_every_registered_metric_has_a_dashboard_widget():
    shown = {name for _, name, _, _ in dashboard_metrics()}
    assert set(METRICS) - shown == set()


def test_dashboards_cover_api_ingest_llm_graph_and_infrastructure():
    boards = dashboards()
    assert set(boards) == {"api", "ingest", "llm-cost", "graph", "infrastructure"}
    text = {name: str(body) for name, body in boards.items()}
    assert "p99" in text["api"] and "RequestErrors" in text["api"]
    assert "mem_used_percent" in text["graph"] and "disk_used_percent" in text["graph"]
    assert (
        "HTTPCode_Target_5XX_Count" in text["infrastructure"]
        and "TargetResponseTime" in text["infrastructure"]
    )
    for body in boards.values():
        for widget in body["widgets"]:
            assert {"x", "y", "width", "height"} <= set(widget) and widget["x"] + widget["width"] <= 24


def test_alarms_read_only_registered_metrics():
    for alarm in alarms():
        for metric in alarm["metrics"].values():
            if metric["namespace"] == NAMESPACE:
                dims = frozenset(metric.get("dimensions", {}))
                assert metric["name"] in METRICS, f"{alarm['name']}: unknown metric {metric['name']}"
                assert dims in registered_sets(metric["name"]), (
                    f"{alarm['name']}: {metric['name']} by {sorted(dims)}"
                )


def test_alarms_are_complete_and_their_math_uses_their_metrics():
    required = {"name", "description", "severity", "runbook", "metrics", "comparison", "threshold", "period",
                "evaluation_periods", "treat_missing_data"}  # fmt: skip
    names = [alarm["name"] for alarm in alarms()]
    assert len(names) == len(set(names)), "alarm names must be unique across alerts/"
    for alarm in alarms():
        assert required <= set(alarm), f"{alarm.get('name')}: missing {required - set(alarm)}"
        assert alarm["severity"] in {"critical", "warning"}
        assert alarm["treat_missing_data"] in {"breaching", "notBreaching", "ignore", "missing"}
        assert alarm["comparison"] in {"GreaterThanThreshold", "GreaterThanOrEqualToThreshold",
                                       "LessThanThreshold", "LessThanOrEqualToThreshold"}  # fmt: skip
        assert alarm["period"] % 60 == 0 and alarm["period"] * alarm["evaluation_periods"] <= 86400
        assert alarm.get("datapoints_to_alarm", alarm["evaluation_periods"]) <= alarm["evaluation_periods"]
        ids = set(alarm["metrics"])
        assert all(re.fullmatch(r"[a-z][a-zA-Z0-9_]*", i) for i in ids)
        if "expression" in alarm:
            assert set(re.findall(r"\b[a-z][a-zA-Z0-9_]*\b", alarm["expression"])) == ids
        else:
            assert len(ids) == 1


def test_the_design_alarm_list_is_covered():
    thresholds = {alarm["name"]: alarm["threshold"] for alarm in alarms()}
    assert thresholds["api-error-rate"] == 5 and thresholds["api-latency-p95"] == 2000
    assert thresholds["ecs-cpu-high"] == 80 and thresholds["neo4j-memory-high"] == 85
    assert thresholds["ingest-latency-p95"] == 15000 and thresholds["xray-fault-rate"] == 5
    assert {"llm-daily-cost", "llm-error-rate", "llm-throttle-rate"} <= set(thresholds)
    budget = alert_files()["cost"]["budget"]
    assert budget["notify_at_percent"] and (ROOT / budget["runbook"]).is_file()


def test_every_alarm_has_a_runbook_that_says_what_to_open_and_do():
    entries = [(a["name"], a["runbook"]) for a in alarms()]
    for extra in ("budget", "billing"):  # AWS Budgets and the us-east-1 EstimatedCharges alarm
        entries.append((alert_files()["cost"][extra]["name"], alert_files()["cost"][extra]["runbook"]))
    for name, runbook in entries:
        path = ROOT / runbook
        assert path.parent == RUNBOOKS and path.is_file(), f"{name}: runbook {runbook} does not exist"
        text = path.read_text()
        assert f"`{name}`" in text, f"{runbook} does not name its alarm"
        for section in ("## What it means", "## Where to look", "## What to do"):
            assert section in text, f"{runbook} lacks {section!r}"
        assert "trace" in text.lower() and "dashboard" in text.lower()

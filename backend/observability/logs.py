"""Structured logs: one JSON object per line, so CloudWatch Logs Insights can query every field.

Trace correlation (`trace_id`, `span_id`) is added by whatever context provider is registered with
`add_context_provider`, which keeps this module free of any tracing dependency.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}
_context_providers: list[Callable[[], dict]] = []


def add_context_provider(provider: Callable[[], dict]) -> None:
    """Register a function whose dict is merged into every log line (e.g. the current trace id)."""
    _context_providers.append(provider)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for provider in _context_providers:
            line.update(provider())
        line.update(
            {k: v for k, v in record.__dict__.items() if k not in _RESERVED and not k.startswith("_")}
        )
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(level: str = "INFO", to: Path | None = None) -> None:
    """JSON lines on stderr, or appended to the file `to` when a terminal is for people (the demo,
    `weaver ingest`, `ask`, `eval`): there only warnings and errors also reach stderr, as plain text."""
    if to is not None:
        to.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.StreamHandler(sys.stderr) if to is None else logging.FileHandler(to, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    handlers: list[logging.Handler] = [handler]
    if to is not None:
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(logging.WARNING)
        console.setFormatter(logging.Formatter("weaver: %(levelname)s: %(message)s"))
        handlers.append(console)
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True  # our middleware logs each request, with more fields
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per outgoing call drowns the rest
    logging.getLogger("alembic").setLevel(logging.WARNING)  # Phoenix's client import: a line per plugin
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True

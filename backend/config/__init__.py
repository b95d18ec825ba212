"""Every setting KnowledgeWeaver reads, documented once. Environment variables carry the prefix `KW_`.

The settings are grouped by concern in this package's modules (data.py, models.py, serving.py) and
composed into the one `Settings` here, in that order — the order of `weaver settings` and the README's
table. Invalid settings stop start-up with a message that names the variable to fix (`SettingsError`).
"""

from __future__ import annotations

import json
import re
from functools import cached_property

from pydantic import ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError as SourceError

from .data import DataSettings
from .models import ModelSettings
from .serving import ServingSettings

ENV_PREFIX = "KW_"
ADMIN_NAMESPACE = "*"


class SettingsError(ValueError):
    """Raised at start-up when a `KW_*` variable has a value we cannot use."""


# Bases last-to-first: pydantic lists inherited fields from the last base to the first.
class Settings(ServingSettings, ModelSettings, DataSettings, BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    @model_validator(mode="after")
    def _check_backend(self) -> Settings:
        if self.graph_backend == "neo4j" and not self.neo4j_uri:
            raise ValueError("KW_NEO4J_URI is required when KW_GRAPH_BACKEND=neo4j")
        if self.session_backend == "dynamodb" and not self.sessions_table:
            raise ValueError("KW_SESSIONS_TABLE is required when KW_SESSION_BACKEND=dynamodb")
        if self.job_backend == "aws":
            for field in ("jobs_queue_url", "jobs_dlq_url", "jobs_table", "uploads_bucket"):
                if not getattr(self, field):
                    raise ValueError(f"KW_{field.upper()} is required when KW_JOB_BACKEND=aws")
        if self.speech_provider == "transcribe" and not self.speech_bucket:
            raise ValueError("KW_SPEECH_BUCKET is required when KW_SPEECH_PROVIDER=transcribe")
        return self

    @cached_property
    def auth_enabled(self) -> bool:
        return bool(self.api_keys)


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; raise SettingsError naming the variable on bad input."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) if err["loc"] else ""
            variable = f"{ENV_PREFIX}{field.split('.')[0].upper()}" if field else "settings"
            problems.append(f"{variable}: {err['msg']}")
        raise SettingsError("invalid settings — " + "; ".join(problems)) from None
    except SourceError as exc:  # a complex value (e.g. KW_API_KEYS) that is not valid JSON
        found = re.search(r'field "(\w+)"', str(exc))
        variable = f"{ENV_PREFIX}{found.group(1).upper()}" if found else "a KW_* variable"
        raise SettingsError(f"invalid settings — {variable}: expected a JSON value") from None


def describe_settings() -> list[tuple[str, str, str]]:
    """(variable, default, description) for every setting: the README's table is generated from this."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = (
            ""
            if default is None
            else (json.dumps(default) if isinstance(default, dict | bool) else str(default))
        )
        rows.append((f"{ENV_PREFIX}{name.upper()}", shown, field.description or ""))
    return rows


def settings_table() -> str:
    """The README's settings table, in Markdown."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for variable, default, description in describe_settings():
        shown = f"`{default}`" if default else ""
        lines.append(f"| `{variable}` | {shown} | {description} |")
    return "\n".join(lines)

"""The OpenAPI document lists every status a route can answer, with the one error body they share.

Routes declare what is theirs (`responses=errors(404, 409)`); what cuts across routes is added here,
by rule, so a new route is documented the day it lands:
- every /v1 route: 429 (the caller's rate, api/limits.py);
- a route that takes a caller: 401 and 403; one that reaches the runtime (graph, jobs, models): 503;
- a route with a body: 400 (unreadable), 413 (over the body limit), 422; with parameters: 422;
- the question routes: 503 also when the server sheds load (api/limits.py)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel, Field

from .auth import get_caller
from .deps import get_ingest, get_runtime, get_store
from .limits import QUESTION_ROUTES

DESCRIPTIONS = {
    400: "The body could not be read (send UTF-8 JSON), or a multipart text field is over 1 MB.",
    401: "Auth is on and no API key, or an unknown one, was sent: `Authorization: Bearer <key>`.",
    403: "The API key may not use this namespace, or the endpoint needs an admin key.",
    404: "Nothing by that id in the caller's namespace.",
    409: "The resource is not in a state that allows this.",
    413: "The body is over its limit: KW_MAX_REQUEST_BYTES (uploads: KW_MAX_UPLOAD_BYTES, "
    "KW_MAX_AUDIO_BYTES). Refused before the body is read.",
    415: "The file's type is not one this endpoint takes; the message lists those it does.",
    422: "A field failed validation: the message starts with the field, `details.problems` lists each.",
    429: "Over the caller's rate (KW_RATE_LIMIT_PER_S, KW_RATE_LIMIT_BURST); `Retry-After` says when "
    "to try again.",
    502: "The model provider refused the call (`llm_error`: its credentials, model setting or content "
    "filter, for the operator to fix); the server log has the provider's reason.",
    503: "Try again later: the graph or a provider is unavailable (`graph_unavailable`, "
    "`provider_unavailable`, the model's `llm_unavailable` or `llm_throttled`), or the server is full "
    "(`overloaded`, with `Retry-After`).",
    504: "The query ran over its time limit.",
}
# The console's own: its time limit (graph/console.py; KW_QUERY_TIMEOUT_MS). An answer's: the model.
ROUTE_CODES = {("POST", "/v1/cypher"): [504], ("POST", "/v1/query"): [502]}
RUNTIME = {get_runtime, get_store, get_ingest}  # what reaches the graph, the jobs or the models
RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}
}


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable and machine-readable, e.g. `invalid_input`, `rate_limited`.")
    message: str = Field(description="What went wrong and what to change.")
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    """Every error: 4xx for the caller's mistakes (the message says what to fix), 5xx for ours."""

    error: ErrorDetail


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route's own error statuses."""
    return {code: {"model": ErrorBody, "description": DESCRIPTIONS[code]} for code in codes}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            _add_errors(schema, app)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi


def _add_errors(schema: dict[str, Any], app: FastAPI) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(body.pop("$defs", {}), ErrorBody=body)
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422 body: ours differs
        components.pop(unused, None)
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for route in iter_route_contexts(app.routes):  # routes of included routers, with their prefixes
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods:
            operation = schema["paths"][route.path_format][method.lower()]
            responses = operation.setdefault("responses", {})
            for code in _cross_cutting(route, method, operation):
                if str(code) in responses and code != 422:  # the route's own word on it stands
                    continue
                responses[str(code)] = {"description": DESCRIPTIONS[code], "content": content}
                if code in (429, 503) and route.path.startswith("/v1/"):
                    responses[str(code)]["headers"] = RETRY_AFTER


def _cross_cutting(route: RouteContext, method: str, operation: dict) -> list[int]:
    calls = _calls(route.dependant)
    codes = []
    if "requestBody" in operation:
        codes += [400, 413, 422]
    elif operation.get("parameters"):
        codes.append(422)
    if get_caller in calls:
        codes += [401, 403]
    if route.path.startswith("/v1/"):
        codes.append(429)
    if calls & RUNTIME or (method, route.path) in QUESTION_ROUTES:
        codes.append(503)
    return codes + ROUTE_CODES.get((method, route.path), [])


def _calls(dependant: Dependant) -> set:
    found = {dependant.call}
    for sub in dependant.dependencies:
        found |= _calls(sub)
    return found

"""The one place errors become HTTP: `{"error": {"code", "message", "details"}}`, 4xx for the caller's
mistakes, 5xx only for ours. Internal errors never echo exception text (it may carry secrets)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend import errors
from backend.domain import NAMESPACE_RULE
from backend.llm.port import LLMError, ProviderFailure, Throttled

log = logging.getLogger(__name__)

STATUS: dict[type[errors.WeaverError], int] = {
    errors.InvalidInput: 422,
    errors.QueryFailed: 400,
    errors.NotFound: 404,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMedia: 415,
    errors.QueryTimeout: 504,
    errors.GraphUnavailable: 503,
    errors.ProviderUnavailable: 503,
    errors.ExtractionFailed: 503,  # a job's error, not a request's; here for completeness
    errors.RateLimited: 429,
    errors.Overloaded: 503,
    # The model provider: down or throttling us is worth asking again (503 with Retry-After); a call it
    # refused (credentials, a model it does not serve) is a bad gateway, ours to fix, not the caller's.
    ProviderFailure: 503,
    Throttled: 503,
    LLMError: 502,
}


def status_for(exc: errors.WeaverError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_body(code: str, message: str, details: dict | list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _public(exc: errors.WeaverError) -> tuple[int, dict, dict[str, str]]:
    """(status, body, headers) for one of our errors, as the caller may see it."""
    status = status_for(exc)
    if isinstance(exc, errors.GraphQueryError):  # its details may quote the statement too
        return status, error_body(exc.code, exc.public_message), {}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if isinstance(exc, errors.TryLater):
        headers["Retry-After"] = str(exc.retry_after_s)
    elif status == 503:  # the graph or a provider is busy or restarting: worth asking again soon
        headers["Retry-After"] = "5"
    return status, error_body(exc.code, exc.public_message, exc.details), headers


def error_response(exc: errors.WeaverError) -> JSONResponse:
    """The response for one of our errors; the request limits (api/limits.py) send it themselves."""
    status, body, headers = _public(exc)
    return JSONResponse(body, status_code=status, headers=headers)


def _log(exc: errors.WeaverError, path: str) -> None:
    if status_for(exc) >= 500 and not isinstance(exc, errors.TryLater):
        log.error("request failed", extra={"code": exc.code, "path": path, "error": exc.message})


def error_event(exc: Exception, path: str) -> dict:
    """The data of the `error` event that ends a stream whose 200 has already been sent: the body the
    same error gets as a response, with the `status` it would have had (and `retry_after_s` when it
    would have said Retry-After)."""
    if not isinstance(exc, errors.WeaverError):
        log.error("stream failed", exc_info=exc, extra={"path": path})
        return {
            **error_body("internal_error", "internal error; the server log has the details"),
            "status": 500,
        }
    _log(exc, path)
    status, body, headers = _public(exc)
    if "Retry-After" in headers:
        body["error"]["details"] = {**body["error"]["details"], "retry_after_s": int(headers["Retry-After"])}
    return {**body, "status": status}


async def _weaver_error(request: Request, exc: errors.WeaverError) -> JSONResponse:
    _log(exc, request.url.path)
    return error_response(exc)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    if unreadable := next((e for e in exc.errors() if e["type"] == "json_invalid"), None):
        # not a field's problem: the body is not JSON at all (FastAPI names it field "0")
        reason = (unreadable.get("ctx") or {}).get("error") or "JSON decode error"
        message = f"the body is not valid JSON ({reason}): send UTF-8 JSON with content-type application/json"
        return JSONResponse(error_body("invalid_body", message), status_code=400)
    problems = [
        {
            "field": ".".join(str(p) for p in e["loc"] if p != "body"),
            "message": e["msg"].removeprefix("Value error, "),
        }
        for e in exc.errors()
    ]
    for problem, e in zip(problems, exc.errors(), strict=True):
        if e["type"] == "string_pattern_mismatch" and problem["field"].endswith("namespace"):
            problem["message"] = f"a namespace is {NAMESPACE_RULE}"
    summary = "; ".join(f"{p['field'] or 'body'}: {p['message']}" for p in problems)
    return JSONResponse(error_body("invalid_input", summary, {"problems": problems}), status_code=422)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if isinstance(exc.__cause__, RecursionError):  # FastAPI's body parser hit the stack limit
        return await _too_deep(request, exc.__cause__)
    if isinstance(exc.__cause__, errors.WeaverError):  # e.g. the body limit, met while FastAPI read the body
        return await _weaver_error(request, exc.__cause__)
    if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
        message = "the body could not be read: send UTF-8 JSON with content-type application/json"
        return JSONResponse(error_body("invalid_body", message), status_code=400)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)


async def _too_deep(request: Request, exc: RecursionError) -> JSONResponse:
    # Only input nests without bound: a JSON body thousands of levels deep exhausts the parser's stack.
    message = "the JSON body is nested too deeply; flatten it (a few dozen levels at most)"
    return JSONResponse(error_body("invalid_input", message), status_code=422)


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", extra={"path": request.url.path})
    return JSONResponse(error_body("internal_error", "internal error; the server log has the details"), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.WeaverError, _weaver_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RecursionError, _too_deep)
    app.add_exception_handler(Exception, _unhandled)

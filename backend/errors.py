"""Typed errors raised below the API; `backend.api.errors` maps each to one HTTP status, in one place."""

from __future__ import annotations


class WeaverError(Exception):
    """Base: `code` is stable and machine-readable, the message says what to fix."""

    code = "internal_error"

    def __init__(self, message: str, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInput(WeaverError):
    code = "invalid_input"


class NotFound(WeaverError):
    code = "not_found"


class Unauthorized(WeaverError):
    code = "unauthorized"


class Forbidden(WeaverError):
    code = "forbidden"


class ReadOnlyViolation(Forbidden):
    """A write was attempted through the read-only Cypher console; the database refused it."""

    code = "read_only"


class QueryFailed(InvalidInput):
    """The database rejected a caller's Cypher (syntax, unknown procedure, ...)."""

    code = "query_failed"


class QueryTimeout(WeaverError):
    code = "query_timeout"


class GraphUnavailable(WeaverError):
    code = "graph_unavailable"


class ProviderUnavailable(WeaverError):
    code = "provider_unavailable"


class GraphQueryError(WeaverError):
    """A statement of ours failed in the database: a bug or an outage, not the caller's mistake."""

    code = "graph_query_error"


class Conflict(WeaverError):
    code = "conflict"


class PayloadTooLarge(WeaverError):
    code = "payload_too_large"


class UnsupportedMedia(WeaverError):
    code = "unsupported_media_type"


class TryLater(WeaverError):
    """Not now: the caller should ask again after `retry_after_s` (sent as `Retry-After`)."""

    def __init__(self, message: str, *, retry_after_s: int, details: dict | None = None) -> None:
        super().__init__(message, details={**(details or {}), "retry_after_s": retry_after_s})
        self.retry_after_s = retry_after_s


class RateLimited(TryLater):
    code = "rate_limited"


class Overloaded(TryLater):
    """The server is saturated; it sheds this request rather than queue it."""

    code = "overloaded"

"""Typed errors raised below the API; `backend.api.errors` maps each to one HTTP status, in one place."""

from __future__ import annotations


class WeaverError(Exception):
    """Base: `code` is stable and machine-readable, the message says what to fix."""

    code = "internal_error"

    def __init__(self, message: str, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    @property
    def public_message(self) -> str:
        """What a caller is told (an HTTP body, a stream's error event, a job's error). `message` is
        ours, so usually the same; an error quoting another system (the database, the model provider:
        an account id, a role ARN, a masked key) says what to do in our words and leaves theirs to the
        server log."""
        return self.message


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


class ExtractionFailed(WeaverError):
    """No chunk of a job could be extracted: the job fails (and can be retried) rather than succeed empty."""

    code = "extraction_failed"


class GraphQueryError(WeaverError):
    """A statement of ours failed in the database: a bug or an outage, not the caller's mistake."""

    code = "graph_query_error"
    # the database's message may quote the statement or the caller's values
    public_message = "the graph database could not run a query; the server log has the details"


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

"""API keys → namespaces. `Authorization: Bearer <key>`; a key maps to one namespace, or to "*" (admin:
every namespace, and the Cypher console). With no keys configured, auth is off (the local default)."""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from backend.config import ADMIN_NAMESPACE, Settings, SettingsError
from backend.errors import Forbidden, Unauthorized

from .deps import get_settings


@dataclass(frozen=True)
class Caller:
    namespace: str | None  # None: any namespace (admin, or auth off)
    is_admin: bool

    def namespace_for(self, requested: str | None, default: str) -> str:
        """The namespace this request works in; a key may never reach outside its own."""
        if self.namespace is None:
            return requested or default
        if requested and requested != self.namespace:
            raise Forbidden(f"this API key may only use namespace {self.namespace!r}")
        return self.namespace

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("this endpoint needs an admin API key")


def _match(presented: str, settings: Settings) -> str | None:
    found = None
    for key, namespace in settings.api_keys.items():
        # compare against every key, in constant time, so timing reveals nothing about which matched
        if hmac.compare_digest(presented.encode(), key.encode()):
            found = namespace
    return found


def _bearer(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def key_for(header: str, settings: Settings) -> str | None:
    """The configured API key an `Authorization` header presents, or None (none, or not one of ours)."""
    token = _bearer(header)
    return token if token and _match(token, settings) is not None else None


def get_caller(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> Caller:
    if not settings.auth_enabled:
        return Caller(namespace=None, is_admin=True)
    token = _bearer(request.headers.get("authorization", ""))
    if token is None:
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
    namespace = _match(token, settings)
    if namespace is None:
        raise Unauthorized("the API key is not recognised")
    if namespace == ADMIN_NAMESPACE:
        return Caller(namespace=None, is_admin=True)
    return Caller(namespace=namespace, is_admin=False)


CallerDep = Annotated[Caller, Depends(get_caller)]


class ExposedWithoutAuth(SettingsError):
    """The server would listen beyond this machine with auth off."""


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name (or 0.0.0.0's spelled-out kin): reachable from elsewhere
        return False


def check_exposure(settings: Settings) -> None:
    """Refuse to serve on a non-loopback address with no API keys, unless KW_ALLOW_NO_AUTH says so: a
    public load balancer in front of an unauthenticated API lets anyone write to the graph and spend
    LLM money."""
    if settings.auth_enabled or settings.allow_no_auth or is_loopback(settings.host):
        return
    raise ExposedWithoutAuth(
        f"refusing to serve on {settings.host} with auth off: set KW_API_KEYS, bind a loopback address "
        "(KW_HOST=127.0.0.1), or set KW_ALLOW_NO_AUTH=true if another layer authenticates callers"
    )

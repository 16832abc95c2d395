"""The request a service call is running under: its id and the client's address, so that
services record them without every call passing the request down."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_address: str | None = None


# RequestContext is frozen, so sharing the default instance is safe.
current: ContextVar[RequestContext] = ContextVar(
    "audit_request",
    default=RequestContext(),  # noqa: B039
)

"""Recording audit events. Called by every service that writes case data, inside the same
transaction as the change, so a change and its record commit or roll back together.

Appending takes no lock and reads nothing: each event carries the hash of its own content,
and the sealer (audit/sealing.py) covers committed events with keyed checkpoints later."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from audit.context import current
from audit.models import AuditEvent

# Free text that may hold details of a child: the trail says it changed, not what it says.
SENSITIVE_FIELDS = frozenset(
    {
        "concerns",
        "address",
        "evidence",
        "text",
        "note",
        "consent_notes",
        "closure_summary",
        "outcome",
        "outcome_reason",
        "override_reason",
        "completion_note",
        "cancel_reason",
        "description",
        "young_adult_reason",
        "reason",
    }
)


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return _plain(value)


def field_changes(
    before: dict[str, Any], after: dict[str, Any], fields: Iterable[str] | None = None
) -> dict[str, Any]:
    """{field: [old, new]} for the fields whose value differs; sensitive text as
    "changed"."""
    names = fields if fields is not None else sorted(set(before) | set(after))
    changes: dict[str, Any] = {}
    for name in names:
        old, new = _plain(before.get(name)), _plain(after.get(name))
        if old != new:
            changes[name] = "changed" if name in SENSITIVE_FIELDS else [old, new]
    return changes


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def record(
    *,
    actor: Any,
    verb: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    case_reference: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the trail: one INSERT, inside the caller's transaction (or on
    its own), with no lock and no read of other events."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    actor = actor if getattr(actor, "is_authenticated", False) else None
    context = current.get()
    event = AuditEvent(
        at=timezone.now(),
        actor=actor,
        actor_label=actor.get_username() if actor else "",
        actor_agency=str(actor.agency) if actor and actor.agency_id else "",
        actor_roles=", ".join(sorted(actor.roles)) if actor else "",
        verb=verb,
        object_type=object_type,
        object_id=str(object_id),
        case_reference=case_reference,
        changes={key: _jsonable(value) for key, value in (changes or {}).items()},
        request_id=context.request_id,
        client_address=context.client_address,
        prev_hash=None,
    )
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    return event


def record_refusal(
    request: Any, *, object_type: str = "", object_id: str | int = ""
) -> AuditEvent | None:
    """Record a refusal by role (a 403) as ``denied``, as an out-of-scope 404 is.

    Called once per stack, by the web's 403 handler and the API's exception handler, never
    by views. Names the actor, the method, the route's name and the path (ids only: the
    query string, which may hold a search term, is not copied), and the record when the
    refusing view had one. Anonymous visitors are sent to sign in, not refused: nothing is
    recorded for them. Written in its own transaction: ATOMIC_REQUESTS is off, so no
    request-wide block rolls it back with the failed request.
    """
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return None
    match = getattr(request, "resolver_match", None)
    return record(
        actor=user,
        verb=AuditEvent.Verb.DENIED,
        object_type=object_type,
        object_id=object_id,
        changes={
            "method": request.method,
            "path": request.path,
            "route": match.view_name if match else "",
        },
    )

"""Recording audit events. Called by every service that writes case data, inside the same
transaction as the change, so a change and its record commit or roll back together.

Appending takes no lock and reads nothing: each event carries the hash of its own content,
and the sealer (audit/sealing.py) covers committed events with keyed checkpoints later."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from audit.context import current
from audit.models import AuditEvent, AuditEventObject, ListedObject, objects_digest

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
    objects: Iterable[ListedObject] | None = None,
) -> AuditEvent:
    """Append one event to the trail: one INSERT, inside the caller's transaction (or on
    its own), with no lock and no read of other events.

    ``objects`` (for ``listed`` events) names the records returned: they go to the side
    table in one more insert, in the same transaction, and ``changes`` gets their count and
    digest, which the event's hash covers (see ``record_listed``)."""
    if objects is not None:
        objects = sorted({(str(kind), int(pk)) for kind, pk in objects})
        changes = {**(changes or {}), **listed_changes(objects)}
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
    if not objects:
        event.save(force_insert=True)
        return event
    with transaction.atomic():
        event.save(force_insert=True)
        AuditEventObject.objects.bulk_create(
            AuditEventObject(event=event, object_type=kind, object_id=pk) for kind, pk in objects
        )
    return event


def listed_changes(objects: Iterable[ListedObject]) -> dict[str, Any]:
    """What a ``listed`` event's ``changes`` says of its side rows: how many, and their
    digest (``audit.models.objects_digest``)."""
    objects = set(objects)
    return {"listed_count": len(objects), "listed_sha256": objects_digest(objects)}


def record_listed(
    actor: Any, *, list_name: str, object_type: str, objects: Iterable[ListedObject]
) -> AuditEvent:
    """Record that a list or search showed ``actor`` these records: one ``listed`` event
    per page or answer, naming each record on it (and the child it is about) in the side
    table, so "who has seen this child" finds list reads by an index lookup.

    ``list_name`` says which list (a URL name, e.g. ``cases:case-list``); ``object_type``
    what it lists. No search term or filter is copied: a name or a date of birth typed into
    a search is itself personal data. An empty page is recorded too: a search that found
    nothing is still a read attempt. Called by the list views and the API's scoped lists,
    never per row.
    """
    return record(
        actor=actor,
        verb=AuditEvent.Verb.LISTED,
        object_type=object_type,
        changes={"list": list_name},
        objects=objects,
    )


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


def with_listed_digests(
    events: Iterable[AuditEvent], batch_size: int = 2000
) -> Iterator[AuditEvent]:
    """The events, each with ``found_listed`` set to the count and digest of the side rows
    that name it (None when it has none): one query per batch of events, whatever the
    number of rows."""
    for batch in _batches(events, batch_size):
        found: dict[int, list[ListedObject]] = {}
        # Every event of the batch, not only the listed ones: a side row added to any
        # other event is tampering too.
        rows = AuditEventObject.objects.filter(event_id__in=[e.pk for e in batch]).order_by()
        for event_id, kind, pk in rows.values_list("event_id", "object_type", "object_id"):
            found.setdefault(event_id, []).append((kind, pk))
        for event in batch:
            objects = found.get(event.pk)
            event.found_listed = listed_changes(objects) if objects is not None else None
            yield event


def listed_objects_match(event: AuditEvent) -> bool:
    """Whether the side rows found for ``event`` (by ``with_listed_digests``) are exactly
    those its hashed ``changes`` names: a ``listed`` event's count and digest, and no rows
    at all for any other event."""
    found = getattr(event, "found_listed", None)
    if event.verb != AuditEvent.Verb.LISTED or "listed_sha256" not in (event.changes or {}):
        return found is None
    expected = {key: event.changes.get(key) for key in ("listed_count", "listed_sha256")}
    return (found or listed_changes([])) == expected


def _batches(items: Iterable[AuditEvent], size: int) -> Iterator[list[AuditEvent]]:
    batch: list[AuditEvent] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch

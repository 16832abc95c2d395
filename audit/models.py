"""The append-only audit trail. Rows are only ever inserted: database triggers (see
migrations 0003 and 0005) refuse UPDATE and DELETE, and each row's hash covers its content
and the previous row's hash, so an edit made behind the triggers' back is found by
verify_audit. A ``listed`` event names the records a list returned in a side table,
``AuditEventObject``, whose rows the event's hash covers through a digest."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q


class AuditEventVerb(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    TRANSITIONED = "transitioned", "Transitioned"
    VIEWED = "viewed", "Viewed"
    EXPORTED = "exported", "Exported"
    LOGGED_IN = "logged_in", "Logged in"
    LOGGED_OUT = "logged_out", "Logged out"
    LOGIN_FAILED = "login_failed", "Login failed"
    DENIED = "denied", "Denied"
    # A list or search returned these records (ids in the event's side table).
    LISTED = "listed", "Listed"
    # Sign-in refused after repeated failures for an account from one address, and lifted.
    LOCKED_OUT = "locked_out", "Locked out"
    UNLOCKED = "unlocked", "Unlocked"


class AuditEvent(models.Model):
    Verb = AuditEventVerb

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # What the actor was at the time: their name, agency and roles may change later.
    actor_label = models.CharField(max_length=200, blank=True)
    actor_agency = models.CharField(max_length=150, blank=True)
    actor_roles = models.CharField(max_length=200, blank=True)
    verb = models.CharField(max_length=20, choices=Verb.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    case_reference = models.CharField(max_length=20, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(verb__in=[v for v, _ in AuditEventVerb.choices]),
                name="audit_verb_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label or 'system'} {self.verb}"

    def content(self) -> dict:
        """Everything the hash covers, in a form that reads back the same from any
        database."""
        return {
            "at": self.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "actor_agency": self.actor_agency,
            "actor_roles": self.actor_roles,
            "verb": self.verb,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "case_reference": self.case_reference,
            "changes": self.changes,
            "request_id": self.request_id,
            "client_address": self.client_address,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        payload = json.dumps(self.content(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()


# (object type, object id): a record named by a ``listed`` event, e.g. ("cases.child", 7).
ListedObject = tuple[str, int]


def objects_digest(objects: Iterable[ListedObject]) -> str:
    """SHA-256 over the sorted, distinct (object type, id) pairs, one ``type:id`` a line.

    A ``listed`` event carries this in its ``changes`` (which its hash covers), so a side
    row deleted, added or changed behind the triggers' back no longer matches."""
    lines = "".join(f"{kind}:{pk}\n" for kind, pk in sorted(set(objects)))
    return hashlib.sha256(lines.encode()).hexdigest()


class AuditEventObject(models.Model):
    """One record a ``listed`` event returned: a child on a page of children, a case on
    the case list, and the child that case is about. Append-only like the events.

    Indexed on (object type, object id, event), so "who has seen this child" is an index
    lookup, never a scan of events' JSON."""

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="listed_objects")
    object_type = models.CharField(max_length=60)
    object_id = models.BigIntegerField()

    class Meta:
        ordering = ["event", "object_type", "object_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id", "event"], name="audit_listed_object"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id} in event {self.event_id}"

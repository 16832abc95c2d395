"""The append-only audit trail. Rows are only ever inserted: database triggers (audit/
triggers.py) refuse UPDATE and DELETE on events and checkpoints.

Each event stores a SHA-256 hash of its own content, written in the request's transaction
with no lock and no read of any other event. The sealer (audit/sealing.py, a beat task)
then covers what has committed with a checkpoint: an HMAC, keyed from the environment, over
its events' hashes in order and the previous checkpoint's MAC. Events written before the
checkpoints existed keep their unkeyed SHA-256 chain (``prev_hash`` set): the legacy section,
verified as before and closed by the first checkpoint.

A ``listed`` event names the records a list returned in a side table, ``AuditEventObject``
(append-only too), whose rows the event's hash covers through a digest in its changes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Upper


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


class CurrentTransactionId(Func):
    """The writing transaction's id, as a column default: on PostgreSQL the 64-bit
    ``pg_current_xact_id()`` (it never wraps round), which tells the sealer whether the
    transaction that wrote an event can still be in flight. NULL on SQLite, whose writes
    are serialised (IMMEDIATE transactions), so there ids are already in commit order."""

    arity = 0
    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return "(pg_current_xact_id()::text::bigint)", []

    def as_sqlite(self, compiler, connection, **extra_context):
        return "NULL", []


class AuditEvent(models.Model):
    Verb = AuditEventVerb

    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        # Served by audit_actor_recent (actor, at, id): a second index would only cost
        # every append.
        db_index=False,
    )
    # What the actor was at the time: their name, agency and roles may change later.
    actor_label = models.CharField(max_length=200, blank=True)
    actor_agency = models.CharField(max_length=150, blank=True)
    actor_roles = models.CharField(max_length=200, blank=True)
    verb = models.CharField(max_length=20, choices=Verb.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    # Found by its upper-cased form (audit_reference, see ``by_reference``).
    case_reference = models.CharField(max_length=20, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    # The legacy chain's link to the event before: set on events written before the
    # checkpoints (the legacy section), NULL on every event since.
    prev_hash = models.CharField(max_length=64, null=True, blank=True)
    # SHA-256 of content(): not unique, as two events can have the same content.
    hash = models.CharField(max_length=64)
    # PostgreSQL: the id of the transaction that wrote the event (see CurrentTransactionId).
    xid = models.BigIntegerField(null=True, blank=True, db_default=CurrentTransactionId())

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            # Newest first (-at, -id) with LIMIT, read straight off an index for each of the
            # auditor's filters: none, a person, an agency, what happened, a reference (its
            # upper-cased form: the search is case-insensitive and the input is upper-cased
            # the same way, so the query's expression is the index's).
            models.Index(fields=["at", "id"], name="audit_recent"),
            models.Index(fields=["actor", "at", "id"], name="audit_actor_recent"),
            models.Index(fields=["actor_agency", "at", "id"], name="audit_agency_recent"),
            models.Index(fields=["verb", "at", "id"], name="audit_verb_recent"),
            models.Index(Upper("case_reference"), F("at"), F("id"), name="audit_reference"),
            # The order the sealer and verify_audit walk the sealed section in.
            models.Index(
                fields=["xid", "id"], name="audit_seal_order", condition=Q(prev_hash__isnull=True)
            ),
            # Events no checkpoint can cover (inserted by hand): found without a scan.
            models.Index(
                fields=["id"],
                name="audit_no_xid",
                condition=Q(prev_hash__isnull=True, xid__isnull=True),
            ),
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
        database. The legacy section's hashes also cover the link to the event before."""
        return event_content(
            (
                self.at,
                self.actor_id,
                self.actor_label,
                self.actor_agency,
                self.actor_roles,
                self.verb,
                self.object_type,
                self.object_id,
                self.case_reference,
                self.changes,
                self.request_id,
                self.client_address,
            ),
            self.prev_hash,
        )

    def compute_hash(self) -> str:
        return content_hash(self.content())


def about_reference(events, reference: str):
    """The events about a case reference, whatever its case: compares the upper-cased
    stored reference with the upper-cased input, exactly the expression the
    ``audit_reference`` index holds, so PostgreSQL reads them (newest or oldest first) from
    that index. (``case_reference__iexact`` would write ``UPPER(x::text)`` on both sides.)"""
    return events.alias(reference_upper=Upper("case_reference")).filter(
        reference_upper=reference.strip().upper()
    )


# The columns an event's hash covers, in the order ``event_content`` takes them: the
# verifier reads exactly these with a raw cursor.
CONTENT_FIELDS = (
    "at",
    "actor_id",
    "actor_label",
    "actor_agency",
    "actor_roles",
    "verb",
    "object_type",
    "object_id",
    "case_reference",
    "changes",
    "request_id",
    "client_address",
)


def event_content(values: tuple, prev_hash: str | None = None) -> dict:
    """The canonical content of an event from its CONTENT_FIELDS values: the one form
    both the writer (``AuditEvent.compute_hash``) and the verifier hash."""
    (at, actor_id, label, agency, roles, verb, kind, object_id, reference, changes,
     request_id, address) = values  # fmt: skip
    content = {
        # A time, or (the verifier's raw read) its form here already.
        "at": at
        if isinstance(at, str)
        else at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": label,
        "actor_agency": agency,
        "actor_roles": roles,
        "verb": verb,
        "object_type": kind,
        "object_id": object_id,
        "case_reference": reference,
        "changes": changes,
        "request_id": request_id,
        "client_address": address,
    }
    if prev_hash is not None:
        content["prev_hash"] = prev_hash
    return content


# ``json.dumps(content, sort_keys=True, separators=(",", ":"))``, byte for byte, without
# building an encoder per event (the verifier hashes millions).
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def content_hash(content: dict) -> str:
    payload = _CANONICAL_JSON.encode(content)
    return hashlib.sha256(payload.encode()).hexdigest()


class AuditCheckpoint(models.Model):
    """A seal over the events that committed since the checkpoint before.

    Covers exactly the events after the legacy section whose position, the pair (writing
    transaction's id, event id), is in [(from_xid, from_id), (to_xid, to_id)). On PostgreSQL
    to_xid is the oldest transaction still in flight when it was sealed, so an event that
    commits late is sealed by a later checkpoint, never skipped; on SQLite, whose writes are
    serialised, the transaction part is 0 and ids are in commit order. ``mac`` is
    HMAC-SHA256 (key ``key_id``) over these fields, the previous checkpoint's MAC and each
    covered event's id and hash in that order. Append-only."""

    sealed_at = models.DateTimeField()
    key_id = models.CharField(max_length=20)
    from_xid = models.BigIntegerField()
    from_id = models.BigIntegerField()
    to_xid = models.BigIntegerField()
    to_id = models.BigIntegerField()
    event_count = models.PositiveIntegerField()
    # First checkpoint only: where the legacy SHA-256 chain ends (no legacy events: null).
    legacy_last_id = models.BigIntegerField(null=True, blank=True)
    legacy_last_hash = models.CharField(max_length=64, blank=True)
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"checkpoint {self.pk}: {self.event_count} events, {self.sealed_at:%Y-%m-%d %H:%M}"

    @property
    def start(self) -> tuple[int, int]:
        return (self.from_xid, self.from_id)

    @property
    def stop(self) -> tuple[int, int]:
        return (self.to_xid, self.to_id)


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


class VerificationRun(models.Model):
    """One run of the trail's verification (verify_audit, the nightly task): which
    checkpoints it covered, how many events, and what it found. Append-only. An incremental
    run starts from the last checkpoint an earlier run verified intact (whose MAC it
    records, so the next run checks the chain still links to it)."""

    class Kind(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The checkpoint verified before this run began (incremental; null: from the start).
    from_checkpoint = models.BigIntegerField(null=True, blank=True)
    # The last checkpoint this run verified, and its MAC (null: none yet).
    to_checkpoint = models.BigIntegerField(null=True, blank=True)
    to_mac = models.CharField(max_length=64, blank=True)
    events = models.BigIntegerField()
    checkpoints = models.BigIntegerField()
    ok = models.BooleanField()
    problem = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} verification {self.pk}: {'intact' if self.ok else 'broken'}"

"""Checking the audit trail end to end (verify_audit, the nightly task, the test suite).

Finds: an event whose content no longer matches its hash (edited); a legacy event whose
link does not match the one before (edited, deleted or inserted in the legacy section); a
checkpoint whose MAC does not match its events (an event edited and re-hashed, deleted or
inserted among sealed ones, or the whole trail re-hashed without the key) or that does not
follow the one before (a checkpoint removed); an event that no checkpoint can cover; an
event left unsealed longer than AUDIT_MAX_UNSEALED_SECONDS; a list read's records (side
rows) deleted, changed or added; and a cut-off tail (the anchor
file names a checkpoint the database no longer has). Reads in chunks, so millions of events
take constant memory.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from audit.models import AuditCheckpoint, AuditEvent, AuditEventObject, content_hash
from audit.sealing import (
    CHUNK,
    CheckpointMac,
    by_position,
    current_keys,
    read_anchor,
    sealed_section,
    stream_sealed_section,
)

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


@dataclass(frozen=True)
class Problem:
    kind: str  # edited, link, checkpoint, uncovered, unsealed, key, anchor
    message: str
    event_id: int | None = None
    checkpoint_id: int | None = None


@dataclass(frozen=True)
class Report:
    problem: Problem | None
    events: int
    checkpoints: int

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Broken(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _hash_of(values: tuple, prev_hash: str | None = None) -> str:
    content = dict(zip(CONTENT_FIELDS, values, strict=True))
    content["at"] = content["at"].astimezone(dt.UTC).isoformat(timespec="microseconds")
    if prev_hash is not None:
        content["prev_hash"] = prev_hash
    return content_hash(content)


def _legacy_events() -> Iterator[tuple]:
    queryset = AuditEvent.objects.filter(prev_hash__isnull=False).order_by("id")
    last_id = 0
    while True:
        rows = list(
            queryset.filter(id__gt=last_id).values_list("id", "prev_hash", "hash", *CONTENT_FIELDS)[
                :CHUNK
            ]
        )
        yield from rows
        if len(rows) < CHUNK:
            return
        last_id = rows[-1][0]


def _checkpoints(up_to: int) -> Iterator[AuditCheckpoint]:
    last_id = 0
    while True:
        rows = list(AuditCheckpoint.objects.filter(id__gt=last_id, id__lte=up_to)[:CHUNK])
        yield from rows
        if len(rows) < CHUNK:
            return
        last_id = rows[-1].pk


def _verify_legacy() -> tuple[int, tuple[int | None, str]]:
    previous, last_id, checked = "", None, 0
    for event_id, prev_hash, stored, *values in _legacy_events():
        checked += 1
        if prev_hash != previous:
            raise _Broken(
                Problem(
                    "link",
                    f"Legacy event {event_id} does not link to the event before it: an event "
                    "of the legacy chain was deleted or inserted, or one was edited.",
                    event_id=event_id,
                )
            )
        if _hash_of(tuple(values), prev_hash) != stored:
            raise _Broken(
                Problem("edited", f"Event {event_id} was edited after it was written.", event_id)
            )
        previous, last_id = stored, event_id
    return checked, (last_id, previous)


class _Sealed:
    """Walks the checkpoints in order alongside the events in sealing order."""

    def __init__(self, last: AuditCheckpoint, legacy_end: tuple[int | None, str]) -> None:
        self.keys = current_keys()
        self.checkpoints = _checkpoints(last.pk)
        self.legacy_end = legacy_end
        self.previous: AuditCheckpoint | None = None
        self.count = 0
        self.current: AuditCheckpoint | None = None
        self.mac: CheckpointMac | None = None
        self.events = 0
        self._next()

    def _next(self) -> None:
        checkpoint = next(self.checkpoints, None)
        if checkpoint is not None:
            self._check_header(checkpoint)
            self.mac = CheckpointMac(self.keys[checkpoint.key_id])
            self.events = 0
        self.current = checkpoint

    def _check_header(self, checkpoint: AuditCheckpoint) -> None:
        if checkpoint.key_id not in self.keys:
            raise _Broken(
                Problem(
                    "key",
                    f"Checkpoint {checkpoint.pk} was sealed with key {checkpoint.key_id}, "
                    "which AUDIT_HMAC_KEYS no longer lists: keep old keys after a rotation.",
                    checkpoint_id=checkpoint.pk,
                )
            )
        expected_from = self.previous.stop if self.previous else (0, 0)
        legacy = (checkpoint.legacy_last_id, checkpoint.legacy_last_hash)
        if checkpoint.start != expected_from or (
            legacy != (self.legacy_end if self.previous is None else (None, ""))
        ):
            raise _Broken(
                Problem(
                    "checkpoint",
                    f"Checkpoint {checkpoint.pk} does not follow the one before it: a "
                    "checkpoint was removed, or the legacy section changed after it closed.",
                    checkpoint_id=checkpoint.pk,
                )
            )

    def close(self) -> None:
        checkpoint = self.current
        assert checkpoint is not None and self.mac is not None
        previous_mac = self.previous.mac if self.previous else ""
        if self.events != checkpoint.event_count or not _same(
            self.mac.finish(checkpoint, previous_mac), checkpoint.mac
        ):
            if self.events < checkpoint.event_count:
                what = f"{checkpoint.event_count - self.events} of its events were deleted"
            elif self.events > checkpoint.event_count:
                what = f"{self.events - checkpoint.event_count} events were inserted among them"
            else:
                what = "an event it covers was edited or the trail was re-hashed without the key"
            raise _Broken(
                Problem(
                    "checkpoint",
                    f"Checkpoint {checkpoint.pk} does not match its events: {what}.",
                    checkpoint_id=checkpoint.pk,
                )
            )
        self.previous = checkpoint
        self.count += 1
        self._next()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _verify_sealed(legacy_end: tuple[int | None, str], now: dt.datetime) -> tuple[int, int]:
    last = AuditCheckpoint.objects.order_by("-id").first()
    walk = _Sealed(last, legacy_end) if last else None
    cutoff = now - dt.timedelta(seconds=settings.AUDIT_MAX_UNSEALED_SECONDS)
    checked = 0
    for position, event_id, stored, *values in stream_sealed_section(("hash", *CONTENT_FIELDS)):
        checked += 1
        if _hash_of(tuple(values)) != stored:
            raise _Broken(
                Problem("edited", f"Event {event_id} was edited after it was written.", event_id)
            )
        while walk and walk.current and position >= walk.current.stop:
            walk.close()
        if walk and walk.current and position < walk.current.start:
            raise _Broken(
                Problem(
                    "uncovered",
                    f"Event {event_id} lies before the checkpoint range that should hold it: "
                    "it was inserted among sealed events.",
                    event_id,
                )
            )
        if walk and walk.current:
            walk.mac.add(event_id, stored)
            walk.events += 1
        elif values[0] < cutoff:
            raise _Broken(
                Problem(
                    "unsealed",
                    f"Event {event_id} ({values[0]:%Y-%m-%d %H:%M:%S}) has not been sealed "
                    f"within {settings.AUDIT_MAX_UNSEALED_SECONDS} seconds: is the sealer "
                    "(beat's seal_audit) running? An event inserted with an old time also "
                    "shows here.",
                    event_id,
                )
            )
    while walk and walk.current:
        walk.close()
    if by_position():
        # An event that is neither legacy nor carries a transaction id can never be sealed.
        stray = sealed_section().filter(xid__isnull=True).values_list("id", flat=True).first()
        if stray is not None:
            raise _Broken(
                Problem(
                    "uncovered",
                    f"Event {stray} has no transaction id, so no checkpoint covers it: it "
                    "was inserted by hand.",
                    stray,
                )
            )
    return checked, walk.count if walk else 0


def _verify_anchor() -> None:
    try:
        anchor = read_anchor()
    except (ValueError, OSError) as error:
        raise _Broken(Problem("anchor", f"The anchor file cannot be read: {error}.")) from error
    if anchor is None:
        return
    checkpoint_id = anchor.get("checkpoint")
    found = AuditCheckpoint.objects.filter(pk=checkpoint_id).values_list("mac", flat=True).first()
    if found is None or not _same(found, str(anchor.get("mac", ""))):
        latest = AuditCheckpoint.objects.order_by("-id").values_list("id", flat=True).first()
        raise _Broken(
            Problem(
                "anchor",
                f"The anchor file ({settings.AUDIT_ANCHOR_FILE}) names checkpoint "
                f"{checkpoint_id}, which the database "
                + ("no longer has" if found is None else "holds with another MAC")
                + f" (its latest is {latest}): the tail of the trail was cut off or "
                "replaced.",
                checkpoint_id=checkpoint_id,
            )
        )


def _verify_listed(batch_size: int = CHUNK) -> None:
    """The records each ``listed`` event names (side rows) are exactly those its hashed
    changes count and digest, and no other event has any: a row deleted, changed or added
    behind the triggers' back names its event. One query per batch of events."""
    from audit.services import listed_objects_match, with_listed_digests

    stray = (
        AuditEventObject.objects.exclude(event__verb=AuditEvent.Verb.LISTED)
        .order_by("event_id")
        .values_list("event_id", flat=True)
        .first()
    )
    if stray is not None:
        raise _Broken(
            Problem(
                "listed",
                f"Event {stray} is not a list read but has listed records: they were added "
                "by hand.",
                stray,
            )
        )
    events = (
        AuditEvent.objects.filter(verb=AuditEvent.Verb.LISTED)
        .order_by("id")
        .only("id", "verb", "changes")
    )
    for event in with_listed_digests(events.iterator(chunk_size=batch_size), batch_size):
        if not listed_objects_match(event):
            raise _Broken(
                Problem(
                    "listed",
                    f"The records list read {event.pk} names no longer match what it "
                    "recorded: one was deleted, changed or added.",
                    event.pk,
                )
            )


def verify_trail(now: dt.datetime | None = None, batch_size: int = CHUNK) -> Report:
    """Verify the whole trail: the legacy chain, every checkpoint, the unsealed tail and
    the anchor. Stops at the first problem."""
    now = now or timezone.now()
    legacy, sealed, checkpoints = 0, 0, 0
    try:
        legacy, legacy_end = _verify_legacy()
        sealed, checkpoints = _verify_sealed(legacy_end, now)
        _verify_listed(batch_size)
        _verify_anchor()
    except _Broken as broken:
        return Report(broken.problem, legacy + sealed, checkpoints)
    return Report(None, legacy + sealed, checkpoints)

"""Sealing the audit trail into keyed checkpoints.

``record()`` appends events with no lock; every few seconds beat runs ``seal()``, which
covers the events that have committed since the last checkpoint with a new one: an
HMAC-SHA256 (key from ``AUDIT_HMAC_KEYS``) over those events' ids and hashes in order, the
checkpoint's own fields and the previous checkpoint's MAC. Anyone who can write the tables
but does not hold the key cannot re-seal an edited trail, and the latest checkpoint is also
written outside the database (the anchor file and a log line), so cutting off the tail is
seen too.

Which events a checkpoint covers: ids are not in commit order (a transaction that took id 10
may commit after id 11 was sealed). On PostgreSQL each event stores its writing transaction's
id; an event's position is the pair (transaction id, event id), and a checkpoint covers the
positions from where the one before stopped up to the oldest transaction still in flight:
every transaction below it has finished, so no event can appear in a sealed range later,
and a late commit lands in the next checkpoint's range. On SQLite writes are serialised
(IMMEDIATE transactions, and the sealer holds the write lock while it seals), so the
position is (0, event id).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import os
from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from audit.keys import parse_keys
from audit.models import AuditCheckpoint, AuditEvent

log = logging.getLogger("audit.anchor")

# Any fixed number: only sealers take it, never the requests that append events.
SEAL_LOCK = 7_316_203
CHUNK = 5000


def current_keys() -> dict[str, bytes]:
    """The configured keys, the current (first) one first."""
    return parse_keys(settings.AUDIT_HMAC_KEYS)


class CheckpointMac:
    """HMAC-SHA256 over a checkpoint's events (fed in order) and then its own fields."""

    def __init__(self, key: bytes) -> None:
        self._mac = hmac.new(key, digestmod=sha256)

    def add(self, event_id: int, event_hash: str) -> None:
        self._mac.update(f"{event_id}:{event_hash}\n".encode())

    def finish(self, checkpoint: AuditCheckpoint, previous_mac: str) -> str:
        fields = {
            "previous_mac": previous_mac,
            "key_id": checkpoint.key_id,
            "sealed_at": checkpoint.sealed_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "from": [checkpoint.from_xid, checkpoint.from_id],
            "to": [checkpoint.to_xid, checkpoint.to_id],
            "event_count": checkpoint.event_count,
            "legacy_last_id": checkpoint.legacy_last_id,
            "legacy_last_hash": checkpoint.legacy_last_hash,
        }
        self._mac.update(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode())
        return self._mac.hexdigest()


def by_position() -> bool:
    """True where events are sealed by writing transaction (PostgreSQL), False where by id."""
    return connection.vendor == "postgresql"


def sealed_section():
    """Every event after the legacy section (prev_hash NULL)."""
    return AuditEvent.objects.filter(prev_hash__isnull=True)


Position = tuple[int, int]


def _pair(condition: str, position: Position) -> RawSQL:
    # condition is one of this module's constants; the position goes as parameters.
    sql = f'("xid", "id") {condition} (%s, %s)'
    return RawSQL(sql, position, output_field=BooleanField())  # noqa: S611


def stream_sealed_section(
    fields: tuple[str, ...], start: Position = (0, 0), stop: Position | None = None
) -> Iterator[tuple]:
    """(position, id, *fields) of the events after the legacy section whose position is in
    [start, stop), in sealing order, read in chunks by keyset (never all at once)."""
    queryset = sealed_section()
    if by_position():
        ordering = ("xid", "id")
        queryset = queryset.filter(_pair(">=", start))
        if stop is not None:
            queryset = queryset.filter(_pair("<", stop))
    else:
        ordering = ("id",)
        queryset = queryset.filter(id__gte=start[1])
        if stop is not None:
            queryset = queryset.filter(id__lt=stop[1])
    after: Position | None = None
    while True:
        page = queryset
        if after is not None:
            page = page.filter(_pair(">", after) if by_position() else Q(id__gt=after[1]))
        rows = list(page.order_by(*ordering).values_list("xid", "id", *fields)[:CHUNK])
        for xid, event_id, *values in rows:
            yield ((xid or 0, event_id), event_id, *values)
        if len(rows) < CHUNK:
            return
        after = (rows[-1][0] or 0, rows[-1][1])


_IN_FLIGHT = """
SELECT pg_snapshot_xmax(s)::text::bigint,
       pg_current_xact_id_if_assigned()::text::bigint,
       ARRAY(SELECT x::text::bigint FROM pg_snapshot_xip(s) AS x),
       ARRAY(SELECT l.transactionid::text::bigint
             FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
             WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted
               AND a.datname = current_database()),
       ARRAY(SELECT l.transactionid::text::bigint
             FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
             WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted
               AND a.datname IS DISTINCT FROM current_database())
FROM pg_current_snapshot() AS s
"""


def _horizon(cursor) -> Position:
    """The first position that may still gain events: every event below it has committed
    (or rolled back) already."""
    if not by_position():
        cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM audit_auditevent")
        return (0, cursor.fetchone()[0])
    # The oldest transaction still in flight (the snapshot's list), leaving out only those
    # seen to belong to another database of the server (a long one there must not hold
    # this trail's sealing back) and the sealer's own. pg_locks gives 32-bit ids.
    cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh pg_stat_activity rows
    cursor.execute(_IN_FLIGHT)
    xmax, own, in_flight, here, elsewhere = cursor.fetchone()
    elsewhere32 = {xid % 2**32 for xid in elsewhere}
    candidates = [x for x in in_flight if x % 2**32 not in elsewhere32 and x != own]
    if own is None:
        return (min([*candidates, xmax]), 0)
    # The sealer itself has written (only when tests run everything in one transaction):
    # its own events so far are sealed with the checkpoint, any it writes later come after
    # it. Transactions that took an id between xmax and its own are not in the snapshot's
    # list: take them from the locks.
    own32 = own % 2**32
    candidates += [own - ((own32 - x32) % 2**32) for x32 in here if x32 != own32]
    earlier = [x for x in candidates if x < own]
    if earlier:
        return (min(earlier), 0)
    cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM audit_auditevent WHERE xid = %s", [own])
    return (own, cursor.fetchone()[0])


def _legacy_end() -> tuple[int | None, str]:
    last = (
        AuditEvent.objects.filter(prev_hash__isnull=False)
        .order_by("-id")
        .values_list("id", "hash")
        .first()
    )
    return (last[0], last[1]) if last else (None, "")


def seal() -> AuditCheckpoint | None:
    """Seal every committed event not yet covered into one new checkpoint (None if there
    was nothing to seal). Safe to run twice at once: sealers queue on a lock of their own;
    the requests that append events never take it."""
    key_id, key = next(iter(current_keys().items()))
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK])
            last = AuditCheckpoint.objects.order_by("-id").first()
            start = last.stop if last else (0, 0)
            stop = _horizon(cursor)
        if stop <= start:
            return None
        mac = CheckpointMac(key)
        count = 0
        for _position, event_id, event_hash in stream_sealed_section(("hash",), start, stop):
            mac.add(event_id, event_hash)
            count += 1
        if not count:
            return None
        legacy_last_id, legacy_last_hash = _legacy_end() if last is None else (None, "")
        checkpoint = AuditCheckpoint(
            sealed_at=timezone.now(),
            key_id=key_id,
            from_xid=start[0],
            from_id=start[1],
            to_xid=stop[0],
            to_id=stop[1],
            event_count=count,
            legacy_last_id=legacy_last_id,
            legacy_last_hash=legacy_last_hash,
        )
        checkpoint.mac = mac.finish(checkpoint, last.mac if last else "")
        checkpoint.save(force_insert=True)
        transaction.on_commit(lambda: write_anchor(checkpoint))
    return checkpoint


def anchor_of(checkpoint: AuditCheckpoint) -> dict:
    return {
        "checkpoint": checkpoint.pk,
        "mac": checkpoint.mac,
        "key_id": checkpoint.key_id,
        "event_count": checkpoint.event_count,
        "to": [checkpoint.to_xid, checkpoint.to_id],
        "sealed_at": checkpoint.sealed_at.astimezone(dt.UTC).isoformat(),
    }


def write_anchor(checkpoint: AuditCheckpoint) -> None:
    """Write the newest checkpoint outside the database: a log line (for a log store that
    the database's users cannot rewrite) and the anchor file, replaced atomically. (Two
    sealers' writes landing out of order leave an older checkpoint named: still valid.)"""
    anchor = anchor_of(checkpoint)
    if settings.AUDIT_ANCHOR_LOG:
        log.info("Audit trail sealed: %s", json.dumps(anchor, sort_keys=True))
    if not settings.AUDIT_ANCHOR_FILE:
        return
    path = Path(settings.AUDIT_ANCHOR_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(anchor, sort_keys=True) + "\n")
    os.replace(temporary, path)


def read_anchor() -> dict | None:
    """The anchor file's checkpoint, or None when there is no file (or it is switched off)."""
    if not settings.AUDIT_ANCHOR_FILE:
        return None
    try:
        return json.loads(Path(settings.AUDIT_ANCHOR_FILE).read_text())
    except FileNotFoundError:
        return None

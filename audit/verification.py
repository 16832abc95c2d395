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
import json
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import (
    CONTENT_FIELDS,
    AuditCheckpoint,
    AuditEvent,
    AuditEventObject,
    VerificationRun,
    content_hash,
    event_content,
)
from audit.sealing import (
    CHUNK,
    CheckpointMac,
    Position,
    by_position,
    current_keys,
    read_anchor,
    sealed_section,
)

# Rows fetched at a time from the server-side cursor that reads the sealed section.
FETCH = 20_000
# Fetches read ahead by the reader thread while the previous one is hashed: one waiting in
# the queue (plus the one being read and the one being hashed) keeps memory bounded.
AHEAD = 1


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
    kind: str = "full"

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Broken(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _hash_of(values: tuple, prev_hash: str | None = None) -> str:
    return content_hash(event_content(values, prev_hash))


# PostgreSQL writes the time in the canonical form itself (UTC, ISO 8601, microseconds:
# what ``event_content`` makes of a datetime), saving a parse and a format per event.
_AT_SQL = """to_char("at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00'"""
_COLUMNS = ", ".join(f'"{name}"' for name in ("xid", "id", "hash", *CONTENT_FIELDS))
_COLUMNS_PG = _COLUMNS.replace('"at"', _AT_SQL)
# The sealed section from a position on, in sealing order (the audit_seal_order index).
_SEALED_PG = (
    f"SELECT {_COLUMNS_PG} FROM audit_auditevent "  # noqa: S608 (constants only)
    'WHERE prev_hash IS NULL AND ("xid", "id") >= (%s, %s) ORDER BY "xid", "id"'
)
_SEALED_SQLITE = (
    f"SELECT {_COLUMNS} FROM audit_auditevent "  # noqa: S608 (constants only)
    'WHERE prev_hash IS NULL AND "id" >= %s ORDER BY "id"'
)
_CHANGES = CONTENT_FIELDS.index("changes")
assert 3 + _CHANGES == 12  # the column _raw_sealed parses
_AT = CONTENT_FIELDS.index("at")
_ADDRESS = CONTENT_FIELDS.index("client_address")


def _raw_sealed(start: Position) -> Iterator[tuple]:
    """(position, id, hash, *content values) of the sealed section's events from
    ``start`` on, in sealing order: a raw cursor (server-side on PostgreSQL), fetched
    FETCH rows at a time, the values turned into what ``event_content`` takes (``changes``
    parsed, the address a string, ``at`` already in its canonical text form)."""
    if by_position():
        loads = json.loads
        with transaction.atomic():
            connection.ensure_connection()
            with connection.connection.cursor(name="audit_verify") as cursor:
                cursor.itersize = FETCH
                cursor.execute(_SEALED_PG, list(start))
                with closing(_read_ahead(lambda: cursor.fetchmany(FETCH))) as fetches:
                    for row in (row for rows in fetches for row in rows):
                        # PostgreSQL gives the time in its canonical form, jsonb and inet
                        # as text (Django's loaders): only the changes need parsing.
                        changes = row[12]
                        yield (
                            (row[0], row[1]),
                            *row[1:12],
                            {} if changes == "{}" else loads(changes),
                            *row[13:],
                        )
        return
    with connection.cursor() as cursor:
        cursor.execute(_SEALED_SQLITE, [start[1]])
        while rows := cursor.fetchmany(FETCH):
            for _xid, event_id, stored, *values in rows:
                yield ((0, event_id), event_id, stored, *_python(values))


def _read_ahead(fetch: Callable[[], list]) -> Iterator[list]:
    """The batches ``fetch`` returns until an empty one, read by a thread while the caller
    works on the batch before: psycopg releases the GIL while PostgreSQL produces a fetch,
    so the server's work and the hashing overlap. At most AHEAD batches wait in the queue.
    An error in the reader is raised here; closing the generator early (a problem found)
    stops the reader after the fetch in hand and waits for it, so the cursor is free."""
    batches: queue.Queue = queue.Queue(maxsize=AHEAD)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                batches.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            while not stop.is_set():
                rows = fetch()
                if not put(rows) or not rows:
                    return
        except BaseException as error:  # handed to the consumer
            put(error)

    reader = threading.Thread(target=read, name="audit-verify-reader", daemon=True)
    reader.start()
    try:
        while True:
            rows = batches.get()
            if isinstance(rows, BaseException):
                raise rows
            if not rows:
                return
            yield rows
            del rows
    finally:
        stop.set()
        reader.join()


def _python(values: list) -> list:
    changes = values[_CHANGES]
    if isinstance(changes, (str, bytes)):
        values[_CHANGES] = json.loads(changes)
    at = values[_AT]
    if not (isinstance(at, str) and at.endswith("+00:00")):  # PostgreSQL's is ready
        if isinstance(at, str):  # SQLite: naive UTC text
            at = dt.datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        values[_AT] = at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    address = values[_ADDRESS]
    if address is not None and not isinstance(address, str):
        values[_ADDRESS] = str(address)
    return values


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


def _checkpoints(up_to: int, after: int = 0) -> Iterator[AuditCheckpoint]:
    last_id = after
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

    def __init__(
        self,
        last: AuditCheckpoint,
        legacy_end: tuple[int | None, str],
        since: AuditCheckpoint | None = None,
    ) -> None:
        self.keys = current_keys()
        self.checkpoints = _checkpoints(last.pk, after=since.pk if since else 0)
        self.legacy_end = legacy_end
        # An incremental run starts after a checkpoint verified before: the next one must
        # link to it (its start and, through its MAC, the previous MAC).
        self.previous: AuditCheckpoint | None = since
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


def _verify_sealed(
    legacy_end: tuple[int | None, str],
    now: dt.datetime,
    since: AuditCheckpoint | None = None,
    listed: list[int] | None = None,
) -> tuple[int, int, AuditCheckpoint | None]:
    """Every sealed event's hash and every checkpoint's MAC, from the start or (``since``)
    from the end of a checkpoint verified before. Returns the events and checkpoints
    checked and the last checkpoint. ``listed`` collects the ids of listed events read."""
    last = AuditCheckpoint.objects.order_by("-id").first()
    if since is not None and last is not None and last.pk < since.pk:
        last = None
    walk = _Sealed(last, legacy_end, since) if last else None
    cutoff = now - dt.timedelta(seconds=settings.AUDIT_MAX_UNSEALED_SECONDS)
    # Times are read in the canonical text form, which sorts as the times do.
    cutoff = cutoff.astimezone(dt.UTC).isoformat(timespec="microseconds")
    checked = 0
    verb = 3 + CONTENT_FIELDS.index("verb")
    listed_verb = AuditEvent.Verb.LISTED.value
    hash_of = _hash_of
    # The checkpoint being walked and its range, kept at hand (read once per checkpoint, not
    # once per event).
    current = walk.current if walk else None
    start, stop = (current.start, current.stop) if current else (None, None)
    for row in _raw_sealed(since.stop if since else (0, 0)):
        position, event_id, stored = row[0], row[1], row[2]
        checked += 1
        if listed is not None and row[verb] == listed_verb:
            listed.append(event_id)
        if hash_of(row[3:]) != stored:
            raise _Broken(
                Problem("edited", f"Event {event_id} was edited after it was written.", event_id)
            )
        if current is not None and position >= stop:
            while walk.current and position >= walk.current.stop:
                walk.close()
            current = walk.current
            start, stop = (current.start, current.stop) if current else (None, None)
        if current is not None:
            if position < start:
                raise _Broken(
                    Problem(
                        "uncovered",
                        f"Event {event_id} lies before the checkpoint range that should hold "
                        "it: it was inserted among sealed events.",
                        event_id,
                    )
                )
            walk.mac.add(event_id, stored)
            walk.events += 1
        elif row[3] < cutoff:
            at = row[3]
            raise _Broken(
                Problem(
                    "unsealed",
                    f"Event {event_id} ({at[:19].replace('T', ' ')}) has not been sealed "
                    f"within {settings.AUDIT_MAX_UNSEALED_SECONDS} seconds: is the sealer "
                    "(beat's seal_audit) running? An event inserted with an old time also "
                    "shows here.",
                    event_id,
                )
            )
    while walk and walk.current:
        walk.close()
    if by_position():
        # An event that is neither legacy nor carries a transaction id can never be sealed
        # (found through the audit_no_xid partial index, never a scan).
        stray = (
            sealed_section()
            .filter(xid__isnull=True)
            .order_by("id")
            .values_list("id", flat=True)
            .first()
        )
        if stray is not None:
            raise _Broken(
                Problem(
                    "uncovered",
                    f"Event {stray} has no transaction id, so no checkpoint covers it: it "
                    "was inserted by hand.",
                    stray,
                )
            )
    latest = walk.previous if walk else since
    return checked, walk.count if walk else 0, latest


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
    _no_stray_rows(AuditEventObject.objects.exclude(event__verb=AuditEvent.Verb.LISTED))
    events = (
        AuditEvent.objects.filter(verb=AuditEvent.Verb.LISTED)
        .order_by("id")
        .only("id", "verb", "changes")
    )
    _listed_rows_match(events.iterator(chunk_size=batch_size), batch_size)


def _no_stray_rows(rows) -> None:
    """No event but a list read has listed records (``rows``: the side rows to look at)."""
    stray = rows.order_by("event_id").values_list("event_id", flat=True).first()
    if stray is not None:
        raise _Broken(
            Problem(
                "listed",
                f"Event {stray} is not a list read but has listed records: they were added "
                "by hand.",
                stray,
            )
        )


def _listed_rows_match(events, batch_size: int) -> None:
    """Each list read in ``events`` has exactly the records its hashed ``changes`` names."""
    from audit.services import listed_objects_match, with_listed_digests

    for event in with_listed_digests(events, batch_size):
        if not listed_objects_match(event):
            raise _Broken(
                Problem(
                    "listed",
                    f"The records list read {event.pk} names no longer match what it "
                    "recorded: one was deleted, changed or added.",
                    event.pk,
                )
            )


def _verify_listed_since(since: AuditCheckpoint, listed: list[int], batch_size: int) -> None:
    """The incremental run's side-row check: the listed events read since ``since`` have
    exactly their recorded rows, and no other event of that range has any."""
    since_stop = _after(since.stop) if by_position() else Q(id__gte=since.to_id)
    new = sealed_section().filter(since_stop)
    _no_stray_rows(
        AuditEventObject.objects.filter(event__in=new.exclude(verb=AuditEvent.Verb.LISTED))
    )
    for start in range(0, len(listed), batch_size):
        ids = listed[start : start + batch_size]
        events = AuditEvent.objects.filter(pk__in=ids).order_by("id").only("id", "verb", "changes")
        _listed_rows_match(events, batch_size)


def _after(position: Position):
    from audit.sealing import _pair

    return _pair(">=", position)


def _last_verified() -> tuple[VerificationRun | None, AuditCheckpoint | None]:
    """The last run that found the trail intact and the checkpoint it verified up to. That
    checkpoint must still be there with the MAC the run saw."""
    run = VerificationRun.objects.filter(ok=True, to_checkpoint__isnull=False).order_by("-id")
    run = run.first()
    if run is None:
        return None, None
    checkpoint = AuditCheckpoint.objects.filter(pk=run.to_checkpoint).first()
    if checkpoint is None or not _same(checkpoint.mac, run.to_mac):
        raise _Broken(
            Problem(
                "checkpoint",
                f"Checkpoint {run.to_checkpoint}, verified intact by run {run.pk}, is "
                + ("gone" if checkpoint is None else "held with another MAC")
                + ": the sealed trail was cut off or replaced.",
                checkpoint_id=run.to_checkpoint,
            )
        )
    return run, checkpoint


def verify_trail(
    now: dt.datetime | None = None,
    batch_size: int = CHUNK,
    *,
    incremental: bool = False,
    record: bool = False,
) -> Report:
    """Verify the trail and stop at the first problem.

    Full (the default): the legacy chain, every event's hash, every checkpoint, every
    list read's records, the unsealed tail and the anchor. ``incremental``: only what came
    after the last checkpoint a recorded run verified intact (its MAC checked again, and
    the next checkpoint's MAC covers it), the new events' hashes and list records, the
    unsealed tail and the anchor; with no such run it is a full run. ``record`` keeps the
    run in VerificationRun (verify_audit and the nightly task do)."""
    started = timezone.now()
    now = now or started
    legacy, sealed, checkpoints = 0, 0, 0
    kind = VerificationRun.Kind.FULL
    since: AuditCheckpoint | None = None
    latest: AuditCheckpoint | None = None
    problem: Problem | None = None
    try:
        if incremental:
            _run, since = _last_verified()
        if since is not None:
            kind = VerificationRun.Kind.INCREMENTAL
            listed: list[int] = []
            sealed, checkpoints, latest = _verify_sealed((None, ""), now, since, listed)
            _verify_listed_since(since, listed, batch_size)
        else:
            legacy, legacy_end = _verify_legacy()
            sealed, checkpoints, latest = _verify_sealed(legacy_end, now)
            _verify_listed(batch_size)
        _verify_anchor()
    except _Broken as broken:
        problem = broken.problem
    report = Report(problem, legacy + sealed, checkpoints, kind)
    if record:
        VerificationRun.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            kind=kind,
            from_checkpoint=since.pk if since else None,
            to_checkpoint=latest.pk if latest and problem is None else None,
            to_mac=latest.mac if latest and problem is None else "",
            events=report.events,
            checkpoints=report.checkpoints,
            ok=problem is None,
            problem=problem.message if problem else "",
        )
    return report

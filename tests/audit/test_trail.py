"""The audit trail is append-only in the database and tamper-evident: each event hashes its
own content, the sealer covers committed events with keyed (HMAC) checkpoints, and the
latest checkpoint is anchored outside the database. Every attack below removes the
triggers, as only someone with the database owner's rights could."""

import base64
import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from audit import triggers
from audit.keys import INSECURE_DEV_AUDIT_HMAC_KEYS, check_audit_hmac_keys, parse_keys
from audit.models import AuditCheckpoint, AuditEvent, VerificationRun, content_hash
from audit.sealing import CheckpointMac, seal
from audit.services import field_changes, record, record_listed
from audit.tasks import seal_audit, verify_audit_chain
from audit.verification import verify_trail
from tests.db_owner import behind_the_triggers
from tests.factories import UserFactory, make_case

pytestmark = pytest.mark.django_db

ON_POSTGRES = connection.vendor == "postgresql"
OTHER_KEY = base64.b64encode(b"another-key-of-at-least-32-bytes-for-tests").decode()


# Inside _TriggersOff: the owner's cursor (tests/db_owner.py), which may change audit rows.
_tampering: list = []
# The app's own role is refused by its privileges before the triggers are reached.
REFUSED = "append-only|permission denied"


def _raw(sql: str, params=()) -> None:
    if _tampering:
        _tampering[-1].execute(sql, params)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


class _TriggersOff:
    """What an attacker with the owner's rights does first: the owner's connection with
    the triggers removed. Tests that use it commit their data first (transaction=True), as
    the owner's connection cannot see or lock what an open test transaction wrote."""

    def __enter__(self):
        self._block = behind_the_triggers()
        _tampering.append(self._block.__enter__())

    def __exit__(self, *exc):
        _tampering.pop()
        return self._block.__exit__(*exc)


def _viewed(n: int = 1) -> AuditEvent:
    return record(actor=UserFactory(), verb="viewed", object_type="cases.case", object_id=n)


def _problem():
    return verify_trail().problem


# --- Append-only ------------------------------------------------------------------------


def test_the_database_refuses_to_update_an_event():
    event = _viewed()

    with pytest.raises(DatabaseError, match=REFUSED):
        _raw("UPDATE audit_auditevent SET verb = 'created' WHERE id = %s", [event.pk])

    event.refresh_from_db()
    assert event.verb == "viewed"


def test_the_database_refuses_to_delete_an_event():
    event = _viewed()

    with pytest.raises(DatabaseError, match=REFUSED):
        _raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_database_refuses_to_change_or_delete_a_checkpoint():
    _viewed()
    checkpoint = seal()

    with pytest.raises(DatabaseError, match=REFUSED):
        _raw("UPDATE audit_auditcheckpoint SET mac = 'x' WHERE id = %s", [checkpoint.pk])
    with pytest.raises(DatabaseError, match=REFUSED):
        _raw("DELETE FROM audit_auditcheckpoint WHERE id = %s", [checkpoint.pk])


@pytest.mark.skipif(not ON_POSTGRES, reason="TRUNCATE is PostgreSQL's")
# The trail's own tables (addenda to minutes: tests/meetings/test_minutes.py).
@pytest.mark.parametrize(
    "table", [t for t in triggers.APPEND_ONLY_TABLES if t.startswith("audit_")]
)
def test_the_database_refuses_to_truncate_the_trail(table):
    # A row in every table: an empty one may be emptied (the trigger lets test databases
    # do it), so without one in the side table this test would pass only after others.
    _viewed()
    record_listed(
        UserFactory(), list_name="test", object_type="cases.case", objects=[("cases.case", 1)]
    )
    seal()
    verify_trail(record=True)  # a verification run

    with (
        pytest.raises(DatabaseError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks in the way
        cursor.execute(f"TRUNCATE {table} CASCADE")


# --- Appending and sealing --------------------------------------------------------------


def test_recording_an_event_is_one_insert_with_no_lock_and_no_read(django_assert_num_queries):
    user = UserFactory()
    user.roles  # noqa: B018  (read once per request, before any event)

    with django_assert_num_queries(1) as queries:
        event = record(actor=user, verb="viewed", object_type="cases.case", object_id=7)

    assert queries.captured_queries[0]["sql"].startswith('INSERT INTO "audit_auditevent"')
    assert event.prev_hash is None
    assert event.hash == content_hash(event.content())


def test_each_event_hashes_its_own_content_only():
    make_case()
    events = list(AuditEvent.objects.order_by("id"))

    assert all(e.prev_hash is None and e.hash == e.compute_hash() for e in events)
    if ON_POSTGRES:
        assert all(e.xid is not None for e in AuditEvent.objects.all())


def test_the_sealer_covers_what_committed_once_and_chains_the_checkpoints():
    make_case()
    first = seal()
    assert first.event_count == AuditEvent.objects.count()
    assert first.key_id == "dev-insecure"
    assert seal() is None  # nothing new

    _viewed()
    second = seal()

    assert second.event_count == 1
    assert second.start == first.stop
    assert verify_trail().ok
    assert verify_trail().checkpoints == 2


def test_the_seal_task_and_the_nightly_check_report_what_they_did():
    _viewed()
    assert seal_audit() == {"checkpoint": AuditCheckpoint.objects.get().pk, "sealed": 1}
    assert seal_audit() == {"sealed": 0}
    assert verify_audit_chain() == {"ok": True, "checked": 1, "checkpoints": 1}


def test_the_latest_checkpoint_is_written_to_the_anchor_file_and_the_log(
    settings, django_capture_on_commit_callbacks, caplog
):
    _viewed()
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint = seal()

    anchor = json.loads(Path(settings.AUDIT_ANCHOR_FILE).read_text())
    assert anchor["checkpoint"] == checkpoint.pk
    assert anchor["mac"] == checkpoint.mac
    assert f'"checkpoint": {checkpoint.pk}' in caplog.text
    assert checkpoint.mac in caplog.text


def test_a_key_rotation_keeps_old_checkpoints_verifiable(settings):
    _viewed()
    seal()
    settings.AUDIT_HMAC_KEYS = f"k2:{OTHER_KEY},{INSECURE_DEV_AUDIT_HMAC_KEYS}"
    _viewed(2)

    assert seal().key_id == "k2"
    assert verify_trail().ok

    settings.AUDIT_HMAC_KEYS = f"k2:{OTHER_KEY}"
    problem = _problem()
    assert problem.kind == "key"
    assert "dev-insecure" in problem.message
    settings.AUDIT_HMAC_KEYS = f"k2:{OTHER_KEY},{INSECURE_DEV_AUDIT_HMAC_KEYS}"


def test_production_refuses_the_development_key_or_none():
    check_audit_hmac_keys(INSECURE_DEV_AUDIT_HMAC_KEYS, debug=True)
    check_audit_hmac_keys(f"k1:{OTHER_KEY}", debug=False)
    for value in (INSECURE_DEV_AUDIT_HMAC_KEYS, "", "k1:short", f"k1:{OTHER_KEY},k1:{OTHER_KEY}"):
        with pytest.raises(ImproperlyConfigured):
            check_audit_hmac_keys(value, debug=False)
    assert list(parse_keys(f"new:{OTHER_KEY},{INSECURE_DEV_AUDIT_HMAC_KEYS}")) == [
        "new",
        "dev-insecure",
    ]


def test_an_event_left_unsealed_too_long_is_reported(settings):
    event = _viewed()
    soon = timezone.now() + dt.timedelta(seconds=settings.AUDIT_MAX_UNSEALED_SECONDS - 60)
    late = timezone.now() + dt.timedelta(seconds=settings.AUDIT_MAX_UNSEALED_SECONDS + 60)

    assert verify_trail(now=soon).ok
    problem = verify_trail(now=late).problem
    assert (problem.kind, problem.event_id) == ("unsealed", event.pk)
    assert "sealer" in problem.message


# --- The legacy section -----------------------------------------------------------------


def _legacy_event(previous: str, n: int) -> AuditEvent:
    """An event as the old chained code wrote it (the section before the checkpoints)."""
    event = AuditEvent(at=timezone.now(), verb="viewed", object_type="cases.case", object_id=str(n))
    event.prev_hash = previous
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    return event


def _legacy_then_new() -> list[AuditEvent]:
    events = []
    previous = ""
    for n in range(3):
        events.append(_legacy_event(previous, n))
        previous = events[-1].hash
    return events


def test_legacy_events_keep_their_chain_and_the_first_checkpoint_closes_it():
    legacy = _legacy_then_new()
    _viewed()

    checkpoint = seal()

    assert (checkpoint.legacy_last_id, checkpoint.legacy_last_hash) == (
        legacy[-1].pk,
        legacy[-1].hash,
    )
    assert checkpoint.event_count == 1
    assert verify_trail().ok
    assert verify_trail().events == 4


@pytest.mark.breaks_audit_chain
@pytest.mark.django_db(transaction=True)
def test_an_edit_in_the_legacy_section_is_found():
    legacy = _legacy_then_new()
    seal()
    with _TriggersOff():
        _raw("UPDATE audit_auditevent SET object_id = '99' WHERE id = %s", [legacy[1].pk])

    assert (_problem().kind, _problem().event_id) == ("edited", legacy[1].pk)


@pytest.mark.breaks_audit_chain
def test_a_legacy_event_added_after_the_section_closed_is_found():
    legacy = _legacy_then_new()
    _viewed()
    seal()
    _legacy_event(legacy[-1].hash, 9)  # links correctly, but after the close

    assert _problem().kind == "checkpoint"


# --- Attacks ----------------------------------------------------------------------------


@pytest.mark.breaks_audit_chain
@pytest.mark.django_db(transaction=True)
def test_an_edited_event_is_named(capsys):
    make_case()
    seal()
    call_command("verify_audit")
    assert "Audit trail intact" in capsys.readouterr().out
    victim = AuditEvent.objects.order_by("id")[2]

    with _TriggersOff():
        _raw("UPDATE audit_auditevent SET actor_label = 'someone-else' WHERE id = %s", [victim.pk])

    # The default run is incremental: the range verified before is not read again...
    call_command("verify_audit")
    assert "Audit trail intact" in capsys.readouterr().out
    # ...the full run reads it, and finds the edit.
    with pytest.raises(CommandError, match=f"Event {victim.pk} was edited"):
        call_command("verify_audit", "--full")


@pytest.mark.breaks_audit_chain
@pytest.mark.django_db(transaction=True)
def test_the_incremental_check_finds_an_edit_among_the_new_events():
    make_case()
    seal()
    assert verify_audit_chain()["ok"]
    first = VerificationRun.objects.get()
    assert (first.kind, first.ok, first.from_checkpoint) == ("full", True, None)
    assert first.to_checkpoint == AuditCheckpoint.objects.latest("id").pk
    make_case()
    seal()
    # The next night: only what came after the checkpoint verified last night.
    report = verify_audit_chain()
    second = VerificationRun.objects.latest("id")
    assert report["ok"] and second.kind == "incremental"
    assert second.from_checkpoint == first.to_checkpoint
    assert 0 < second.events < AuditEvent.objects.count()
    make_case()
    seal()
    victim = AuditEvent.objects.order_by("-id")[1]
    with _TriggersOff():
        _raw("UPDATE audit_auditevent SET object_id = '99' WHERE id = %s", [victim.pk])

    report = verify_audit_chain()

    assert (report["ok"], report["broken_event"]) == (False, victim.pk)
    third = VerificationRun.objects.latest("id")
    assert (third.kind, third.ok, third.to_checkpoint) == ("incremental", False, None)
    # A broken run is no starting point: the next run starts where the last intact one
    # stopped, and finds the edit again.
    assert verify_audit_chain()["broken_event"] == victim.pk


@pytest.mark.breaks_audit_chain
@pytest.mark.django_db(transaction=True)
def test_the_incremental_check_finds_the_checkpoint_it_started_from_replaced():
    make_case()
    seal()
    assert verify_audit_chain()["ok"]
    verified = AuditCheckpoint.objects.latest("id")
    with _TriggersOff():
        _raw("UPDATE audit_auditcheckpoint SET mac = %s WHERE id = %s", ["0" * 64, verified.pk])

    report = verify_audit_chain()

    assert (report["ok"], report["problem"]) == (False, "checkpoint")
    assert report["broken_checkpoint"] == verified.pk


def test_verification_runs_are_append_only():
    make_case()
    seal()
    verify_trail(record=True)
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("UPDATE audit_verificationrun SET ok = false")


@pytest.mark.breaks_audit_chain
@pytest.mark.django_db(transaction=True)
def test_an_edited_and_rehashed_event_fails_its_checkpoint():
    make_case()
    checkpoint = seal()
    victim = AuditEvent.objects.order_by("id")[1]
    victim.actor_label = "someone-else"

    with _TriggersOff():
        _raw(
            "UPDATE audit_auditevent SET actor_label = %s, hash = %s WHERE id = %s",
            [victim.actor_label, victim.compute_hash(), victim.pk],
        )

    problem = _problem()
    assert (problem.kind, problem.checkpoint_id) == ("checkpoint", checkpoint.pk)
    assert "edited or the trail was re-hashed" in problem.message


@pytest.mark.breaks_audit_chain
@pytest.mark.django_db(transaction=True)
def test_a_deleted_event_fails_its_checkpoint():
    make_case()
    checkpoint = seal()
    victim = AuditEvent.objects.order_by("id")[1]

    with _TriggersOff():
        _raw("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])

    problem = _problem()
    assert (problem.kind, problem.checkpoint_id) == ("checkpoint", checkpoint.pk)
    assert "1 of its events were deleted" in problem.message


@pytest.mark.breaks_audit_chain
def test_an_event_inserted_among_sealed_ones_fails_their_checkpoint():
    make_case()
    checkpoint = seal()
    _viewed()  # later, unsealed events are not the forger's concern
    real = AuditEvent.objects.order_by("id").first()
    forged = AuditEvent(at=real.at, verb="viewed", object_type="cases.child", object_id="1")
    forged.hash = forged.compute_hash()
    # Where the sealed past has room: on PostgreSQL a transaction id the checkpoint has
    # sealed (an earlier one than the test's own), on SQLite (which seals by id, all
    # taken) the one id below the first.
    if ON_POSTGRES:
        forged.xid = real.xid - 1
    else:
        forged.pk = 0
    forged.save(force_insert=True)

    problem = _problem()
    assert (problem.kind, problem.checkpoint_id) == ("checkpoint", checkpoint.pk)
    assert "1 events were inserted" in problem.message


@pytest.mark.skipif(not ON_POSTGRES, reason="transaction ids are PostgreSQL's")
@pytest.mark.breaks_audit_chain
def test_an_event_inserted_without_a_transaction_id_is_found():
    _viewed()
    seal()
    _raw(
        "INSERT INTO audit_auditevent (at, actor_label, actor_agency, actor_roles, verb,"
        " object_type, object_id, case_reference, changes, request_id, hash, xid)"
        " VALUES (now(), '', '', '', 'viewed', '', '', '', '{}', '', 'x', NULL)"
    )

    assert _problem().kind in {"edited", "uncovered"}


@pytest.mark.breaks_audit_chain
@pytest.mark.django_db(transaction=True)
def test_a_trail_rehashed_without_the_key_fails():
    make_case()
    seal()
    _viewed()
    seal()
    guessed = base64.b64decode(OTHER_KEY)

    # Rewrite an event, re-hash it and re-seal every checkpoint with a guessed key.
    with _TriggersOff():
        victim = AuditEvent.objects.order_by("id")[0]
        victim.actor_label = "someone-else"
        victim.hash = victim.compute_hash()
        _raw(
            "UPDATE audit_auditevent SET actor_label = %s, hash = %s WHERE id = %s",
            [victim.actor_label, victim.hash, victim.pk],
        )
        previous = ""
        for checkpoint in AuditCheckpoint.objects.order_by("id"):
            mac = CheckpointMac(guessed)
            for event in AuditEvent.objects.order_by("xid", "id"):
                if checkpoint.start <= (event.xid or 0, event.pk) < checkpoint.stop:
                    mac.add(event.pk, event.hash)
            checkpoint.mac = mac.finish(checkpoint, previous)
            _raw(
                "UPDATE audit_auditcheckpoint SET mac = %s WHERE id = %s",
                [checkpoint.mac, checkpoint.pk],
            )
            previous = checkpoint.mac

    problem = _problem()
    assert problem.kind == "checkpoint"
    assert problem.checkpoint_id == AuditCheckpoint.objects.order_by("id").first().pk


@pytest.mark.breaks_audit_chain
@pytest.mark.django_db(transaction=True)
def test_a_removed_checkpoint_is_found():
    for n in range(3):
        _viewed(n)
        seal()
    middle = AuditCheckpoint.objects.order_by("id")[1]

    with _TriggersOff():
        _raw("DELETE FROM audit_auditcheckpoint WHERE id = %s", [middle.pk])

    problem = _problem()
    assert problem.kind == "checkpoint"
    assert "does not follow" in problem.message


@pytest.mark.breaks_audit_chain
@pytest.mark.django_db(transaction=True)
def test_a_cut_off_tail_is_found_by_the_anchor(django_capture_on_commit_callbacks):
    _viewed(1)
    seal()
    _viewed(2)
    with django_capture_on_commit_callbacks(execute=True):
        last = seal()
    assert verify_trail().ok

    # Everything after the first checkpoint goes: the rest still verifies on its own.
    with _TriggersOff():
        _raw("DELETE FROM audit_auditevent WHERE object_id = '2'")
        _raw("DELETE FROM audit_auditcheckpoint WHERE id = %s", [last.pk])

    problem = _problem()
    assert (problem.kind, problem.checkpoint_id) == ("anchor", last.pk)
    assert "no longer has" in problem.message


@pytest.mark.breaks_audit_chain
@pytest.mark.django_db(transaction=True)
def test_verify_audit_exits_with_code_1_when_broken():
    make_case()
    seal()
    with _TriggersOff():
        _raw(
            "UPDATE audit_auditevent SET verb = 'viewed' "
            "WHERE id = (SELECT MIN(id) FROM audit_auditevent)"
        )

    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "verify_audit"]).execute()
    assert exit_.value.code == 1


def test_sensitive_text_is_recorded_as_changed_only():
    changes = field_changes(
        {"concerns": "old fictional text", "status": "open"},
        {"concerns": "new fictional text", "status": "closed"},
    )
    assert changes == {"concerns": "changed", "status": ["open", "closed"]}


# --- Concurrency (PostgreSQL, real connections) -----------------------------------------
# Run on PostgreSQL with your own database, for example:
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/sp_trail pytest tests/audit/test_trail.py


@pytest.mark.skipif(not ON_POSTGRES, reason="needs concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_a_late_commit_is_sealed_by_a_later_checkpoint_never_skipped():
    user = UserFactory()
    written, release = threading.Event(), threading.Event()
    late: list[AuditEvent] = []

    def slow_writer():
        try:
            with transaction.atomic():
                late.append(record(actor=user, verb="viewed", object_type="cases.case"))
                written.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert written.wait(timeout=30)
    early = record(actor=user, verb="viewed", object_type="cases.child")  # commits first
    assert early.pk > late[0].pk  # ids are not in commit order

    first = seal()  # the slow writer is in flight: nothing at or after it is sealed
    release.set()
    thread.join()
    second = seal()

    covered = [first.event_count if first else 0, second.event_count]
    assert sum(covered) == AuditEvent.objects.count()
    early = AuditEvent.objects.get(pk=early.pk)
    assert second.start <= (late[0].xid, late[0].pk) < second.stop
    assert second.start <= (early.xid, early.pk) < second.stop
    assert verify_trail().ok


@pytest.mark.skipif(not ON_POSTGRES, reason="needs concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_leave_every_event_sealed_once():
    user = UserFactory()
    barrier = threading.Barrier(6)
    errors = []

    def write_events():
        try:
            barrier.wait()
            for n in range(15):
                with transaction.atomic():
                    record(actor=user, verb="viewed", object_type="cases.case", object_id=n)
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    def seal_repeatedly():
        try:
            barrier.wait()
            for _ in range(10):
                seal()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write_events) for _ in range(4)]
    threads += [threading.Thread(target=seal_repeatedly) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seal()

    assert errors == []
    assert AuditEvent.objects.filter(verb="viewed").count() == 60
    total = sum(AuditCheckpoint.objects.values_list("event_count", flat=True))
    assert total == AuditEvent.objects.count()
    assert verify_trail().ok


def test_the_verifier_hashes_exactly_as_the_writer_does():
    """verify_audit reads raw rows and hashes them itself: byte for byte the writer's
    form, for every kind of value an event holds."""
    from audit.context import RequestContext, current
    from audit.verification import _hash_of, _raw_sealed

    user = UserFactory(username="zoë.ünïcode", first_name="Zoë")
    events = [
        record(actor=None, verb="login_failed", object_type="panel.user"),
        record(
            actor=user,
            verb="updated",
            object_type="cases.case",
            object_id=12,
            case_reference="SP-000012",
            changes={
                "status": ["open", "closed"],
                "nested": {"b": [1, 2.5, None, True, False], "a": 'ü " \\ \n'},
                "when": dt.date(2026, 1, 2),
                "none": None,
                "big": 2**62,
            },
        ),
    ]
    for address in ["203.0.113.7", "2001:db8::1", None]:
        token = current.set(RequestContext(request_id="req-ü", client_address=address))
        try:
            events.append(record(actor=user, verb="viewed", object_type="cases.child", object_id=3))
        finally:
            current.reset(token)
    # A time on a whole second (SQLite stores it with no fraction).
    whole_second = AuditEvent(
        at=timezone.now().replace(microsecond=0), verb="viewed", changes={"n": 1.0}
    )
    whole_second.hash = whole_second.compute_hash()
    whole_second.save(force_insert=True)
    events.append(whole_second)

    read = {row[1]: row for row in _raw_sealed((0, 0))}
    for event in events:
        _position, _id, stored, *values = read[event.pk]
        fresh = AuditEvent.objects.get(pk=event.pk)
        assert stored == event.hash == fresh.compute_hash() == _hash_of(tuple(values))

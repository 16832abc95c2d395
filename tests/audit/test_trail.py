"""The audit trail is append-only in the database and tamper-evident."""

import itertools
import threading

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from audit.models import AuditEvent
from audit.services import first_broken_event, record
from tests.db_owner import behind_the_triggers
from tests.factories import UserFactory, make_case

pytestmark = pytest.mark.django_db

# The triggers refuse; with a separate application role (DATABASE_OWNER_URL), its missing
# privileges refuse first (tests/audit/test_db_roles.py).
REFUSED = "append-only|permission denied"


def _raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_to_update_an_event():
    event = record(actor=UserFactory(), verb="viewed", object_type="cases.case", object_id=1)

    with pytest.raises(DatabaseError, match=REFUSED):
        _raw("UPDATE audit_auditevent SET verb = 'created' WHERE id = %s", [event.pk])

    event.refresh_from_db()
    assert event.verb == "viewed"


def test_the_database_refuses_to_delete_an_event():
    event = record(actor=UserFactory(), verb="viewed", object_type="cases.case", object_id=1)

    with pytest.raises(DatabaseError, match=REFUSED):
        _raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_the_database_refuses_to_truncate_the_trail():
    record(actor=None, verb="login_failed", object_type="panel.user")

    with (
        pytest.raises(DatabaseError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks in the way
        cursor.execute("TRUNCATE audit_auditevent CASCADE")


def test_each_event_links_to_the_one_before():
    make_case()
    events = list(AuditEvent.objects.order_by("id"))

    assert events[0].prev_hash == ""
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert first_broken_event() == (None, len(events))


# Tampering goes through the owner's connection (tests/db_owner.py), so the data is
# committed first: transaction=True.
@pytest.mark.breaks_audit_chain
@pytest.mark.django_db(transaction=True)
def test_an_edit_behind_the_triggers_back_is_named_by_verify_audit(capsys):
    make_case()
    call_command("verify_audit")
    assert "Audit chain intact" in capsys.readouterr().out
    victim = AuditEvent.objects.order_by("id")[2]

    with behind_the_triggers() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_label = 'someone-else' WHERE id = %s", [victim.pk]
        )

    with pytest.raises(CommandError, match=f"broken at event {victim.pk} "):
        call_command("verify_audit")


@pytest.mark.breaks_audit_chain
@pytest.mark.django_db(transaction=True)
def test_verify_audit_exits_with_code_1_when_broken():
    make_case()
    with behind_the_triggers() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET verb = 'viewed' "
            "WHERE id = (SELECT MIN(id) FROM audit_auditevent)"
        )

    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "verify_audit"]).execute()
    assert exit_.value.code == 1


def test_sensitive_text_is_recorded_as_changed_only():
    from audit.services import field_changes

    changes = field_changes(
        {"concerns": "old fictional text", "status": "open"},
        {"concerns": "new fictional text", "status": "closed"},
    )
    assert changes == {"concerns": "changed", "status": ["open", "closed"]}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
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

    threads = [threading.Thread(target=write_events) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AuditEvent.objects.filter(verb="viewed").count() == 90
    assert first_broken_event() == (None, AuditEvent.objects.count())

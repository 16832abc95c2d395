"""The action and review scans read due rows in batches by primary key (bounded memory
whatever the number of rows) and write each batch's new notifications in one statement,
which commits on its own. The keys make every batch idempotent: a repeat scan creates and
sends nothing, and a scan stopped after its first batch and run again tells each person
exactly once."""

import datetime as dt

import pytest
from django.core import mail
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from notifications import reminders
from notifications.email import send_pending
from notifications.models import Notification
from notifications.reminders import scan_actions, scan_reviews
from tests.notifications.conftest import REMINDERS, at, keys
from tests.notifications.data import many_cases

BATCH = 20


def build(team, count: int, start: int = 1) -> None:
    many_cases(
        count,
        start=start,
        area=team.area,
        agency=team.agency,
        lead=team.lead,
        owner=team.owner,
        review_due_on=dt.date(2026, 5, 6),
        action_due_on=dt.date(2026, 4, 26),  # 8 days overdue: coordinators told too
    )


def reminders_sent() -> list[str]:
    return [m.subject for m in mail.outbox if "for CSE-2000-" in m.subject]


@pytest.fixture
def small_batches(settings):
    settings.REMINDER_SCAN_BATCH_SIZE = BATCH


# Queries once per scan (the due rows, streamed; the people to tell), and per batch: which
# of the batch's keys exist, and the insert of the new ones (none when nothing is new).
SCANS = [
    # due reviews, coordinators by area
    pytest.param(scan_reviews, 2, 2, id="reviews"),
    # due actions, leads by agency, coordinators by area
    pytest.param(scan_actions, 3, 3, id="actions"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("scan", "once", "per_row"), SCANS)
def test_a_scan_makes_the_same_queries_per_batch_however_many_rows_are_due(
    team, time_machine, small_batches, scan, once, per_row
):
    time_machine.move_to(at(2026, 5, 4, 7), tick=False)
    build(team, 3)
    with CaptureQueriesContext(connection) as three:
        assert scan() == 3 * per_row
    Notification.objects.filter(kind__in=REMINDERS).delete()
    build(team, 27, start=4)

    with CaptureQueriesContext(connection) as thirty:
        assert scan() == 30 * per_row

    # 3 rows: one short batch; 30 rows: a full batch of 20 and a short one of 10.
    assert len(three) == once + 1 * 2, [q["sql"] for q in three]
    assert len(thirty) == once + 2 * 2, [q["sql"] for q in thirty]


@pytest.mark.django_db
@pytest.mark.parametrize(("scan", "once", "per_row"), SCANS)
def test_a_repeat_scan_with_nothing_new_due_creates_and_sends_nothing(
    team, time_machine, small_batches, scan, once, per_row
):
    time_machine.move_to(at(2026, 5, 4, 7), tick=False)
    build(team, 30)
    assert scan() == 30 * per_row
    send_pending()
    sent = len(reminders_sent())
    assert sent == 30 * per_row
    before = keys()

    with CaptureQueriesContext(connection) as repeat:
        assert scan() == 0

    # Per batch: the key check; no insert at all.
    assert len(repeat) == once + 2 * 1, [q["sql"] for q in repeat]
    assert not any(q["sql"].lstrip().startswith("INSERT") for q in repeat)
    assert keys() == before
    assert send_pending() == 0
    assert len(reminders_sent()) == sent


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("scan", "once", "per_row"), SCANS)
def test_a_scan_stopped_after_its_first_batch_and_run_again_tells_each_person_once(
    team, time_machine, small_batches, monkeypatch, scan, once, per_row
):
    """Real commits (a transactional test): the first batch's notifications are kept when
    the second batch fails, and the retry creates only the rest."""
    time_machine.move_to(at(2026, 5, 4, 7), tick=False)
    build(team, 30)
    write = reminders.create_new_notifications
    calls = []

    def fail_on_second_batch(pending):
        calls.append(1)
        if len(calls) == 2:
            raise DatabaseError("the connection went away (test)")
        return write(pending)

    monkeypatch.setattr(reminders, "create_new_notifications", fail_on_second_batch)
    with pytest.raises(DatabaseError):
        scan()
    assert len(keys()) == BATCH * per_row
    send_pending()
    monkeypatch.setattr(reminders, "create_new_notifications", write)

    assert scan() == (30 - BATCH) * per_row
    send_pending()

    assert len(keys()) == len(set(keys())) == 30 * per_row
    subjects = reminders_sent()
    assert len(subjects) == 30 * per_row
    sent_to = sorted((m.to[0], m.subject) for m in mail.outbox if "for CSE-2000-" in m.subject)
    assert len(set(sent_to)) == len(sent_to)
    assert scan() == 0

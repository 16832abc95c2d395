"""The Celery side of reminders: tasks take no arguments, are idempotent and retry with
backoff on database and mail errors; the fixed beat schedule runs them."""

import datetime as dt
from smtplib import SMTPException

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import OperationalError

from notifications import reminders, tasks
from panel.celery import app
from tests.notifications.conftest import at
from tests.notifications.data import action_due, review_due

TASKS = [
    tasks.scan_reviews,
    tasks.scan_actions,
    tasks.weekly_digest,
    tasks.send_notification_emails,
]


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_every_task_retries_with_backoff_on_database_and_mail_errors(task):
    assert issubclass(OperationalError, task.autoretry_for)
    assert issubclass(SMTPException, task.autoretry_for)
    assert issubclass(ConnectionRefusedError, task.autoretry_for)
    assert task.retry_backoff is True
    assert task.retry_backoff_max == 600
    assert task.retry_jitter is True
    assert task.max_retries == 5


def test_the_beat_schedule_runs_the_scans_the_digest_and_the_email_sender():
    entries = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    for name in ("scan_reviews", "scan_actions"):
        scan = entries[f"notifications.tasks.{name}"]
        assert scan["schedule"] == settings.REMINDER_SCAN_SECONDS
    emails = entries["notifications.tasks.send_notification_emails"]
    assert emails["schedule"] == settings.NOTIFICATION_EMAIL_SECONDS
    digest = entries["notifications.tasks.weekly_digest"]["schedule"]
    assert digest == crontab(hour=7, minute=0, day_of_week="mon")
    assert app.conf.timezone == "Europe/London"
    for entry in entries.values():
        # No personal data, or any data, travels in the broker; nothing is scheduled ahead.
        assert not entry.get("args") and not entry.get("kwargs")
        assert not {"eta", "countdown"} & set(entry.get("options", {}))


@pytest.mark.django_db
def test_a_task_run_twice_creates_nothing_more(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    case = team.case()
    review_due(case, dt.date(2026, 5, 6))
    action_due(case, dt.date(2026, 4, 1), agency=team.agency, owner=team.owner)

    first = [task.apply().get() for task in TASKS]
    second = [task.apply().get() for task in TASKS]

    assert first[0]["created"] == 2 and first[1]["created"] == 3 and first[2]["created"] == 1
    assert first[3]["sent"] >= 6
    assert second == [{"created": 0}, {"created": 0}, {"created": 0}, {"sent": 0}]


@pytest.mark.django_db
def test_a_database_error_is_retried(team, time_machine, monkeypatch):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    review_due(team.case(), dt.date(2026, 5, 6))
    real_scan, calls = reminders.scan_reviews, []

    def flaky_scan():
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("could not serialize access")
        return real_scan()

    monkeypatch.setattr(reminders, "scan_reviews", flaky_scan)

    result = tasks.scan_reviews.apply()

    assert result.get() == {"created": 2}
    assert len(calls) == 2

"""The agenda-due reminder: coordinators of the area, once per meeting and date, no case."""

import datetime as dt

import pytest

from meetings.reminders import remind_agenda_due
from notifications.models import Notification
from panel.dates import london_today
from tests.factories import MeetingFactory, coordinator, stoke

pytestmark = pytest.mark.django_db


def test_coordinators_hear_once_when_the_publish_by_day_has_come(settings):
    settings.MEETING_PUBLISH_DAYS_BEFORE = 5
    today = london_today()
    meeting = MeetingFactory(date=today + dt.timedelta(days=5))
    boss = meeting.created_by
    other_area = coordinator(stoke())

    assert remind_agenda_due(today) == 1
    assert remind_agenda_due(today) == 0

    notice = Notification.objects.get(recipient=boss)
    assert notice.kind == "agenda_due"
    assert notice.case_reference == ""
    assert notice.link == f"/meetings/{meeting.pk}/agenda/"
    assert not Notification.objects.filter(recipient=other_area).exists()


@pytest.mark.parametrize(
    ("days_ahead", "status", "told"),
    [
        (6, "scheduled", False),  # not yet due
        (5, "scheduled", True),
        (0, "scheduled", True),  # the day itself, still unpublished
        (-1, "scheduled", False),  # past
        (3, "published", False),
        (3, "cancelled", False),
    ],
)
def test_only_unpublished_meetings_due_now_are_reminded(settings, days_ahead, status, told):
    settings.MEETING_PUBLISH_DAYS_BEFORE = 5
    today = london_today()
    MeetingFactory(
        date=today + dt.timedelta(days=days_ahead),
        status=status,
        cancel_reason="Fictional." if status == "cancelled" else "",
    )

    assert bool(remind_agenda_due(today)) is told


def test_rescheduling_makes_a_new_reminder(settings):
    settings.MEETING_PUBLISH_DAYS_BEFORE = 5
    today = london_today()
    meeting = MeetingFactory(date=today + dt.timedelta(days=4))
    remind_agenda_due(today)
    meeting.date = today + dt.timedelta(days=3)
    meeting.save()

    assert remind_agenda_due(today) == 1


def test_the_scan_costs_the_same_for_one_or_many_meetings(django_assert_num_queries, settings):
    settings.MEETING_PUBLISH_DAYS_BEFORE = 5
    today = london_today()
    MeetingFactory(date=today + dt.timedelta(days=2))
    with django_assert_num_queries(3):
        remind_agenda_due(today)
    for days in range(5):
        MeetingFactory(date=today + dt.timedelta(days=days))
    with django_assert_num_queries(3):
        remind_agenda_due(today)

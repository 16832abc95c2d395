"""Meeting reminders read from the database (beat triggers the scan; the rows say what is
due), keyed so a scan run twice tells nobody twice.

- A scheduled meeting whose publish-by day (``MEETING_PUBLISH_DAYS_BEFORE`` days before it)
  has come, with its agenda still unpublished: the area's coordinators, once per meeting
  and date (rescheduling it makes a new reminder). The notice links to the agenda and names
  no case.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.urls import reverse

from meetings.models import Meeting, MeetingStatus
from notifications.models import Notification
from notifications.services import Notice, create_notifications
from panel.dates import london_today
from panel.models import Role, RoleAssignment, reads_case_data


def agendas_due(today: dt.date | None = None) -> list[Meeting]:
    """Scheduled meetings from today on whose agenda should be published by now."""
    today = today or london_today()
    horizon = today + dt.timedelta(days=settings.MEETING_PUBLISH_DAYS_BEFORE)
    return list(
        Meeting.objects.filter(
            status=MeetingStatus.SCHEDULED, date__gte=today, date__lte=horizon
        ).order_by("date", "pk")
    )


def remind_agenda_due(today: dt.date | None = None) -> int:
    """Tell the coordinators of each area with an agenda due (two queries and one insert,
    however many meetings). Returns how many notifications were new."""
    meetings = agendas_due(today)
    if not meetings:
        return 0
    coordinators: dict[int, list[int]] = defaultdict(list)
    for area_id, user_id in (
        RoleAssignment.objects.filter(
            reads_case_data("user__"),
            role=Role.COORDINATOR,
            area_id__in={meeting.area_id for meeting in meetings},
        )
        .values_list("area_id", "user_id")
        .distinct()
    ):
        coordinators[area_id].append(user_id)
    return create_notifications(
        Notice(
            recipient_id=user_id,
            kind=Notification.Kind.AGENDA_DUE,
            link=reverse("meetings:agenda", args=[meeting.pk]),
            about=f"agenda-due:{meeting.pk}:{meeting.date.isoformat()}",
        )
        for meeting in meetings
        for user_id in coordinators[meeting.area_id]
    )

"""Test data for the research list: a meeting whose agenda is published, its member
agencies' named representatives (people with no role at all) and its case items."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from meetings.models import AgendaItem, Meeting, MeetingMember, MeetingStatus
from panel.dates import london_today
from panel.models import Agency, User
from tests.factories import (
    AgencyFactory,
    AgendaItemFactory,
    MeetingFactory,
    UserFactory,
    make_case,
    staffordshire,
)


def published_meeting(*, area=None, days_from_today: int = 3, **kwargs) -> Meeting:
    """A meeting whose agenda was published, ``days_from_today`` ahead (negative: past)."""
    area = area or staffordshire()
    fields = {
        "status": MeetingStatus.PUBLISHED,
        "published_at": timezone.now() - dt.timedelta(days=1),
    } | kwargs
    return MeetingFactory(
        area=area, date=london_today() + dt.timedelta(days=days_from_today), **fields
    )


def closed_by_days(area=None) -> Meeting:
    """Held more than MEETING_RESEARCH_DAYS_AFTER days ago: its research list is closed."""
    return published_meeting(
        area=area,
        days_from_today=-(settings.MEETING_RESEARCH_DAYS_AFTER + 1),
        status=MeetingStatus.HELD,
        held_at=timezone.now() - dt.timedelta(days=15),
    )


def approve(meeting: Meeting) -> Meeting:
    Meeting.objects.filter(pk=meeting.pk).update(
        status=MeetingStatus.APPROVED, approved_at=timezone.now()
    )
    meeting.refresh_from_db()
    return meeting


def representative(meeting: Meeting, agency: Agency | None = None, **kwargs) -> User:
    """A person with no role, named as their agency's representative at the meeting."""
    agency = agency or AgencyFactory()
    agency.areas.add(meeting.area)
    user = UserFactory(agency=agency, **kwargs)
    MeetingMember.objects.create(meeting=meeting, agency=agency, representative=user)
    return user


def entry(meeting: Meeting, case=None, **kwargs) -> AgendaItem:
    """A case on the meeting's agenda."""
    case = case or make_case(area=meeting.area)
    return AgendaItemFactory(meeting=meeting, case=case, added_by=meeting.created_by, **kwargs)

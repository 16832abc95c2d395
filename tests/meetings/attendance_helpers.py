"""Meetings being held, with members of each agency kind, for the attendance tests."""

from __future__ import annotations

from django.utils import timezone

from meetings.models import Meeting, MeetingMember, MeetingStatus
from panel.dates import london_today
from panel.models import Agency, Area
from tests.factories import (
    AgencyFactory,
    MeetingFactory,
    MeetingMemberFactory,
    UserFactory,
    staffordshire,
)

QUORUM = ("police", "social_care", "health", "education")


def meeting_today(area: Area | None = None, **kwargs) -> Meeting:
    """A meeting whose agenda is published, taking place today."""
    fields = {
        "status": MeetingStatus.PUBLISHED,
        "published_at": timezone.now(),
        "date": london_today(),
    } | kwargs
    return MeetingFactory(area=area or staffordshire(), **fields)


def member(meeting: Meeting, kind: str = "police", **kwargs) -> MeetingMember:
    """A member agency of ``kind`` serving the meeting's area, with a named representative."""
    agency = kwargs.pop("agency", None) or AgencyFactory(kind=kind)
    kind = agency.kind
    agency.areas.add(meeting.area)
    if "representative" not in kwargs:
        kwargs["representative"] = UserFactory(
            agency=agency, first_name="Rep", last_name=f"{kind.title()}-Test"
        )
    return MeetingMemberFactory(meeting=meeting, agency=agency, **kwargs)


def quorum_members(meeting: Meeting) -> dict[str, MeetingMember]:
    """One member of each agency kind the default quorum needs, keyed by kind."""
    return {kind: member(meeting, kind) for kind in QUORUM}


def agency_of(kind: str, area: Area | None = None) -> Agency:
    agency = AgencyFactory(kind=kind)
    agency.areas.add(area or staffordshire())
    return agency

"""People and agencies of an area for the scheduling tests (fictional)."""

from __future__ import annotations

import datetime as dt

from meetings.services import scheduling
from panel.dates import london_today
from panel.models import Agency, Area, User
from tests.factories import AgencyFactory, UserFactory, coordinator, staffordshire


def area_agency(area: Area | None = None, kind: str = "police", **kwargs) -> Agency:
    """An agency serving ``area`` (Staffordshire unless told)."""
    agency = AgencyFactory(kind=kind, **kwargs)
    agency.areas.add(area or staffordshire())
    return agency


def person_of(agency: Agency, **kwargs) -> User:
    """An active person of the agency with no role at all."""
    return UserFactory(agency=agency, **kwargs)


def in_days(days: int) -> dt.date:
    return london_today() + dt.timedelta(days=days)


def scheduled(by: User | None = None, area: Area | None = None, days: int = 14, **kwargs):
    """A meeting scheduled through the service, by a coordinator of the area."""
    area = area or staffordshire()
    by = by or coordinator(area)
    kwargs.setdefault("venue", "Test Venue Room 1")
    return scheduling.schedule_meeting(
        by, area=area, date=in_days(days), start_time=dt.time(10, 0), **kwargs
    )

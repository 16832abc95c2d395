import datetime as dt
from dataclasses import dataclass

import pytest

from cases.models import Case
from notifications.models import Notification
from panel.dates import LONDON
from panel.models import Agency, Area, User
from tests.factories import AgencyFactory, UserFactory, agency_lead, coordinator, staffordshire
from tests.notifications.data import open_case


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A moment in London time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def told(kind: str) -> set[int]:
    """Who has a notification of this kind."""
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


REMINDERS = [
    Notification.Kind.REVIEW_DUE,
    Notification.Kind.REVIEW_OVERDUE,
    Notification.Kind.ACTION_DUE,
    Notification.Kind.ACTION_OVERDUE,
    Notification.Kind.WEEKLY_DIGEST,
]


def keys() -> list[str]:
    """Every reminder's key (making a case also notifies its referral's coordinators and
    referrer: those are left out)."""
    return sorted(Notification.objects.filter(kind__in=REMINDERS).values_list("key", flat=True))


@dataclass
class Team:
    """An area's coordinator, an involved agency with a lead (who is also the lead
    professional) and an action owner."""

    area: Area
    coordinator: User
    agency: Agency
    lead: User
    owner: User

    def case(self, **kwargs) -> Case:
        return open_case(
            area=self.area,
            coordinator_user=self.coordinator,
            agencies=[self.agency],
            lead=self.lead,
            **kwargs,
        )


@pytest.fixture
def team(db) -> Team:
    area = staffordshire()
    agency = AgencyFactory()
    return Team(
        area=area,
        coordinator=coordinator(area),
        agency=agency,
        lead=agency_lead(agency),
        owner=UserFactory(agency=agency),
    )

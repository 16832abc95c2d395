"""A panel meeting being held today, for the hearing tests: the four quorum agencies as
members (present unless told otherwise), both co-chairs, a coordinator, and cases heard."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from cases import services
from cases.models import Case
from meetings.models import AgendaItem, AttendanceStatus, Meeting, MeetingMember
from panel.dates import london_today
from panel.models import Agency, Area, User
from tests.factories import (
    AgencyFactory,
    AgendaItemFactory,
    MeetingFactory,
    UserFactory,
    coordinator,
    make_case,
    staffordshire,
)

QUORUM = ("police", "social_care", "health", "education")


@dataclass
class Panel:
    area: Area
    meeting: Meeting
    coordinator: User
    police_chair: User
    la_chair: User
    agencies: dict[str, Agency] = field(default_factory=dict)

    def item(self, case: Case, **kwargs) -> AgendaItem:
        return AgendaItemFactory(meeting=self.meeting, case=case, **kwargs)

    def case(self, *, status: str = "open", agencies=("police", "health")) -> Case:
        """A case in the area, with the named agencies involved and a police lead
        professional; opened (between meetings) unless ``status`` says awaiting_panel."""
        involved = [self.agencies[kind] for kind in agencies]
        case = make_case(
            area=self.area,
            agencies=involved,
            coordinator_user=self.coordinator,
            lead_professional=UserFactory(agency=involved[0]),
            # Referred and accepted a month before the meeting.
            now=timezone.now() - dt.timedelta(days=30),
        )
        if status == "open":
            case = services.transition_case(self.coordinator, case=case, to_status="open")
        return case


def published_meeting(area: Area, *, date: dt.date | None = None, **kwargs) -> Meeting:
    return MeetingFactory(
        area=area,
        date=date or london_today(),
        status="published",
        published_at=timezone.now(),
        **kwargs,
    )


def panel(*, absent: tuple[str, ...] = (), date: dt.date | None = None) -> Panel:
    """A meeting of Staffordshire's panel being held (agenda published, today), with one
    member agency of each quorum kind, present unless named in ``absent`` (apologies)."""
    area = staffordshire()
    boss = coordinator(area)
    agencies = {}
    for kind in QUORUM:
        agency = AgencyFactory(kind=kind)
        agency.areas.add(area)
        agencies[kind] = agency
    police_chair = UserFactory(agency=agencies["police"])
    la_chair = UserFactory(agency=agencies["social_care"])
    meeting = published_meeting(
        area,
        date=date,
        created_by=boss,
        police_chair=police_chair,
        local_authority_chair=la_chair,
    )
    for kind, agency in agencies.items():
        MeetingMember.objects.create(
            meeting=meeting,
            agency=agency,
            representative=UserFactory(agency=agency),
            attendance=AttendanceStatus.APOLOGIES if kind in absent else AttendanceStatus.PRESENT,
        )
    return Panel(
        area=area,
        meeting=meeting,
        coordinator=boss,
        police_chair=police_chair,
        la_chair=la_chair,
        agencies=agencies,
    )

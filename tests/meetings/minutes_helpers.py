"""A held meeting with a full record, built directly with models and factories (not through
the hearing services), for the minutes tests. All names are fictional."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from cases.models import Action, Case, RiskLevel
from meetings.models import (
    ActionReview,
    AgendaItem,
    AttendanceStatus,
    CaseDecision,
    GuestKind,
    Meeting,
    MeetingGuest,
    MeetingMember,
    MeetingStatus,
    ResearchReturn,
)
from panel.dates import london_today
from panel.models import Agency, Area, User
from tests.factories import (
    AgencyFactory,
    AgendaItemFactory,
    MeetingFactory,
    MeetingMemberFactory,
    UserFactory,
    agency_lead,
    coordinator,
    make_case,
    staffordshire,
)


@dataclass
class HeldMeeting:
    area: Area
    meeting: Meeting
    coordinator: User
    police_chair: User
    la_chair: User
    police: Agency
    health: Agency
    police_rep: User
    health_rep: User
    health_lead: User
    items: list[AgendaItem] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)


def held_meeting(*, date: dt.date | None = None, area: Area | None = None) -> HeldMeeting:
    """A held meeting: police present (a deputy attended), health sent information only,
    education apologies; a guest; the confidentiality statement read by the police chair."""
    area = area or staffordshire()
    boss = coordinator(area, first_name="Cora", last_name="Coordinator-Test")
    police = AgencyFactory(name="Test Police", kind=Agency.Kind.POLICE)
    health = AgencyFactory(name="Test Health", kind=Agency.Kind.HEALTH)
    school = AgencyFactory(name="Test School", kind=Agency.Kind.EDUCATION)
    police_chair = UserFactory(agency=police, first_name="Paula", last_name="Chair-Police")
    la_chair = UserFactory(first_name="Lara", last_name="Chair-Council")
    meeting = MeetingFactory(
        area=area,
        date=date or london_today(),
        status=MeetingStatus.HELD,
        held_at=timezone.now(),
        police_chair=police_chair,
        local_authority_chair=la_chair,
        confidentiality_read=True,
        confidentiality_read_by="Paula Chair-Police",
        created_by=boss,
    )
    police_rep = UserFactory(agency=police, first_name="Pete", last_name="Rep-Police")
    health_rep = UserFactory(agency=health, first_name="Hana", last_name="Rep-Health")
    MeetingMemberFactory(
        meeting=meeting,
        agency=police,
        representative=police_rep,
        attendance=AttendanceStatus.PRESENT,
        attended_by="Dee Deputy-Police",
    )
    MeetingMemberFactory(
        meeting=meeting,
        agency=health,
        representative=health_rep,
        attendance=AttendanceStatus.SENT_INFORMATION,
    )
    MeetingMemberFactory(meeting=meeting, agency=school, attendance=AttendanceStatus.APOLOGIES)
    MeetingGuest.objects.create(
        meeting=meeting,
        name="Olive Observer-Test",
        organisation="Test University",
        kind=GuestKind.OBSERVER,
        added_by=boss,
    )
    return HeldMeeting(
        area=area,
        meeting=meeting,
        coordinator=boss,
        police_chair=police_chair,
        la_chair=la_chair,
        police=police,
        health=health,
        police_rep=police_rep,
        health_rep=health_rep,
        health_lead=agency_lead(health),
    )


def case_item(world: HeldMeeting, *, agencies: list[Agency], **kwargs) -> AgendaItem:
    case = make_case(area=world.area, agencies=agencies, coordinator_user=world.coordinator)
    item = AgendaItemFactory(meeting=world.meeting, case=case, added_by=world.coordinator, **kwargs)
    world.items.append(item)
    world.cases.append(case)
    return item


def decide(
    world: HeldMeeting, item: AgendaItem, *, kind: str = "continue", **kwargs
) -> CaseDecision:
    fields = {
        "reason": "Fictional: the plan is working.",
        "risk_decision": CaseDecision.Risk.CONFIRMED,
        "risk_level": RiskLevel.MEDIUM,
        "quorate": True,
    }
    fields.update(kwargs)
    item.status = AgendaItem.Status.HEARD
    item.save(update_fields=["status"])
    return CaseDecision.objects.create(
        item=item,
        meeting=world.meeting,
        case=item.case,
        kind=kind,
        recorded_by=world.coordinator,
        recorded_at=timezone.now(),
        **fields,
    )


def action(world: HeldMeeting, case: Case, agency: Agency, description: str, **kwargs) -> Action:
    return Action.objects.create(
        case=case,
        description=description,
        owning_agency=agency,
        due_date=kwargs.pop("due_date", london_today() + dt.timedelta(days=28)),
        created_by=world.coordinator,
        **kwargs,
    )


def review(world: HeldMeeting, item: AgendaItem, act: Action, outcome: str, note: str = ""):
    return ActionReview.objects.create(
        item=item,
        action=act,
        outcome=outcome,
        note=note,
        recorded_by=world.coordinator,
        recorded_at=timezone.now(),
    )


def research(world: HeldMeeting, item: AgendaItem, agency: Agency, outcome: str, summary=""):
    return ResearchReturn.objects.create(
        item=item,
        agency=agency,
        outcome=outcome,
        summary=summary,
        recorded_by=world.coordinator,
        recorded_at=timezone.now(),
    )


def general_item(world: HeldMeeting, title: str, notes: str = "") -> AgendaItem:
    item = AgendaItem.objects.create(
        area=world.area,
        meeting=world.meeting,
        kind=AgendaItem.Kind.GENERAL,
        title=title,
        note=notes,  # what was said, recorded at the meeting (record_general_item)
        order=100 + len(world.items),
        added_by=world.coordinator,
        status=AgendaItem.Status.HEARD,
    )
    world.items.append(item)
    return item


def member_seat(world: HeldMeeting) -> MeetingMember:
    return world.meeting.members.get(agency=world.police)

"""Arranging agendas for the agenda tests: an area with a coordinator and a meeting with
member agencies, and cases in each state the agenda rules look at. Cases are made through
the services (tests.factories.make_case); due dates, statuses and opening times are then
set directly, because these tests are about what the agenda does with them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cases.models import Action, Case, Review
from meetings.models import Meeting
from panel.dates import london_today
from panel.models import Agency, Area, User
from tests.factories import (
    AgencyFactory,
    MeetingFactory,
    MeetingMemberFactory,
    agency_lead,
    coordinator,
    make_case,
    staffordshire,
)


@dataclass
class Panel:
    area: Area
    coordinator: User
    police: Agency
    health: Agency
    meeting: Meeting
    police_rep: User
    health_lead: User


def make_panel(*, days_ahead: int = 14) -> Panel:
    area = staffordshire()
    boss = coordinator(area)
    police = AgencyFactory(name="Agenda Test Police", kind=Agency.Kind.POLICE)
    health = AgencyFactory(name="Agenda Test Health", kind=Agency.Kind.HEALTH)
    meeting = MeetingFactory(
        area=area, created_by=boss, date=london_today() + dt.timedelta(days=days_ahead)
    )
    rep = MeetingMemberFactory(meeting=meeting, agency=police).representative
    MeetingMemberFactory(meeting=meeting, agency=health)
    return Panel(
        area=area,
        coordinator=boss,
        police=police,
        health=health,
        meeting=meeting,
        police_rep=rep,
        health_lead=agency_lead(health),
    )


def awaiting(panel: Panel, *, agencies: list[Agency] | None = None, risk: str = "") -> Case:
    case = make_case(area=panel.area, coordinator_user=panel.coordinator, agencies=agencies)
    if risk:
        Case.objects.filter(pk=case.pk).update(risk_level=risk)
        case.refresh_from_db()
    return case


def open_case(
    panel: Panel,
    *,
    agencies: list[Agency] | None = None,
    review_in_days: int = 60,
    opened_days_ago: int = 30,
    risk: str = "",
) -> Case:
    """An open case whose upcoming review is far off and which opened a month ago: on
    no agenda by itself."""
    case = make_case(area=panel.area, coordinator_user=panel.coordinator, agencies=agencies)
    fields = {
        "status": Case.Status.OPEN,
        "opened_at": timezone.now() - dt.timedelta(days=opened_days_ago),
    }
    if risk:
        fields["risk_level"] = risk
    Case.objects.filter(pk=case.pk).update(**fields)
    Review.objects.filter(case=case, status=Review.Status.UPCOMING).update(
        due_date=london_today() + dt.timedelta(days=review_in_days)
    )
    case.refresh_from_db()
    return case


def action_due(case: Case, due: dt.date, *, status: str = Action.Status.OPEN) -> Action:
    finished = {
        Action.Status.DONE: {"completed_at": timezone.now(), "completion_note": "Done (test)."},
    }
    return Action.objects.create(
        case=case,
        description="Fictional action for a test.",
        owning_agency=case.lead_agency,
        due_date=due,
        status=status,
        created_by=case.transitions.first().by,
        **finished.get(status, {}),
    )


def close(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.CLOSED,
        closed_at=timezone.now(),
        closure_reason=Case.ClosureReason.RISK_REDUCED,
        closure_summary="Fictional closure for a test.",
    )

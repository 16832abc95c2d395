"""Fictional people and places for the browser journeys, made in the test process through
the factories and services and committed, so the server in its own process sees them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cases import services
from cases.models import Action, Case, Child, Referral
from panel.dates import london_today
from panel.models import Agency, Area, LocalSupportTeam, User
from tests.factories import (
    AgencyFactory,
    ChildFactory,
    LocalSupportTeamFactory,
    agency_lead,
    auditor,
    coordinator,
    make_referral,
    matrix_tool,
    referrer,
    staffordshire,
    with_authenticator,
    years_ago,
)

# Answered: one low indicator present (with what was seen), the rest of that band not.
LOW_ANSWERS = {
    "missing-late": services.AnswerInput("present", "Fictional: home after midnight twice."),
    "sexting": services.AnswerInput("not_present"),
    "unknown-adults": services.AnswerInput("not_present"),
}


@dataclass
class World:
    area: Area
    police: Agency
    health: Agency
    lst: LocalSupportTeam
    coordinator: User
    police_lead: User
    health_lead: User
    referrer: User
    auditor: User


def make_world() -> World:
    matrix_tool()
    area = staffordshire()
    police = AgencyFactory(name="Browser Test Police", kind=Agency.Kind.POLICE)
    health = AgencyFactory(name="Browser Test Health", kind=Agency.Kind.HEALTH)
    school = AgencyFactory(name="Browser Test School", kind=Agency.Kind.EDUCATION)
    for agency in (police, health, school):
        agency.areas.add(area)
    world = World(
        area=area,
        police=police,
        health=health,
        lst=LocalSupportTeamFactory(area=area, name="Browser Test LST"),
        coordinator=coordinator(area, first_name="Cora", last_name="Coordinator-Test"),
        police_lead=agency_lead(police, first_name="Pat", last_name="Policelead-Test"),
        health_lead=agency_lead(health, first_name="Hal", last_name="Healthlead-Test"),
        referrer=referrer(agency=school, first_name="Rey", last_name="Referrer-Test"),
        auditor=auditor(first_name="Aud", last_name="Auditor-Test"),
    )
    # They must sign in with a second factor: their authenticator is set up already, and
    # tests.browser.pages.sign_in enters its code.
    with_authenticator(world.coordinator)
    with_authenticator(world.auditor)
    return world


def referral_for(world: World, child: Child, **kwargs) -> Referral:
    return make_referral(by=world.referrer, child=child, answers=LOW_ANSWERS, **kwargs)


def open_case_with_action(world: World, *, due: dt.date | None = None) -> tuple[Case, Action]:
    """An open case with the police as lead agency and one open police action."""
    child = ChildFactory(area=world.area, first_name="Bravo", last_name="Testchild-02")
    referral = referral_for(world, child)
    services.confirm_new_child(world.coordinator, referral=referral)
    case = services.accept_referral(
        world.coordinator,
        referral=referral,
        reason="Fictional: meets the panel threshold.",
        lead_agency=world.police,
        lead_professional=world.police_lead,
        local_support_team=world.lst,
        involved_agencies=[world.police, world.health],
    )
    case = services.transition_case(world.coordinator, case=case, to_status=Case.Status.OPEN)
    action = services.add_action(
        world.coordinator,
        case=case,
        description="Fictional: visit the child at school with the school nurse.",
        owning_agency=world.police,
        due_date=due or london_today() + dt.timedelta(days=10),
    )
    return case, action


def born(years: int, days: int = 40) -> dt.date:
    return years_ago(years, days)

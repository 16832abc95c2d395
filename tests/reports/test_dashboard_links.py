"""Every figure on the home page links to the list that makes it up, and that list's total
equals the figure (issue 12, "Home pages as work queues").

One world with rows in and out of each user's scope (another area, another agency, closed
and finished rows, dates either side of every window). For each role the home page is
rendered; every figure on it (``data-figure``) is followed by its link, parsed from the
page, and the list it lands on is asked for its total. A figure whose list has no reader
here fails: a new figure comes with its pair."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import time_machine
from django.urls import resolve, reverse
from django.utils import timezone

from audit.services import record
from cases.models import Action, Case, Review
from meetings.models import MeetingMember, ResearchOutcome, ResearchReturn
from panel.dates import LONDON, london_today
from panel.models import Role, User
from reports.dashboards import build_dashboard
from tests.factories import (
    AgencyFactory,
    AgendaItemFactory,
    ChildFactory,
    UserFactory,
    auditor,
    coordinator,
    make_case,
    make_referral,
    referrer,
    staffordshire,
    stoke,
)
from tests.meetings.research_helpers import published_meeting

pytestmark = pytest.mark.django_db

FIGURE = re.compile(r'href="([^"]+)" data-figure="([^"]+)" data-count="(\d+)"')


def _actions(response) -> int:
    return response.context["actions"].paginator.count


# The list each figure lands on, by the view it resolves to: how that list says its total.
READERS: dict[str, Callable] = {
    "cases:triage-queue": lambda r: len(r.context["referrals"]),
    "cases:case-list": lambda r: r.context["page"].paginator.count,
    "cases:reviews-due": lambda r: r.context["page"].paginator.count,
    "cases:my-work": _actions,
    "cases:referral-list": lambda r: r.context["page"].paginator.count,
    "meetings:meeting-detail": lambda r: sum(r.context["counts"].values()),
    "meetings:research-list": lambda r: r.context["missing_total"],
    "meetings:my-research": lambda r: r.context["to_return"],
    "audit:search": lambda r: r.context["page"].count,
}
# A figure that lands on a page listing two things says which it counts.
READERS_BY_KEY: dict[str, Callable] = {
    "work_cases": lambda r: r.context["cases"].paginator.count,
}


def reader_for(key: str, url: str) -> Callable:
    view = resolve(url.split("?", 1)[0]).view_name
    reader = READERS_BY_KEY.get(key) or READERS.get(view)
    assert reader is not None, f"figure {key!r} links to {view}, which has no pair reader"
    return reader


@dataclass
class World:
    coordinator: User
    both: User  # a coordinator who is also their agency's lead
    lead: User
    auditor: User
    referrer: User
    representative: User
    owner: User
    other_case: Case


def _overdue_action(case: Case, agency, *, days: int, owner=None, status="open") -> Action:
    return Action.objects.create(
        case=case,
        description="Fictional action for a test.",
        owning_agency=agency,
        owner=owner,
        due_date=london_today() + dt.timedelta(days=days),
        status=status,
        created_by=case.transitions.first().by,
        **(
            {"completed_at": timezone.now(), "completion_note": "Done (test)."}
            if status == "done"
            else {}
        ),
    )


def _open(case: Case, *, review_in_days: int) -> Case:
    Case.objects.filter(pk=case.pk).update(status=Case.Status.OPEN)
    Review.objects.filter(case=case, status=Review.Status.UPCOMING).update(
        due_date=london_today() + dt.timedelta(days=review_in_days)
    )
    case.refresh_from_db()
    return case


@pytest.fixture
def world() -> World:
    area, other_area = staffordshire(), stoke()
    police, health, elsewhere = (
        AgencyFactory(name="Test Police"),
        AgencyFactory(name="Test Health"),
        AgencyFactory(name="Test Elsewhere Agency"),
    )
    police.areas.add(area)
    health.areas.add(area)
    elsewhere.areas.add(other_area)
    boss = coordinator(area, first_name="Cora")
    both = UserFactory(roles=[(Role.COORDINATOR, area), Role.AGENCY_LEAD], agency=health)
    lead = UserFactory(roles=[Role.AGENCY_LEAD], agency=police, first_name="Pat")
    owner = UserFactory(agency=health, first_name="Owen")
    sender = referrer(first_name="Rey")

    # In the area: two awaiting panel, two open (reviews overdue, this week, far off).
    make_case(area=area, coordinator_user=boss, agencies=[police])
    make_case(area=area, coordinator_user=boss, agencies=[health])
    led = _open(
        make_case(
            area=area, coordinator_user=boss, agencies=[police, health], lead_professional=lead
        ),
        review_in_days=-3,
    )
    week = _open(make_case(area=area, coordinator_user=boss, agencies=[health]), review_in_days=6)
    far = _open(make_case(area=area, coordinator_user=boss, agencies=[police]), review_in_days=7)
    # Actions: overdue by either agency, due soon, due later, finished overdue.
    _overdue_action(led, police, days=-5)
    _overdue_action(led, health, days=-1, owner=owner)
    _overdue_action(week, health, days=-10)
    _overdue_action(led, police, days=0)
    _overdue_action(far, police, days=6)
    _overdue_action(far, police, days=7)
    _overdue_action(far, police, days=-20, status="done")
    # Out of scope: another area's cases, reviews, actions and referrals.
    other = _open(
        make_case(area=other_area, agencies=[elsewhere]),
        review_in_days=-1,
    )
    _overdue_action(other, elsewhere, days=-2)
    make_case(area=other_area)
    # Referrals: immediate risk and not, in the area (one is the referrer's), and elsewhere.
    make_referral(by=sender, child=ChildFactory(area=area))
    make_referral(
        by=sender,
        child=ChildFactory(area=area),
        immediate_risk=True,
        police_contacted_at=timezone.now(),
        police_contacted_by="Fictional officer",
        police_incident_number="TEST-0001",
    )
    make_referral(child=ChildFactory(area=other_area))
    # The next meeting: published, its research list open, police returned one of two.
    meeting = published_meeting(area=area, days_from_today=4)
    rep = UserFactory(agency=police, first_name="Rosa")
    MeetingMember.objects.create(meeting=meeting, agency=police, representative=rep)
    MeetingMember.objects.create(meeting=meeting, agency=health, representative=owner)
    items = [
        AgendaItemFactory(meeting=meeting, case=case, added_by=meeting.created_by)
        for case in (led, week)
    ]
    ResearchReturn.objects.create(
        item=items[0],
        agency=police,
        outcome=ResearchOutcome.NOTHING_HELD,
        recorded_by=rep,
        recorded_at=timezone.now(),
    )
    published_meeting(area=other_area, days_from_today=2)  # another area's, sooner
    # The trail: refusals and exports this week and before it.
    audit = auditor(first_name="Aud")
    # (Append-only: each is recorded at its time. Noon, so "6 days ago" is the 7th day back.)
    noon = dt.datetime.combine(london_today(), dt.time(12), tzinfo=LONDON)
    for verb, days in [("denied", 0), ("denied", 6), ("denied", 7), ("exported", 1)]:
        with time_machine.travel(noon - dt.timedelta(days=days), tick=False):
            record(actor=lead, verb=verb, object_type="cases.case", object_id=led.pk)
    return World(
        coordinator=boss,
        both=both,
        lead=lead,
        auditor=audit,
        referrer=sender,
        representative=rep,
        owner=owner,
        other_case=other,
    )


ROLES = ["coordinator", "both", "lead", "auditor", "referrer", "representative", "owner"]


def _figures_on_home(client, user: User) -> list[tuple[str, str, int]]:
    client.force_login(user)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    return [
        (key, html.unescape(href), int(count))
        for href, key, count in FIGURE.findall(page.content.decode())
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_figure_on_the_home_page_is_the_total_of_the_list_it_links_to(client, world, role):
    user = getattr(world, role)
    figures = _figures_on_home(client, user)
    assert figures, "no figure on the page"
    for key, href, count in figures:
        reader = reader_for(key, href)
        landed = client.get(href)
        assert landed.status_code == 200, (key, href)
        assert reader(landed) == count, (role, key, href)


@pytest.mark.parametrize("role", ROLES)
def test_the_page_shows_every_figure_the_dashboard_has_and_each_has_a_pair(client, world, role):
    user = User.objects.get(pk=getattr(world, role).pk)
    board = build_dashboard(user)
    built = {figure.key: figure for figure in board.figures()}
    shown = {key: (href, count) for key, href, count in _figures_on_home(client, user)}

    assert set(shown) == set(built)
    for key, figure in built.items():
        assert shown[key] == (figure.url, figure.count)
        reader_for(key, figure.url)  # fails for a figure whose list has no reader here


def test_the_coordinators_figures_count_only_their_areas(client, world):
    figures = {key: count for key, _, count in _figures_on_home(client, world.coordinator)}

    assert figures["triage"] == 2
    assert figures["triage_immediate"] == 1
    assert figures["awaiting_panel"] == 2
    assert figures["reviews_overdue"] == 1
    assert figures["reviews_week"] == 1  # due in 6 days; 7 days is next week
    assert figures["actions_overdue"] == 3  # the finished one and the other area's are not
    agency_rows = {k: c for k, c in figures.items() if k.startswith("actions_overdue_agency_")}
    assert sorted(agency_rows.values()) == [1, 2]  # health 2, police 1
    assert figures["meeting_agenda"] == 2  # this area's meeting, not the sooner one elsewhere
    assert figures["research_missing"] == 3  # police owes 1, health 2


def test_the_next_meeting_and_its_research_list_are_shown(client, world):
    client.force_login(world.coordinator)
    page = client.get(reverse("home")).content.decode()

    assert "Agenda published" in page
    assert "Test Health: 2" in page
    assert "Test Police: 1" in page


def test_the_lead_professional_figures_count_the_cases_they_lead(client, world):
    figures = {key: count for key, _, count in _figures_on_home(client, world.lead)}

    assert figures["lead_professional_open"] == 1
    assert figures["lead_professional_awaiting"] == 0


def test_the_agency_leads_action_figures_are_their_agencys(client, world):
    figures = {key: count for key, _, count in _figures_on_home(client, world.lead)}

    assert figures["lead_actions_overdue"] == 1  # police, 5 days; not health's, not elsewhere
    assert figures["lead_actions_soon"] == 2  # today and in 6 days; not in 7


def test_the_auditors_figures_are_the_last_7_days(client, world):
    figures = {key: count for key, _, count in _figures_on_home(client, world.auditor)}

    assert figures["audit_denied"] == 2
    assert figures["audit_exported"] == 1


def test_the_referrers_figures_are_their_own_referrals(client, world):
    figures = {key: count for key, _, count in _figures_on_home(client, world.referrer)}

    assert figures == {"referrals_made": 2, "referrals_waiting": 2}


def test_a_representative_sees_the_returns_their_agency_has_to_make(client, world):
    figures = {key: count for key, _, count in _figures_on_home(client, world.representative)}

    assert figures == {"research_to_return": 1}


def test_a_new_figure_without_a_reader_fails_the_pair_check():
    with pytest.raises(AssertionError, match="no pair reader"):
        reader_for("something_new", reverse("cases:child-detail", args=[1]))


def test_out_of_scope_rows_are_not_counted_for_another_areas_coordinator(client, world):
    figures = {key: count for key, _, count in _figures_on_home(client, coordinator(stoke()))}

    assert figures["triage"] == 1
    assert figures["awaiting_panel"] == 1
    assert figures["reviews_overdue"] == 1
    assert figures["reviews_week"] == 0
    assert figures["actions_overdue"] == 1
    assert figures["meeting_agenda"] == 0

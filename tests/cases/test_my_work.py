"""'My work': an agency lead's open actions across their cases, overdue first, and their
cases; a coordinator's across their areas, with filters."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import Action
from tests.factories import (
    AgencyFactory,
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    referrer,
    staffordshire,
    stoke,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

# Midday on Wednesday 1 July 2026 in London (BST, UTC+1).
JULY_1 = dt.datetime(2026, 7, 1, 11, 0, tzinfo=dt.UTC)


def act(boss, case, agency, due: dt.date, text: str) -> Action:
    # Some of these are due before the day they are made, on purpose: confirmed.
    return services.add_action(
        boss,
        case=case,
        description=text,
        owning_agency=agency,
        due_date=due,
        four_p="protect",
        confirm_past_due=True,
    )


def rows(page: str) -> list[str]:
    return page.split('class="govuk-table__row app-work-action"')[1:]


def test_a_lead_sees_their_agencys_open_actions_overdue_first_then_by_due_date(client):
    boss = coordinator()
    police, health = AgencyFactory(name="Test Police"), AgencyFactory(name="Test Health")
    lead = agency_lead(police)
    with time_machine.travel(JULY_1 - dt.timedelta(days=30), tick=False):
        first = make_case(coordinator_user=boss, agencies=[police, health])
        second = make_case(coordinator_user=boss, agencies=[police])
        other = make_case(coordinator_user=boss, agencies=[health])
        act(boss, first, police, dt.date(2026, 7, 20), "Fictional: later action")
        act(boss, second, police, dt.date(2026, 6, 25), "Fictional: long overdue")
        act(boss, first, police, dt.date(2026, 6, 30), "Fictional: just overdue")
        act(boss, first, police, dt.date(2026, 7, 1), "Fictional: due today")
        act(boss, first, health, dt.date(2026, 6, 1), "Fictional: health's action")
        done = act(boss, second, police, dt.date(2026, 6, 1), "Fictional: finished")
        services.update_action(
            lead, action=done, version=1, status="done", completion_note="Fictional."
        )
    client.force_login(lead)

    with time_machine.travel(JULY_1, tick=False):
        page = client.get(reverse("cases:my-work")).content.decode()

    listed = rows(page)
    order = ["long overdue", "just overdue", "due today", "later action"]
    assert [next(t for t in order if t in row) for row in listed[:4]] == order
    assert len(listed) == 4
    assert ["Overdue" in row for row in listed] == [True, True, False, False]
    assert "health&#x27;s action" not in page and "finished" not in page
    assert first.reference in page and second.reference in page
    assert other.reference not in page


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        # Open: overdue first is the due date's order (what the index gives).
        ("", ["just overdue", "later action"]),
        # Finished ones are never overdue: the due date's order.
        ("done", ["finished early", "finished late"]),
        # A mix: the overdue one leads, before a finished one due earlier.
        ("any", ["just overdue", "finished early", "later action", "finished late"]),
    ],
)
def test_overdue_first_holds_for_every_status_filter(client, status, expected):
    boss = coordinator()
    police = AgencyFactory(name="Test Police")
    lead = agency_lead(police)
    with time_machine.travel(JULY_1 - dt.timedelta(days=30), tick=False):
        case = make_case(coordinator_user=boss, agencies=[police])
        act(boss, case, police, dt.date(2026, 7, 20), "Fictional: later action")
        act(boss, case, police, dt.date(2026, 6, 30), "Fictional: just overdue")
        for due, text in [(dt.date(2026, 6, 1), "early"), (dt.date(2026, 8, 1), "late")]:
            done = act(boss, case, police, due, f"Fictional: finished {text}")
            services.update_action(
                lead, action=done, version=1, status="done", completion_note="Fictional."
            )
    client.force_login(lead)

    with time_machine.travel(JULY_1, tick=False):
        page = client.get(reverse("cases:my-work"), {"status": status}).content.decode()

    labels = ["just overdue", "later action", "finished early", "finished late"]
    assert [next(t for t in labels if t in row) for row in rows(page)] == expected


def test_overdue_flips_at_london_midnight_not_utc(client):
    boss = coordinator()
    police = AgencyFactory()
    lead = agency_lead(police)
    case = make_case(coordinator_user=boss, agencies=[police])
    act(boss, case, police, dt.date(2026, 7, 1), "Fictional: due on the first")
    client.force_login(lead)

    # 22:30 UTC is 23:30 in London: still the due date.
    with time_machine.travel(dt.datetime(2026, 7, 1, 22, 30, tzinfo=dt.UTC), tick=False):
        before = rows(client.get(reverse("cases:my-work")).content.decode())
    # 23:30 UTC on the 1st is 00:30 on 2 July in London: overdue, though UTC says the 1st.
    with time_machine.travel(dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC), tick=False):
        after = rows(client.get(reverse("cases:my-work")).content.decode())

    assert "Overdue" not in before[0]
    assert "Overdue" in after[0]


def test_a_coordinator_sees_the_whole_area_and_filters_by_agency_status_and_area(client):
    boss = coordinator()
    boss.role_assignments.create(role="coordinator", area=stoke())
    police, health = AgencyFactory(name="Test Police"), AgencyFactory(name="Test Health")
    police.areas.add(staffordshire())
    health.areas.add(staffordshire(), stoke())
    here = make_case(coordinator_user=boss, agencies=[police, health])
    there = make_case(area=stoke(), agencies=[health])
    elsewhere_boss = coordinator(stoke())
    act(boss, here, police, dt.date(2030, 1, 1), "Fictional: police action")
    act(boss, here, health, dt.date(2030, 1, 2), "Fictional: health action")
    stoke_action = act(elsewhere_boss, there, health, dt.date(2030, 1, 3), "Fictional: stoke")
    services.update_action(
        elsewhere_boss, action=stoke_action, version=1, status="cancelled", cancel_reason="x"
    )
    client.force_login(type(boss).objects.get(pk=boss.pk))

    def listed(**params) -> list[str]:
        page = client.get(reverse("cases:my-work"), params).content.decode()
        found = []
        for row in rows(page):
            found += [w for w in ("police action", "health action", "stoke") if w in row]
        return found

    assert listed() == ["police action", "health action"]
    assert listed(agency=health.pk) == ["health action"]
    assert listed(status="cancelled") == ["stoke"]
    assert listed(status="any", area=stoke().pk) == ["stoke"]
    assert listed(status="any") == ["police action", "health action", "stoke"]


def test_a_lead_has_no_agency_or_area_filter_and_a_bad_filter_is_a_message(client):
    lead = agency_lead(AgencyFactory())
    client.force_login(lead)

    page = client.get(reverse("cases:my-work"), {"status": "lost"}).content.decode()

    assert "There is a problem" in page
    assert 'name="agency"' not in page and 'name="area"' not in page


@pytest.mark.parametrize(
    "user_factory",
    [auditor, referrer, lambda: UserFactory(is_staff=True, is_superuser=True)],
    ids=["auditor", "referrer", "staff"],
)
def test_my_work_is_not_for_those_who_have_no_work(client, user_factory):
    client.force_login(user_factory())

    assert client.get(reverse("cases:my-work")).status_code == 403


def test_my_work_is_in_the_navigation_of_coordinators_and_leads_only(client):
    for user, shown in [(coordinator(), True), (agency_lead(), True), (auditor(), False)]:
        client.force_login(user)
        page = client.get(reverse("home")).content.decode()
        assert (f'href="{reverse("cases:my-work")}"' in page) is shown
        assert (f'href="{reverse("cases:reviews-due")}"' in page) is (user.is_coordinator)


def _my_work_queries(client, count: int, *, as_lead: bool, actions: int = 1, **params) -> int:
    boss = coordinator()
    police = AgencyFactory()
    police.areas.add(staffordshire())
    for n in range(count):
        case = make_case(coordinator_user=boss, agencies=[police])
        for k in range(actions):
            due = dt.date(2030, 1, 1) + dt.timedelta(days=n)
            act(boss, case, police, due, f"Fictional {n}.{k}")
    client.force_login(agency_lead(police) if as_lead else boss)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:my-work"), params)
    assert len(rows(response.content.decode())) == min(count * actions, 50)
    return len(queries)


# 60 cases (and actions) are more than a page of each.
@pytest.mark.parametrize("count", [1, 50, 60])
def test_my_work_runs_a_fixed_number_of_queries_for_a_lead(client, count):
    # session, user, roles, count and page of actions, count and page of cases, unread
    # notifications; both pages recorded as one "listed" event (one insert of records)
    listed = audit_event_queries(agency=False, listed_rows=True)
    assert _my_work_queries(client, count, as_lead=True) == 8 + listed


@pytest.mark.parametrize("count", [1, 50, 60])
def test_my_work_runs_a_fixed_number_of_queries_for_a_coordinator(client, count):
    # as for a lead, and the agency filter's choices
    listed = audit_event_queries(agency=False, listed_rows=True)
    assert _my_work_queries(client, count, as_lead=False) == 9 + listed


@pytest.mark.parametrize("actions", [1, 12])
@pytest.mark.parametrize("status", ["", "any"])
def test_my_work_queries_do_not_grow_with_actions(client, actions, status):
    listed = audit_event_queries(agency=False, listed_rows=True)
    queries = _my_work_queries(client, 3, as_lead=False, actions=actions, status=status)
    assert queries == 9 + listed

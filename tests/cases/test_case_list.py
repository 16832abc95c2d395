"""The case list people expect (issue 12): filters by status, risk, area, involved agency,
lead agency, lead professional, review due range, age band and overdue actions, alone and
together, kept in the URL; a sort on every column shown (risk by level, ties by id); the
total; the same filters and orders in the API. All within the viewer's scope, with the same
number of queries for 1 case as for 200."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import selectors, services
from cases.models import Action, Case, CaseAgency, Child, Review
from panel.dates import london_today
from panel.models import Agency, User
from tests.cases.test_api import area_agency, client_for
from tests.cases.test_case_views import CASE_LIST_QUERIES
from tests.factories import (
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    staffordshire,
    stoke,
    years_ago,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

URL = "/cases/"


@dataclass
class World:
    """Three Staffordshire cases that differ in every column, and one in Stoke.

    - ``high``: open, high risk, led by Police (Pat Policeworker), child 16 today, review
      due 10 Jan 2030, one overdue action;
    - ``low``: awaiting panel, low risk, led by Health (Harriet Healthworker), child 12,
      review due 10 Feb 2030, an action due in the future;
    - ``medium``: closed, medium risk, led by Health with no lead professional, child 17,
      no upcoming review, an overdue action that is done (so not overdue);
    - ``away``: Stoke's, outside a Staffordshire viewer's scope, high risk, overdue action.
    """

    boss: User
    police: Agency
    health: Agency
    pat: User
    harriet: User
    high: Case
    low: Case
    medium: Case
    away: Case
    away_worker: User


def _child(case: Case, born: dt.date, last_name: str) -> None:
    Child.objects.filter(pk=case.child_id).update(date_of_birth=born, last_name=last_name)


def _action(case: Case, agency: Agency, by: User, due: dt.date, status="open") -> Action:
    return Action.objects.create(
        case=case,
        description="Test action",
        owning_agency=agency,
        created_by=by,
        due_date=due,
        status=status,
        completion_note="Done (test)." if status == "done" else "",
        completed_at=timezone.now() if status == "done" else None,
    )


def make_world() -> World:
    area = staffordshire()
    police = area_agency(area, name="Test Police")
    health = area_agency(area, name="Test Health")
    boss = coordinator(area)
    pat = UserFactory(agency=police, first_name="Pat", last_name="Policeworker")
    harriet = UserFactory(agency=health, first_name="Harriet", last_name="Healthworker")
    high = make_case(area=area, agencies=[police], coordinator_user=boss, lead_professional=pat)
    low = make_case(area=area, agencies=[health], coordinator_user=boss, lead_professional=harriet)
    medium = make_case(
        area=area, agencies=[police, health], coordinator_user=boss, lead_agency=health
    )
    away_agency = area_agency(stoke(), name="Test Stoke Agency")
    away_worker = UserFactory(agency=away_agency, first_name="Sam", last_name="Stokeworker")
    away = make_case(area=stoke(), agencies=[away_agency], lead_professional=away_worker)

    services.transition_case(User.objects.get(pk=boss.pk), case=high, to_status="open")
    Case.objects.filter(pk=high.pk).update(risk_level="high")
    Case.objects.filter(pk=low.pk).update(risk_level="low")
    Case.objects.filter(pk=away.pk).update(risk_level="high")
    Review.objects.filter(case=medium).delete()
    Case.objects.filter(pk=medium.pk).update(
        risk_level="medium",
        status="closed",
        closed_at=timezone.now(),
        closure_reason="risk_reduced",
        closure_summary="Test: the risk was removed.",
    )
    Review.objects.filter(case=high).update(due_date=dt.date(2030, 1, 10))
    Review.objects.filter(case=low).update(due_date=dt.date(2030, 2, 10))
    today = london_today()
    _child(high, years_ago(16), "Adams")
    _child(low, years_ago(12, 10), "Brown")
    _child(medium, years_ago(17, 10), "Clark")
    _action(high, police, boss, today - dt.timedelta(days=1))
    _action(low, health, boss, today + dt.timedelta(days=5))
    _action(medium, police, boss, today - dt.timedelta(days=9), status="done")
    _action(away, away_agency, boss, today - dt.timedelta(days=3))
    return World(boss, police, health, pat, harriet, high, low, medium, away, away_worker)


@pytest.fixture
def world() -> World:
    return make_world()


def listed(client, **params) -> list[str]:
    """The references on the page, in order."""
    response = client.get(URL, params)
    assert response.status_code == 200
    return [case.reference for case in response.context["page"].object_list]


def refs(*cases: Case) -> set[str]:
    return {case.reference for case in cases}


# --- filters, one at a time and together ---------------------------------------------------


def test_each_filter_alone(client, world):
    w = world
    client.force_login(w.boss)

    def only(**params) -> set[str]:
        return set(listed(client, **params))

    assert only() == refs(w.high, w.low, w.medium)
    assert only(status="open") == refs(w.high)
    assert only(status="closed") == refs(w.medium)
    assert only(risk="high") == refs(w.high)
    assert only(risk="medium") == refs(w.medium)
    assert only(area=staffordshire().pk) == refs(w.high, w.low, w.medium)
    assert only(agency=w.police.pk) == refs(w.high, w.medium)
    assert only(lead_agency=w.health.pk) == refs(w.low, w.medium)
    assert only(lead_agency=w.police.pk) == refs(w.high)
    assert only(lead_professional=w.harriet.pk) == refs(w.low)
    assert only(lead_professional=w.pat.pk) == refs(w.high)
    assert only(review_due_from="2030-01-11") == refs(w.low)
    assert only(review_due_to="2030-01-10") == refs(w.high)
    assert only(review_due_from="2030-01-10", review_due_to="2030-02-10") == refs(w.high, w.low)
    assert only(review_due_from="2030-01-11", review_due_to="2030-02-09") == set()
    assert only(review_due_by="2030-01-10") == refs(w.high)
    assert only(age_band="16_17") == refs(w.high, w.medium)
    assert only(age_band="under_13") == refs(w.low)
    assert only(age_band="13_15") == set()
    assert only(age_band="18_plus") == set()
    # Overdue: an open action due before today. The closed case's is done.
    assert only(overdue_actions="1") == refs(w.high)


def test_filters_combine(client, world):
    w = world
    client.force_login(w.boss)

    def only(**params) -> set[str]:
        return set(listed(client, **params))

    assert only(agency=w.police.pk, age_band="16_17") == refs(w.high, w.medium)
    assert only(agency=w.police.pk, age_band="16_17", status="closed") == refs(w.medium)
    assert only(lead_agency=w.health.pk, risk="low", review_due_to="2030-12-31") == refs(w.low)
    assert only(lead_agency=w.health.pk, overdue_actions="1") == set()
    assert only(overdue_actions="1", risk="high", age_band="16_17", sort="-risk") == refs(w.high)
    assert only(lead_professional=w.pat.pk, review_due_from="2030-02-01") == set()


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "lost"}, "status"),
        ({"risk": "extreme"}, "risk"),
        ({"age_band": "ancient"}, "age_band"),
        ({"lead_agency": "999999"}, "lead_agency"),
        ({"lead_professional": "someone"}, "lead_professional"),
        ({"review_due_from": "2030-02-30"}, "review_due_from"),
        ({"review_due_from": "2030-02-01", "review_due_to": "2030-01-01"}, "review_due_to"),
        ({"review_due_by": "31/02"}, "review_due_by"),
        ({"overdue_actions": "2"}, "overdue_actions"),
        ({"sort": "shoe-size"}, "sort"),
        ({"sort": "risk", "risk": "extreme"}, "risk"),
    ],
)
def test_a_bad_value_is_a_govuk_error_and_filters_nothing(client, world, params, field):
    w = world
    client.force_login(w.boss)

    response = client.get(URL, params)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert field in response.context["form"].errors
    assert f'href="#id_{field}"' in page  # the summary links to the field
    assert "<title>Error: Cases" in page
    shown = [case.reference for case in response.context["page"].object_list]
    # Filters nothing, and keeps the list's own order (newest first).
    assert shown == [w.medium.reference, w.low.reference, w.high.reference]


def test_the_filters_stay_in_the_url_the_form_and_the_links(client, world):
    w = world
    client.force_login(w.boss)
    params = {"risk": "high", "age_band": "16_17", "overdue_actions": "1", "sort": "-risk"}

    response = client.get(URL, params)

    page = response.content.decode()
    assert '<option value="high" selected>' in page
    assert '<option value="16_17" selected>' in page
    assert 'name="overdue_actions" type="checkbox" value="1" checked' in page
    assert '<input type="hidden" name="sort" value="-risk"' in page
    # A heading sorts by its column with the filters kept, from the first page.
    headings = {header["key"]: header for header in response.context["headers"]}
    assert headings["child"]["href"] == ("?risk=high&age_band=16_17&overdue_actions=1&sort=child")
    assert headings["risk"]["href"].endswith("&sort=risk")


def test_the_page_links_keep_the_filters_and_the_sort_and_the_total_is_shown(client, world):
    w = world
    more_cases(w.high, 120, w.police)
    client.force_login(w.boss)

    response = client.get(URL, {"agency": w.police.pk, "sort": "reference", "page": 2})

    page = response.content.decode()
    # high, medium and 120 more with Police involved
    assert "Showing 51 to 100 of 122 cases" in page
    assert f'href="?agency={w.police.pk}&amp;sort=reference&amp;page=3"' in page
    assert f'href="?agency={w.police.pk}&amp;sort=reference&amp;page=1"' in page


def test_the_total_is_written_with_a_thousands_separator(client, world):
    w = world
    more_cases(w.high, 1231, w.police)
    client.force_login(w.boss)

    page = client.get(URL, {"page": 3}).content.decode()

    assert "Showing 101 to 150 of 1,234 cases" in page


# --- sorting ---------------------------------------------------------------------------------


def _in_order(world: World, *names: str) -> list[str]:
    return [getattr(world, name).reference for name in names]


@pytest.mark.parametrize(
    "key, ascending",
    [
        ("reference", ("high", "low", "medium")),
        ("child", ("high", "low", "medium")),  # Adams, Brown, Clark
        ("age", ("low", "high", "medium")),  # 12, 16, 17: youngest first
        ("status", ("low", "high", "medium")),  # awaiting panel, open, closed
        ("risk", ("low", "medium", "high")),  # by level, never alphabetical
        ("lead_agency", ("low", "medium", "high")),  # Health (by id), Health, Police
        ("next_review", ("high", "low", "medium")),  # Jan, Feb, none (last either way)
        ("open_actions", ("medium", "high", "low")),  # 0, 1, 1 (by id)
        ("opened", ("high", "low", "medium")),
    ],
)
def test_each_column_sorts_both_ways(client, world, key, ascending):
    w = world
    client.force_login(w.boss)
    Action.objects.filter(case=w.medium).update(status="done")

    assert listed(client, sort=key) == _in_order(w, *ascending)
    descending = list(reversed(ascending))
    if key in ("next_review",):
        # No upcoming review is last in both directions.
        descending = [*descending[1:], descending[0]]
    assert listed(client, sort=f"-{key}") == _in_order(w, *descending)


def test_risk_sorts_by_level_and_ties_by_id(client, world):
    w = world
    second_high = make_case(coordinator_user=w.boss)
    Case.objects.filter(pk=second_high.pk).update(risk_level="high")
    client.force_login(w.boss)

    assert listed(client, sort="-risk") == [
        second_high.reference,  # the later id first, descending
        w.high.reference,
        w.medium.reference,
        w.low.reference,
    ]
    assert listed(client, sort="risk") == [
        w.low.reference,
        w.medium.reference,
        w.high.reference,
        second_high.reference,
    ]


def test_ties_are_broken_by_id_so_pages_neither_repeat_nor_skip(client, world):
    w = world
    more_cases(w.high, 110, w.police, same_area_and_risk=True)
    client.force_login(w.boss)

    for key in ("area", "-area", "risk", "-status", "lead_agency", "open_actions"):
        seen = []
        for number in (1, 2, 3):
            page = client.get(URL, {"sort": key, "page": number}).context["page"]
            seen += [case.pk for case in page.object_list]
        assert len(seen) == len(set(seen)) == 113, key


def test_the_headings_say_how_the_list_is_sorted(client, world):
    client.force_login(world.boss)

    default = {h["key"]: h for h in client.get(URL).context["headers"]}
    assert default["opened"]["aria_sort"] == "descending"
    assert {h["aria_sort"] for k, h in default.items() if k != "opened"} == {"none"}
    assert default["risk"]["href"] == "?sort=risk"

    response = client.get(URL, {"sort": "risk"})
    risk = {h["key"]: h for h in response.context["headers"]}["risk"]
    assert (risk["aria_sort"], risk["href"]) == ("ascending", "?sort=-risk")
    page = response.content.decode()
    assert 'aria-sort="ascending"><a class="govuk-link app-sort-link' in page
    assert page.count('aria-sort="none"') == len(selectors.SORT_COLUMNS) - 1

    risk = {h["key"]: h for h in client.get(URL, {"sort": "-risk"}).context["headers"]}["risk"]
    assert (risk["aria_sort"], risk["href"]) == ("descending", "?sort=risk")


def test_sort_cases_refuses_a_key_it_does_not_know():
    with pytest.raises(ValueError):
        selectors.sort_cases(Case.objects.all(), "shoe-size")


# --- age bands and overdue actions on the London calendar ------------------------------------

# 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
LONDON_PAST_MIDNIGHT = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
LONDON_BEFORE_MIDNIGHT = dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.UTC)


def test_age_band_boundaries_are_birthdays_in_london(client):
    boss = coordinator()
    born = {
        "sixteen_today": dt.date(2010, 7, 1),
        "seventeen_last_day": dt.date(2008, 7, 2),
        "eighteen_today": dt.date(2008, 7, 1),
        "thirteen_today": dt.date(2013, 7, 1),
        "twelve_last_day": dt.date(2013, 7, 2),
    }
    with time_machine.travel(LONDON_BEFORE_MIDNIGHT, tick=False):
        cases = {name: make_case(coordinator_user=boss) for name in born}
    for name, day in born.items():
        Child.objects.filter(pk=cases[name].child_id).update(date_of_birth=day)
    client.force_login(boss)

    def band(value: str) -> set[str]:
        return {
            name for name, case in cases.items() if case.reference in listed(client, age_band=value)
        }

    with time_machine.travel(LONDON_PAST_MIDNIGHT, tick=False):
        assert band("16_17") == {"sixteen_today", "seventeen_last_day"}
        assert band("18_plus") == {"eighteen_today"}
        assert band("13_15") == {"thirteen_today"}
        assert band("under_13") == {"twelve_last_day"}
    with time_machine.travel(LONDON_BEFORE_MIDNIGHT, tick=False):
        # Still 30 June in London: no birthday yet. A 17-year-old is never hidden.
        assert band("16_17") == {"seventeen_last_day", "eighteen_today"}
        assert band("13_15") == {"sixteen_today"}
        assert band("under_13") == {"thirteen_today", "twelve_last_day"}
        assert band("18_plus") == set()


def test_overdue_actions_are_worked_out_on_londons_today(client):
    boss = coordinator()
    with time_machine.travel(LONDON_BEFORE_MIDNIGHT, tick=False):
        due = make_case(coordinator_user=boss)
        finished = make_case(coordinator_user=boss)
        cancelled = make_case(coordinator_user=boss)
    _action(due, due.lead_agency, boss, dt.date(2026, 6, 30))
    _action(finished, finished.lead_agency, boss, dt.date(2026, 6, 1), status="done")
    Action.objects.create(
        case=cancelled,
        description="Test action",
        owning_agency=cancelled.lead_agency,
        created_by=boss,
        due_date=dt.date(2026, 6, 1),
        status="cancelled",
        cancel_reason="Test: not needed.",
    )
    client.force_login(boss)

    with time_machine.travel(LONDON_BEFORE_MIDNIGHT, tick=False):
        # Due today in London: not overdue yet (though it is 1 July in... nowhere yet).
        assert listed(client, overdue_actions="1") == []
    with time_machine.travel(LONDON_PAST_MIDNIGHT, tick=False):
        # Past midnight in London (still 30 June in UTC): overdue.
        assert listed(client, overdue_actions="1") == [due.reference]


# --- scope: a filter only narrows --------------------------------------------------------


def test_an_agency_lead_filtering_by_someone_elses_lead_professional_sees_nothing_more(
    client, world
):
    w = world
    lead = agency_lead(w.police)
    client.force_login(lead)

    assert set(listed(client)) == refs(w.high, w.medium)
    # Harriet (Health) leads ``low``, which Police is not involved in: not shown.
    assert listed(client, lead_professional=w.harriet.pk) == []
    # Stoke's worker is no choice of theirs: an error, and still only their own cases.
    response = client.get(URL, {"lead_professional": w.away_worker.pk})
    assert "lead_professional" in response.context["form"].errors
    shown = {case.reference for case in response.context["page"].object_list}
    assert shown == refs(w.high, w.medium)
    assert w.away.reference not in response.content.decode()
    # Stoke's lead agency, likewise.
    away_agency = w.away.lead_agency
    response = client.get(URL, {"lead_agency": away_agency.pk, "overdue_actions": "1"})
    assert "lead_agency" in response.context["form"].errors
    assert w.away.reference not in response.content.decode()


def test_a_coordinator_never_sees_another_areas_overdue_or_high_risk_cases(client, world):
    w = world
    client.force_login(w.boss)

    assert listed(client, overdue_actions="1", risk="high") == [w.high.reference]
    assert w.away.reference not in listed(client, sort="-risk")


def test_the_lead_professional_and_lead_agency_choices_are_scoped(client, world):
    w = world
    staff = UserFactory(agency=w.police, is_staff=True, first_name="Stan", last_name="Staff")
    gone = UserFactory(agency=w.police, is_active=False, first_name="Gwen", last_name="Gone")
    idle = UserFactory(agency=w.police, first_name="Ida", last_name="Leadsnothing")
    # Staff and deactivated accounts are never offered, even when named on a case.
    Case.objects.filter(pk=w.medium.pk).update(lead_professional=staff)
    extra = make_case(coordinator_user=w.boss)
    Case.objects.filter(pk=extra.pk).update(lead_professional=gone)

    def choices(user, field: str) -> set:
        client.force_login(user)
        return set(client.get(URL).context["form"].fields[field].queryset)

    boss_people = choices(w.boss, "lead_professional")
    assert {w.pat, w.harriet} <= boss_people
    assert w.away_worker not in boss_people
    # Only people who lead a case: nobody is offered a choice that can only list nothing.
    assert not {staff, gone, idle} & boss_people
    assert all(person.agency.areas.filter(pk=staffordshire().pk).exists() for person in boss_people)
    assert choices(w.boss, "lead_agency") == choices(w.boss, "agency")
    assert w.away.lead_agency not in choices(w.boss, "lead_agency")
    lead_people = choices(agency_lead(w.police), "lead_professional")
    assert w.pat in lead_people and w.away_worker not in lead_people
    assert w.away_worker in choices(auditor(), "lead_professional")


# --- queries: the same for 1 case as for 200 ------------------------------------------------


def more_cases(like: Case, n: int, agency: Agency, *, same_area_and_risk: bool = False) -> None:
    """``n`` more cases like ``like`` (its area, lead agency and professional, status),
    with ``agency`` involved, an upcoming review, an overdue action and a child each, made
    in bulk: the same rows the services make, fast enough for hundreds."""
    today = london_today()
    children = Child.objects.bulk_create(
        Child(
            first_name=f"Bulkchild-{i:04d}",
            last_name="Example",
            date_of_birth=years_ago(16, i % 300),
            gender=like.child.gender,
            area_id=like.area_id,
        )
        for i in range(n)
    )
    risks = ["high"] if same_area_and_risk else ["low", "medium", "high"]
    cases = Case.objects.bulk_create(
        Case(
            reference=f"CSE-2099-{i:04d}",
            child=child,
            area_id=like.area_id,
            status=like.status,
            risk_level=risks[i % len(risks)],
            lead_agency_id=like.lead_agency_id,
            lead_professional_id=like.lead_professional_id,
            opened_at=like.opened_at - dt.timedelta(hours=i + 1),
        )
        for i, child in enumerate(children)
    )
    CaseAgency.objects.bulk_create(CaseAgency(case=case, agency=agency) for case in cases)
    Review.objects.bulk_create(
        Review(case=case, due_date=dt.date(2030, 1, 1) + dt.timedelta(days=i % 40))
        for i, case in enumerate(cases)
    )
    Action.objects.bulk_create(
        Action(
            case=case,
            description="Bulk test action",
            owning_agency=agency,
            created_by=like.lead_professional,
            due_date=today - dt.timedelta(days=1),
        )
        for case in cases
    )


QUERY_PARAMS = [
    {},
    {"sort": "risk"},
    {"sort": "-next_review"},
    {"sort": "open_actions"},
    {"sort": "-child"},
    {"sort": "lead_agency"},
    {"sort": "age"},
    {"risk": "high", "age_band": "16_17", "overdue_actions": "1", "sort": "-risk"},
    {"status": "open", "review_due_from": "2029-01-01", "review_due_to": "2031-01-01"},
    {"lead_agency": "police", "lead_professional": "pat", "agency": "police", "sort": "area"},
]
# Each model choice sent is looked up once to check it.
MODEL_CHOICES = {"area", "agency", "lead_agency", "lead_professional"}


def _params(world: World, params: dict) -> dict:
    ids = {"police": world.police.pk, "pat": world.pat.pk}
    return {name: ids.get(value, value) for name, value in params.items()}


def _list_queries(client, world: World, params: dict, viewer: User) -> int:
    client.force_login(viewer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, _params(world, params))
    assert response.status_code == 200
    assert not response.context["form"].errors
    assert response.context["page"].object_list
    return len(queries)


@pytest.mark.parametrize("params", QUERY_PARAMS)
@pytest.mark.parametrize("who", ["coordinator", "agency lead", "auditor"])
def test_the_list_takes_the_same_queries_for_1_case_or_200(client, params, who):
    w = make_world()
    viewer = {"coordinator": w.boss, "agency lead": agency_lead(w.police), "auditor": auditor()}[
        who
    ]
    expected = CASE_LIST_QUERIES + len(MODEL_CHOICES & set(params))
    Action.objects.filter(case=w.high).update(due_date=london_today() - dt.timedelta(days=1))
    assert _list_queries(client, w, params, viewer) == expected
    more_cases(w.high, 200, w.police)
    assert _list_queries(client, w, params, viewer) == expected


# --- the API -------------------------------------------------------------------------------

API = "/api/v1/cases/"


def api_refs(api, query: str) -> list[str]:
    response = api.get(f"{API}?{query}")
    assert response.status_code == 200, response.json()
    return [row["reference"] for row in response.json()["results"]]


def test_the_api_filters_as_the_page_does(world):
    w = world
    api = client_for(w.boss)

    def only(query: str) -> set[str]:
        return set(api_refs(api, query))

    assert only("") == refs(w.high, w.low, w.medium)
    assert only(f"lead_agency={w.health.pk}") == refs(w.low, w.medium)
    assert only(f"lead_professional={w.pat.pk}") == refs(w.high)
    assert only("age_band=16_17") == refs(w.high, w.medium)
    assert only("age_band=under_13") == refs(w.low)
    assert only("overdue_actions=1") == refs(w.high)
    assert only("risk_level=medium") == refs(w.medium)
    assert only("next_review_due_after=2030-01-11") == refs(w.low)
    assert only(f"agency={w.police.pk}&age_band=16_17&status=closed") == refs(w.medium)
    assert only(f"lead_agency={w.health.pk}&overdue_actions=1") == set()


@pytest.mark.parametrize(
    "key, ascending",
    [
        ("reference", ("high", "low", "medium")),
        ("child", ("high", "low", "medium")),
        ("age", ("low", "high", "medium")),
        ("status", ("low", "high", "medium")),
        ("risk", ("low", "medium", "high")),
        ("open_actions", ("medium", "high", "low")),
        ("opened", ("high", "low", "medium")),
        ("opened_at", ("high", "low", "medium")),
    ],
)
def test_the_api_orders_as_the_page_does(world, key, ascending):
    w = world
    Action.objects.filter(case=w.medium).update(status="done")
    api = client_for(w.boss)

    assert api_refs(api, f"ordering={key}") == _in_order(w, *ascending)
    assert api_refs(api, f"ordering=-{key}") == _in_order(w, *reversed(ascending))


def test_the_api_orders_by_next_review_with_none_last(world):
    w = world
    api = client_for(w.boss)

    for name in ("next_review", "next_review_due"):
        assert api_refs(api, f"ordering={name}") == _in_order(w, "high", "low", "medium")
        assert api_refs(api, f"ordering=-{name}") == _in_order(w, "low", "high", "medium")


def test_the_api_refuses_bad_values_with_their_fields(world):
    w = world
    api = client_for(agency_lead(w.police))

    response = api.get(
        f"{API}?age_band=ancient&overdue_actions=yes&ordering=shoe&lead_professional="
        f"{w.away_worker.pk}&lead_agency=999999"
    )

    assert response.status_code == 400
    assert set(response.json()) == {
        "age_band",
        "overdue_actions",
        "ordering",
        "lead_professional",
        "lead_agency",
    }


def test_the_api_never_widens_the_scope(world):
    w = world
    api = client_for(agency_lead(w.police))

    assert api_refs(api, f"lead_professional={w.harriet.pk}") == []
    assert w.away.reference not in api_refs(api, "overdue_actions=1&ordering=-risk")
    assert w.away.reference not in api_refs(api, f"lead_agency={w.away.lead_agency_id}")


def test_the_schema_documents_the_filters_and_orders(client):
    client.force_login(coordinator())
    schema = client.get(reverse("schema"), {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"][API]["get"]["parameters"]}

    for name in ("lead_agency", "lead_professional", "age_band", "overdue_actions", "ordering"):
        assert parameters[name].get("description"), name
    assert set(parameters["age_band"]["schema"]["enum"]) == {
        "under_13",
        "13_15",
        "16_17",
        "18_plus",
    }
    assert {"risk", "-risk", "next_review", "open_actions"} <= set(
        parameters["ordering"]["schema"]["enum"]
    )


API_QUERY_PARAMS = [
    "",
    "ordering=-risk",
    "ordering=open_actions",
    "ordering=next_review",
    "age_band=16_17&overdue_actions=1&ordering=child",
    "lead_agency={police}&lead_professional={pat}&ordering=-lead_agency",
]


@pytest.mark.parametrize("query", API_QUERY_PARAMS)
def test_the_api_list_takes_the_same_queries_for_1_case_or_200(query, django_assert_num_queries):
    w = make_world()
    api = client_for(w.boss)
    url = f"{API}?{query.format(police=w.police.pk, pat=w.pat.pk)}"
    expected = (
        # roles, count, the page's ids, the page, the involved agencies
        5
        # each id sent looked up in its choices
        + query.count("lead_agency=")
        + query.count("lead_professional=")
        + audit_event_queries(listed_rows=True)
    )
    with django_assert_num_queries(expected):
        assert api.get(url).status_code == 200
    more_cases(w.high, 200, w.police)
    api = client_for(w.boss)
    with django_assert_num_queries(expected):
        response = api.get(url)
    assert len(response.json()["results"]) == 50

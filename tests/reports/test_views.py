"""The partnership report page: who may open it, the period and area picker (choices only
from the reader's scope, clear errors), the audit event, no child's details on the page,
and a query count that does not grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Child
from reports.forms import quarter_from_value, quarter_value, recent_quarters
from reports.periods import financial_quarter
from tests.factories import (
    AreaFactory,
    Role,
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    referrer,
    stoke,
)
from tests.reports.world import World, london

pytestmark = pytest.mark.django_db
URL = reverse("reports:partnership")


def test_quarter_values_round_trip():
    q2 = financial_quarter(dt.date(2026, 8, 1))
    assert quarter_value(q2) == "2026-Q2"
    assert quarter_from_value("2026-Q2") == q2
    q4 = quarter_from_value("2025-Q4")
    assert (q4.start, q4.end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert quarter_value(q4) == "2025-Q4"
    quarters = recent_quarters(dt.date(2026, 11, 30))
    assert [quarter_value(quarter) for quarter in quarters[:3]] == ["2026-Q3", "2026-Q2", "2026-Q1"]
    assert len(quarters) == 8


@pytest.mark.parametrize("make", [referrer, agency_lead])
def test_other_roles_are_refused(client, make):
    client.force_login(make())
    assert client.get(URL).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302


def test_a_coordinator_sees_their_area_for_the_current_quarter(client):
    world = World()
    world.referral(london(2026, 8, 1), child=world.child())
    user = coordinator(world.area)
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    current = financial_quarter(dt.date.today())
    assert f"Partnership report: {current.label}" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img"' in html
    assert 'id="referrals-by-month"' in html and 'id="missing-data"' in html
    assert 'id="by-area"' not in html  # one area
    assert 'name="area"' not in html
    # No child's details on the page: the report counts, it never names.
    child = Child.objects.get()
    assert child.first_name not in html and child.last_name not in html
    assert child.date_of_birth.isoformat() not in html


def test_a_chosen_quarter_and_its_figures(client):
    world = World()
    world.referral(london(2026, 8, 1))
    world.referral(london(2026, 5, 1))
    client.force_login(coordinator(world.area))
    response = client.get(URL, {"quarter": "2026-Q2"})
    html = response.content.decode()
    assert response.status_code == 200
    report = response.context["report"]
    assert report.period.label == "Q2 2026/27" and report.previous.label == "Q1 2026/27"
    assert report.table("referrals-by-agency-kind").totals_row == (1, 1)
    assert "1 July 2026 to 30 September 2026, compared with Q1 2026/27" in html


def test_the_view_is_audited_naming_the_period_and_areas_only(client):
    world = World()
    user = coordinator(world.area)
    client.force_login(user)
    client.get(URL, {"quarter": "2026-Q2"})
    event = AuditEvent.objects.get(actor=user, verb=AuditEvent.Verb.VIEWED)
    assert event.object_type == "reports.partnership"
    assert event.changes == {
        "period": "2026-07-01/2026-09-30",
        "compared_with": "2026-04-01/2026-06-30",
        "areas": "staffordshire",
    }


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"quarter": "2019-Q1"}, "quarter", "Choose a quarter from the list."),
        ({"date_from": "2026-07-01"}, "date_to", "Enter the end date of the period"),
        ({"date_to": "2026-07-01"}, "date_from", "Enter the start date of the period"),
        ({"date_from": "2026-13-01", "date_to": "2026-07-01"}, "date_from", "Enter a real start"),
        ({"date_from": "2026-07-02", "date_to": "2026-07-01"}, "date_to", "on or after the start"),
        ({"date_from": "2024-01-01", "date_to": "2026-01-02"}, "date_to", "at most 2 years"),
        ({"date_from": "2099-01-01", "date_to": "2099-01-02"}, "date_from", "today or in the past"),
    ],
)
def test_bad_choices_get_govuk_errors_and_no_report(client, query, field, message):
    client.force_login(coordinator())
    response = client.get(URL, query)
    assert response.status_code == 200
    assert response.context["report"] is None
    assert message in " ".join(response.context["form"].errors[field])
    html = response.content.decode()
    assert "govuk-error-summary" in html and f'href="#id_{field}"' in html
    assert "<title>Error: Partnership report" in html


def test_a_custom_period_is_compared_with_as_many_days_before():
    from reports.forms import ReportPeriodForm

    form = ReportPeriodForm(
        {"date_from": "2026-07-10", "date_to": "2026-07-19"}, areas=[], today=dt.date(2026, 11, 30)
    )
    period, previous = form.periods()
    assert (period.start, period.end) == (dt.date(2026, 7, 10), dt.date(2026, 7, 19))
    assert (previous.start, previous.end) == (dt.date(2026, 6, 30), dt.date(2026, 7, 9))
    # Exactly a quarter's dates: the quarter, compared with the quarter before.
    form = ReportPeriodForm(
        {"date_from": "2026-07-01", "date_to": "2026-09-30"}, areas=[], today=dt.date(2026, 11, 30)
    )
    assert [p.label for p in form.periods()] == ["Q2 2026/27", "Q1 2026/27"]


def test_an_auditor_sees_every_area_with_totals_and_may_pick_one(client):
    world = World()
    other = World(area=stoke(), agency=world.agency)
    world.referral(london(2026, 8, 1))
    other.referral(london(2026, 8, 1))
    other.referral(london(2026, 8, 2))
    client.force_login(auditor())
    response = client.get(URL, {"quarter": "2026-Q2"})
    by_area = response.context["report"].table("by-area")
    assert {row.label: row.cells[0] for row in by_area.rows} == {
        "Staffordshire": 1,
        "Stoke-on-Trent": 2,
    }
    assert by_area.totals_row[0] == 3
    assert "app-report-table__total" in response.content.decode()
    assert '<span class="govuk-caption-l">All 2 areas</span>' in response.content.decode()
    event = AuditEvent.objects.filter(verb=AuditEvent.Verb.VIEWED).latest("id")
    assert event.changes["areas"] == "staffordshire, stoke-on-trent"
    # The auditor's trail reads the event (no record to link to, the period and areas).
    trail = client.get(reverse("audit:search"), {"verb": "viewed"}).content.decode()
    assert "reports.partnership" in trail and "staffordshire, stoke-on-trent" in trail
    one = client.get(URL, {"quarter": "2026-Q2", "area": str(other.area.pk)})
    assert one.context["report"].areas == ("Stoke-on-Trent",)
    assert one.context["report"].table("referrals-by-agency-kind").totals_row == (2, 0)


def test_an_area_outside_the_readers_scope_is_an_invalid_choice(client):
    world = World()
    other = World(area=stoke(), agency=world.agency)
    other.referral(london(2026, 8, 1))
    third = AreaFactory(slug="test-area-3")
    user = UserFactory(roles=[(Role.COORDINATOR, world.area), (Role.COORDINATOR, third)])
    client.force_login(user)
    response = client.get(URL, {"quarter": "2026-Q2", "area": str(other.area.pk)})
    assert response.context["report"] is None
    assert response.context["form"].errors["area"] == ["Choose an area from the list."]
    # A coordinator of one area has no area to choose: another area sent is refused too
    # (never read as their own), and their own is accepted.
    client.force_login(coordinator(world.area))
    response = client.get(URL, {"quarter": "2026-Q2", "area": str(other.area.pk)})
    assert response.context["report"] is None
    assert response.context["form"].non_field_errors() == ["Choose an area you may report on."]
    assert "Choose an area you may report on." in response.content.decode()
    response = client.get(URL, {"quarter": "2026-Q2", "area": str(world.area.pk)})
    assert response.context["report"].areas == ("Staffordshire",)
    assert response.context["report"].table("referrals-by-agency-kind").totals_row == (0, 0)


def test_the_page_runs_the_same_queries_for_1_or_200_referrals(client, django_assert_num_queries):
    from tests.reports.test_partnership import populate

    world = World()
    user = coordinator(world.area)
    client.force_login(user)
    populate(world, 1)
    client.get(URL, {"quarter": "2026-Q2"})  # sessions, user, roles: warmed
    # The session, the user, their roles, the areas to report on, the report's 15 queries
    # (disruption's and the missing episodes table's one each since issue 13), the audit
    # event's insert and the header's unread count: 21, whatever the data.
    with django_assert_num_queries(21):
        client.get(URL, {"quarter": "2026-Q2"})
    populate(world, 199)
    with django_assert_num_queries(21):
        client.get(URL, {"quarter": "2026-Q2"})

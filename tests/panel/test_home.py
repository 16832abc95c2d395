import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from panel.models import Area
from tests.factories import (
    AgencyFactory,
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    make_referral,
    referrer,
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db


def test_home_shows_who_to_call_from_the_area_data(client):
    area = staffordshire()
    Area.objects.filter(pk=area.pk).update(front_door_phone="0800 000 0001")
    client.force_login(referrer())

    page = client.get("/").content.decode()

    assert "0800 000 0001" in page
    assert "101" in page
    assert "999" in page


def test_counts_are_only_of_what_the_user_may_see(client):
    police = AgencyFactory(name="Test Police")
    make_case(area=staffordshire(), agencies=[police])
    make_case(area=staffordshire())
    make_case(area=stoke())
    make_referral()

    def figures(user) -> dict[str, str]:
        client.force_login(user)
        page = client.get("/").content.decode()
        return dict(re.findall(r'data-figure="([^"]+)" data-count="(\d+)"', page))

    assert figures(coordinator(staffordshire()))["awaiting_panel"] == "2"
    assert figures(coordinator(staffordshire()))["triage"] == "1"
    assert figures(coordinator(stoke()))["awaiting_panel"] == "1"
    assert figures(coordinator(stoke()))["triage"] == "0"
    # An agency lead's and an auditor's home have no coordinator's figures at all.
    assert "awaiting_panel" not in figures(agency_lead(police))
    assert "awaiting_panel" not in figures(auditor())


def test_a_user_with_no_role_sees_no_case_figures(client):
    make_case()
    client.force_login(UserFactory())

    page = client.get("/").content.decode()

    assert "data-figure" not in page
    assert "You do not have a panel role yet" in page


def test_navigation_offers_administration_to_staff_only(client):
    client.force_login(coordinator())
    assert 'href="/admin/"' not in client.get("/").content.decode()

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert 'href="/admin/"' in client.get("/").content.decode()


# session, user, roles, unread notifications, areas; the coordinator's work queue:
# triage, awaiting panel, reviews overdue, reviews this week, actions overdue, overdue by
# agency, the next meeting (none here); the research lists they sit on (none). Every role,
# 1 vs 200 rows: tests/reports/test_dashboard_queries.py.
COORDINATOR_HOME_QUERIES = 13


@pytest.mark.parametrize("cases", [1, 20])
def test_home_runs_a_fixed_number_of_queries(client, cases):
    boss = coordinator()
    for _ in range(cases):
        make_case(coordinator_user=boss)
    client.force_login(boss)

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200

    assert len(queries) == COORDINATOR_HOME_QUERIES, "\n".join(q["sql"] for q in queries)


def test_the_served_styles_carry_no_crown_and_no_gds_font():
    from django.contrib.staticfiles import finders

    css = Path(finders.find("vendor/govuk-frontend/govuk-frontend.min.css")).read_text()

    assert "GDS Transport" not in css
    assert "govuk-crest" not in css
    assert "/assets/fonts/" not in css

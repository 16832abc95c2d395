"""Meetings over the API: the scoped list and its filters, one meeting with its members and
its agenda counted (never another case's reference), 404 out of scope for every role."""

import pytest

from audit.models import AuditEvent
from meetings.models import Meeting
from meetings.services import scheduling
from tests.cases.test_api import client_for
from tests.factories import (
    AgendaItemFactory,
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    referrer,
    staffordshire,
    stoke,
)
from tests.meetings.sched_helpers import area_agency, in_days, person_of, scheduled

pytestmark = pytest.mark.django_db


def ids(body) -> list[int]:
    return [row["id"] for row in body["results"]]


def test_a_coordinator_lists_their_areas_meetings_with_filters():
    boss = coordinator(staffordshire())
    soon = scheduled(boss, days=3)
    later = scheduled(boss, days=40)
    scheduling.cancel_meeting(boss, meeting=later, version=later.version, reason="Test")
    scheduled(coordinator(stoke()), stoke())
    api = client_for(boss)

    assert sorted(ids(api.get("/api/v1/meetings/").json())) == sorted([soon.pk, later.pk])
    assert ids(api.get("/api/v1/meetings/", {"status": "cancelled"}).json()) == [later.pk]
    to = in_days(10).isoformat()
    assert ids(api.get("/api/v1/meetings/", {"date_to": to}).json()) == [soon.pk]
    assert ids(api.get("/api/v1/meetings/", {"date_from": to}).json()) == [later.pk]
    assert ids(api.get("/api/v1/meetings/", {"area": stoke().pk}).json()) == []
    assert api.get("/api/v1/meetings/", {"date_from": ""}).status_code == 400
    assert AuditEvent.objects.filter(verb="listed", object_type="meetings.meeting").exists()


def test_an_auditor_lists_every_meeting_and_a_referrer_none():
    scheduled()
    scheduled(coordinator(stoke()), stoke())

    assert client_for(auditor()).get("/api/v1/meetings/").json()["count"] == 2
    assert client_for(referrer()).get("/api/v1/meetings/").json()["count"] == 0


def test_a_meeting_shows_members_and_counts_cases_without_naming_others():
    area = staffordshire()
    boss = coordinator(area)
    police = area_agency(area)
    rep = person_of(police)
    meeting = scheduled(boss, area, venue="", online=True, online_details="Test link")
    scheduling.add_meeting_member(boss, meeting=meeting, agency=police, representative=rep)
    AgendaItemFactory(meeting=meeting, case=make_case(area=area, agencies=[police]))
    other = AgendaItemFactory(meeting=meeting)

    response = client_for(rep).get(f"/api/v1/meetings/{meeting.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["online_details"] == "Test link"
    assert body["members"][0]["representative"]["id"] == rep.pk
    assert body["members"][0]["attendance"] == "expected"
    assert body["publish_by"] == meeting.publish_by().isoformat()
    # A representative with no role sees no case: both are "other cases".
    assert body["agenda"] == {"visible_cases": 0, "other_cases": 2, "general": 0}
    assert other.case.reference not in response.content.decode()
    assert not AuditEvent.objects.filter(verb="viewed").exists()


@pytest.mark.parametrize(
    "who",
    [
        lambda: coordinator(stoke()),
        lambda: agency_lead(area_agency()),
        referrer,
        lambda: UserFactory(is_staff=True, is_superuser=True, agency=None),
    ],
    ids=["coordinator of another area", "agency lead not a member", "referrer", "staff"],
)
def test_a_meeting_out_of_scope_is_404(who):
    meeting = scheduled()

    response = client_for(who()).get(f"/api/v1/meetings/{meeting.pk}/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    missing = client_for(who()).get(f"/api/v1/meetings/{meeting.pk + 1000}/")
    assert missing.status_code == 404


def test_the_api_is_read_only():
    boss = coordinator()
    meeting = scheduled(boss)
    api = client_for(boss)

    assert api.post("/api/v1/meetings/", {}, format="json").status_code == 405
    assert api.delete(f"/api/v1/meetings/{meeting.pk}/").status_code == 405
    assert Meeting.objects.count() == 1


def _detail_queries(api, meeting) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"/api/v1/meetings/{meeting.pk}/").status_code == 200
    return len(queries)


def test_a_meeting_reads_the_same_number_of_queries_for_1_or_40_agenda_items():
    from meetings.models import AgendaItem

    area = staffordshire()
    boss = coordinator(area)
    one, many = scheduled(boss, area), scheduled(boss, area, days=21)
    for meeting in (one, many):
        scheduling.add_meeting_member(boss, meeting=meeting, agency=area_agency(area))
    AgendaItemFactory(meeting=one, case=make_case(area=area, coordinator_user=boss))
    AgendaItem.objects.bulk_create(
        AgendaItem(area=area, meeting=many, kind="general", title=f"Test item {n}", added_by=boss)
        for n in range(40)
    )
    api = client_for(boss)
    _detail_queries(api, one)  # the user's roles, read once per signed-in user

    # The meeting (area, chairs), its members, the agenda counted in one aggregate.
    assert _detail_queries(api, one) == _detail_queries(api, many) == 3

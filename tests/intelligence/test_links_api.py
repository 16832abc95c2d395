"""Links and sightings over the API: scoped lists with filters, detail, create, update
(version-checked), end, sightings; auditors never write; query counts constant."""

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from intelligence.models import Link
from tests.cases.test_api import client_for
from tests.factories import (
    AgencyFactory,
    LinkFactory,
    LocationFactory,
    PersonOfConcernFactory,
    VehicleFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    staffordshire,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

LINKS = "/api/v1/intelligence/links/"
SIGHTINGS = "/api/v1/intelligence/sightings/"
GRADING = {"source_evaluation": "B", "intelligence_assessment": "2"}


@pytest.fixture
def boss():
    return coordinator(staffordshire(), agency=AgencyFactory())


@pytest.fixture
def case(boss):
    return make_case(coordinator_user=boss)


def test_create_list_filter_detail(boss, case):
    api = client_for(boss)
    person = PersonOfConcernFactory()
    response = api.post(
        LINKS, {"case": case.pk, "person": person.pk, "relationship": "seen_with", **GRADING}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["case"]["id"], body["person"]["name"], body["grading"]) == (
        case.pk, person.name, "B2P",
    )  # fmt: skip
    LinkFactory(person=None, location=LocationFactory(), case=make_case(coordinator_user=boss))
    listed = api.get(LINKS, {"case": case.pk}).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert [r["id"] for r in api.get(LINKS, {"person": person.pk}).json()["results"]] == [
        body["id"]
    ]
    assert api.get(LINKS, {"live": "false"}).json()["results"] == []
    assert api.get(f"{LINKS}{body['id']}/").status_code == 200
    assert AuditEvent.objects.filter(verb="viewed", object_type="intelligence.link").exists()
    assert AuditEvent.objects.filter(verb="listed", object_type="intelligence.link").exists()


def test_bad_input_is_400_with_field_errors(boss, case):
    api = client_for(boss)
    response = api.post(LINKS, {"case": case.pk, "relationship": "seen_with", **GRADING})
    assert response.status_code == 400
    assert "record" in response.json()
    response = api.post(
        LINKS, {"case": case.pk, "person": PersonOfConcernFactory().pk, "relationship": "x"}
    )
    assert response.status_code == 400
    assert not Link.objects.exists()


def test_auditors_never_write_and_a_not_granted_lead_sees_no_link(boss, case):
    link = LinkFactory(case=case)
    assert client_for(auditor()).post(LINKS, {}).status_code == 403
    assert client_for(auditor()).post(f"{LINKS}{link.pk}/end/", {"reason": "x"}).status_code == 403
    lead = agency_lead(case.lead_agency)
    api = client_for(lead)
    assert api.get(LINKS).json()["results"] == []
    assert api.get(f"{LINKS}{link.pk}/").status_code == 404
    assert api.post(LINKS, {}).status_code == 403


def test_update_is_version_checked_and_end_keeps_the_link(boss, case):
    link = LinkFactory(case=case)
    api = client_for(boss)
    body = {"relationship": "gave_gifts", "version": 1, **GRADING}
    assert api.put(f"{LINKS}{link.pk}/", body, format="json").status_code == 200
    stale = api.put(f"{LINKS}{link.pk}/", body, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert api.post(f"{LINKS}{link.pk}/end/", {}).status_code == 400
    ended = api.post(f"{LINKS}{link.pk}/end/", {"reason": "Recorded in error."})
    assert ended.status_code == 200 and ended.json()["is_live"] is False
    assert api.post(f"{LINKS}{link.pk}/end/", {"reason": "Again."}).status_code == 409


def test_a_record_link_and_sightings(boss):
    api = client_for(boss)
    person, vehicle = PersonOfConcernFactory(), VehicleFactory()
    response = api.post(
        LINKS, {"person": person.pk, "vehicle": vehicle.pk, "relationship": "drives", **GRADING}
    )
    assert response.status_code == 201
    link = response.json()["id"]
    seen = api.post(
        SIGHTINGS, {"link": link, "seen_at": timezone.now().isoformat(), "place": "Testplace"}
    )
    assert seen.status_code == 201, seen.json()
    assert (
        api.post(SIGHTINGS, {"link": link, "seen_at": timezone.now().isoformat()}).status_code
        == 400
    )
    rows = api.get(SIGHTINGS, {"link": link}).json()["results"]
    assert [row["id"] for row in rows] == [seen.json()["id"]]


@pytest.mark.parametrize("rows", [1, 8])
def test_the_lists_take_the_same_queries_however_many_rows(
    boss, case, rows, django_assert_num_queries
):
    for _ in range(rows):
        link = LinkFactory(case=case)
        link.sightings.create(seen_at=timezone.now(), place="Testplace", recorded_by=boss)
    api = client_for(boss)
    # The user's roles; the event (with the actor's agency, read once per request).
    listed = 1 + audit_event_queries(listed_rows=True)
    # The count, the page (links with their records, case, agency and recorder).
    with django_assert_num_queries(2 + listed):
        assert len(api.get(LINKS).json()["results"]) == rows
    # The count, the page (sightings with their location and recorder); the same client
    # keeps the user, with their roles and agency, from the first request.
    with django_assert_num_queries(2 + audit_event_queries(agency=False, listed_rows=True)):
        assert len(api.get(SIGHTINGS).json()["results"]) == rows


def test_the_schema_still_validates():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")

"""The disruption API: scoped list with filters, detail (viewed), create, update (409 on a
stale version), auditors read only, schema valid, constant queries."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from intelligence.models import Disruption
from intelligence.services.disruption import record_disruption
from panel.dates import london_today
from panel.models import User
from tests.factories import (
    AgencyFactory,
    LocationFactory,
    PersonOfConcernFactory,
    agency_lead,
    auditor,
    coordinator,
    grant_intelligence,
    staffordshire,
    stoke,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db
URL = "/api/v1/intelligence/disruption/"
TODAY = london_today()


def client_for(user):
    api = APIClient()
    api.force_authenticate(User.objects.get(pk=user.pk))
    return api


@pytest.fixture
def police():
    agency = AgencyFactory(name="Test Police (fictional)")
    agency.areas.add(staffordshire())
    grant_intelligence(agency, staffordshire())
    return agency


@pytest.fixture
def coord():
    return coordinator(staffordshire())


def disrupt(coord, agency, **extra):
    if "location" not in extra:
        extra.setdefault("person", PersonOfConcernFactory(source_agency=agency))
    fields = {"kind": "cawn", "date": TODAY - dt.timedelta(days=2), "agency": agency} | extra
    return record_disruption(coord, **fields)


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_list_is_scoped_and_filtered(police, coord):
    person = PersonOfConcernFactory(source_agency=police)
    location = LocationFactory(source_agency=police)
    cawn = disrupt(coord, police, person=person)
    patrol = disrupt(
        coord, police, location=location, kind="patrol", date=TODAY - dt.timedelta(days=20)
    )
    api = client_for(coord)
    assert ids(api.get(URL)) == {cawn.pk, patrol.pk}
    assert ids(api.get(URL, {"kind": "patrol"})) == {patrol.pk}
    assert ids(api.get(URL, {"person": person.pk})) == {cawn.pk}
    assert ids(api.get(URL, {"location": location.pk})) == {patrol.pk}
    assert ids(api.get(URL, {"agency": police.pk})) == {cawn.pk, patrol.pk}
    since = (TODAY - dt.timedelta(days=10)).isoformat()
    assert ids(api.get(URL, {"date_after": since})) == {cawn.pk}
    assert ids(api.get(URL, {"date_before": since})) == {patrol.pk}
    assert ids(client_for(coordinator(stoke())).get(URL)) == set()
    assert ids(client_for(agency_lead(AgencyFactory())).get(URL)) == set()
    row = api.get(f"{URL}{patrol.pk}/").json()
    assert row["subject"] == {
        "type": "location", "id": location.pk, "name": location.name, "kind": "takeaway"
    }  # fmt: skip


def test_the_detail_is_viewed_and_out_of_scope_is_404(police, coord):
    made = disrupt(coord, police)
    reader = auditor()
    assert client_for(reader).get(f"{URL}{made.pk}/").status_code == 200
    assert AuditEvent.objects.filter(verb="viewed", actor=reader, object_id=made.pk).exists()
    other = client_for(coordinator(stoke()))
    hidden, missing = other.get(f"{URL}{made.pk}/"), other.get(f"{URL}999999/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_create_and_update(police, coord):
    person = PersonOfConcernFactory(source_agency=police)
    api = client_for(agency_lead(police))
    body = {"person": person.pk, "kind": "arrest", "date": TODAY.isoformat(), "agency": police.pk}
    created = api.post(URL, body, format="json")
    assert created.status_code == 201, created.content
    made = Disruption.objects.get(pk=created.json()["id"])
    assert made.person == person and made.kind == "arrest"
    change = {"version": 1, "kind": "sro_shpo", "date": TODAY.isoformat(), "agency": police.pk}
    updated = api.put(f"{URL}{made.pk}/", change, format="json")
    assert updated.status_code == 200 and updated.json()["version"] == 2
    stale = api.put(f"{URL}{made.pk}/", change | {"kind": "patrol"}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    made.refresh_from_db()
    assert made.kind == "sro_shpo"


def test_bad_input_is_400_with_field_errors(police, coord):
    person = PersonOfConcernFactory(source_agency=police)
    location = LocationFactory(source_agency=police)
    api = client_for(coord)
    base = {"kind": "other", "date": TODAY.isoformat(), "agency": police.pk}
    both = api.post(URL, base | {"person": person.pk, "location": location.pk}, format="json")
    assert both.status_code == 400 and "person" in both.json()
    no_detail = api.post(URL, base | {"person": person.pk}, format="json")
    assert no_detail.status_code == 400 and "kind_detail" in no_detail.json()
    assert not Disruption.objects.exists()


def test_a_person_out_of_scope_reads_as_missing(police):
    hidden = PersonOfConcernFactory(area=stoke(), source_agency=police)
    api = client_for(coordinator(staffordshire()))
    body = {"kind": "cawn", "date": TODAY.isoformat(), "agency": police.pk}
    one = api.post(URL, body | {"person": hidden.pk}, format="json")
    two = api.post(URL, body | {"person": 999999}, format="json")
    assert one.status_code == two.status_code == 400
    shown = one.json()["person"][0].replace(str(hidden.pk), "N")
    assert shown == two.json()["person"][0].replace("999999", "N")


def test_auditors_may_not_write(police, coord):
    made = disrupt(coord, police)
    api = client_for(auditor())
    body = {"person": made.person_id, "kind": "cawn", "date": TODAY.isoformat(),
            "agency": police.pk}  # fmt: skip
    assert api.post(URL, body, format="json").status_code == 403
    change = {"version": 1, "kind": "arrest", "date": TODAY.isoformat(), "agency": police.pk}
    assert api.put(f"{URL}{made.pk}/", change, format="json").status_code == 403


@pytest.mark.parametrize("rows", [1, 30])
def test_the_list_takes_the_same_queries(rows, police, coord, django_assert_num_queries):
    for _ in range(rows):
        disrupt(coord, police)
    api = client_for(coord)
    # roles, grants; count, page (with person, location, agency, area, recorded_by); the
    # "listed" event
    with django_assert_num_queries(3 + audit_event_queries(listed_rows=True)):
        response = api.get(URL)
    assert len(response.json()["results"]) == rows


def test_the_schema_still_validates():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")

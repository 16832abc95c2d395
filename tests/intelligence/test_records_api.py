"""The records API (intelligence/api/records.py)."""

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from intelligence.models import Merge, PersonOfConcern, Vehicle
from tests.factories import (
    AgencyFactory,
    PersonOfConcernFactory,
    VehicleFactory,
    agency_lead,
    auditor,
    coordinator,
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/intelligence"
GRADE = {"source_evaluation": "B", "intelligence_assessment": "2", "handling_code": "P"}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def boss(api):
    user = coordinator(staffordshire(), agency=AgencyFactory())
    api.force_authenticate(user)
    return user


def test_persons_list_with_identifiers_and_filters(api, boss):
    a = PersonOfConcernFactory(name="Testperson-0001 Generated")
    a.identifiers.create(kind="handle", value="@test_gen")
    PersonOfConcernFactory(name="Testperson-0002 Generated")
    PersonOfConcernFactory(area=stoke())
    body = api.get(f"{BASE}/persons/").json()
    assert body["count"] == 2
    found = api.get(f"{BASE}/persons/", {"q": "@TEST_GEN"}).json()["results"]
    assert [p["id"] for p in found] == [a.pk]
    assert found[0]["identifiers"][0]["value"] == "@test_gen"
    assert AuditEvent.objects.filter(verb="listed").count() == 2


def test_create_validate_update_and_conflict(api, boss):
    response = api.post(
        f"{BASE}/vehicles/",
        {"area": staffordshire().pk, "registration": "te12 s?x", **GRADE, "handling_code": "C"},
        format="json",
    )
    assert response.status_code == 400
    assert "handling_conditions" in response.json()
    assert not Vehicle.objects.exists()
    response = api.post(
        f"{BASE}/vehicles/",
        {"area": staffordshire().pk, "registration": "te12 s?x", **GRADE},
        format="json",
    )
    assert response.status_code == 201, response.json()
    made = response.json()
    assert made["registration_key"] == "TE12S?X" and made["partial"] is True
    url = f"{BASE}/vehicles/{made['id']}/"
    response = api.patch(url, {"version": 1, "colour": "Testred"}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2
    assert api.patch(url, {"version": 1, "colour": "Blue"}, format="json").status_code == 409
    assert api.patch(url, {"colour": "Blue"}, format="json").status_code == 400


def test_person_status_and_identifiers(api, boss):
    person = PersonOfConcernFactory()
    url = f"{BASE}/persons/{person.pk}/"
    response = api.post(url + "status/", {"version": 1, "status": "no_longer"}, format="json")
    assert response.status_code == 200 and response.json()["retention_date"]
    response = api.post(url + "identifiers/", {"kind": "phone", "value": "07700 900123"})
    assert response.status_code == 201
    assert response.json()["identifiers"][0]["kind"] == "phone"


def test_out_of_scope_is_404_and_auditors_do_not_write(api):
    hidden = PersonOfConcernFactory(area=stoke())
    api.force_authenticate(coordinator(staffordshire()))
    assert api.get(f"{BASE}/persons/{hidden.pk}/").status_code == 404
    api.force_authenticate(auditor())
    assert api.get(f"{BASE}/persons/{hidden.pk}/").status_code == 200
    body = {"area": staffordshire().pk, "name": "Testperson X", **GRADE}
    assert api.post(f"{BASE}/persons/", body, format="json").status_code == 403
    api.force_authenticate(agency_lead())
    assert api.get(f"{BASE}/persons/").status_code == 403
    assert api.post(f"{BASE}/persons/", body, format="json").status_code == 403
    assert not PersonOfConcern.objects.exclude(pk=hidden.pk).exists()


def test_merge_and_undo(api, boss):
    kept, dup = VehicleFactory(), VehicleFactory()
    body = {"kind": "vehicle", "kept": kept.pk, "merged": dup.pk, "reason": "Same."}
    response = api.post(f"{BASE}/merges/", body, format="json")
    assert response.status_code == 201
    merge = Merge.objects.get()
    assert api.get(f"{BASE}/merges/").json()["count"] == 1
    response = api.post(f"{BASE}/merges/{merge.pk}/undo/", {"reason": "No."}, format="json")
    assert response.status_code == 201 and response.json()["reverses"] == merge.pk
    api.force_authenticate(auditor())
    assert api.get(f"{BASE}/merges/{merge.pk}/").status_code == 200
    assert api.post(f"{BASE}/merges/{merge.pk}/undo/", {"reason": "x"}).status_code == 403

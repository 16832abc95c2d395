"""The persons, locations and vehicles pages (intelligence/views/records.py)."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent, AuditEventObject
from intelligence.models import Location, Merge, PersonIdentifier, PersonOfConcern, Vehicle
from tests.factories import (
    AgencyFactory,
    LinkFactory,
    LocationFactory,
    PersonOfConcernFactory,
    VehicleFactory,
    agency_lead,
    auditor,
    coordinator,
    grant_intelligence,
    make_case,
    referrer,
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db

GRADE = {
    "source_evaluation": "B",
    "intelligence_assessment": "2",
    "handling_code": "P",
    "handling_conditions": "",
}


@pytest.fixture
def boss(client):
    user = coordinator(staffordshire(), agency=AgencyFactory())
    client.force_login(user)
    return user


def test_the_person_list_filters_and_records_one_listed_event(client, boss):
    a = PersonOfConcernFactory(name="Testperson-0001 Generated")
    PersonIdentifier.objects.create(person=a, kind="phone", value="07700 900123")
    b = PersonOfConcernFactory(name="Testperson-0002 Generated", status="charged")
    PersonOfConcernFactory(area=stoke())
    response = client.get(reverse("intelligence:person-list"))
    assert response.status_code == 200
    assert list(response.context["rows"]) == [a, b]
    event = AuditEvent.objects.get(verb="listed")
    assert set(
        AuditEventObject.objects.filter(event=event).values_list("object_id", flat=True)
    ) == {
        a.pk,
        b.pk,
    }
    assert client.get(reverse("intelligence:person-list"), {"q": "+44 7700 900123"}).context[
        "rows"
    ] == [a]
    assert client.get(reverse("intelligence:person-list"), {"status": "charged"}).context[
        "rows"
    ] == [b]


def test_vehicles_are_found_with_wildcards(client, boss):
    v = VehicleFactory(registration="AB12 CDE")
    VehicleFactory(registration="XY34 ZZZ")
    for typed in ("ab12 cde", "AB?2*", "*CDE"):
        rows = client.get(reverse("intelligence:vehicle-list"), {"registration": typed})
        assert rows.context["rows"] == [v], typed


def test_locations_filter_by_kind_and_postcode(client, boss):
    park = LocationFactory(kind="park", postcode="ZZ1 1ZZ")
    LocationFactory(kind="hotel", postcode="ZZ2 2ZZ")
    assert client.get(reverse("intelligence:location-list"), {"kind": "park"}).context["rows"] == [
        park
    ]
    assert client.get(reverse("intelligence:location-list"), {"postcode": "zz1"}).context[
        "rows"
    ] == [park]


@pytest.mark.parametrize("who", [referrer, agency_lead])
def test_who_sees_no_intelligence_is_refused_the_lists(client, who):
    client.force_login(who())
    for name in ("person-list", "location-list", "vehicle-list", "person-new"):
        assert client.get(reverse(f"intelligence:{name}")).status_code == 403


def test_a_record_out_of_scope_is_404(client):
    hidden = PersonOfConcernFactory(area=stoke())
    client.force_login(coordinator(staffordshire()))
    assert client.get(reverse("intelligence:person-detail", args=[hidden.pk])).status_code == 404


def test_the_detail_names_openable_childrens_cases_and_counts_the_others(client):
    police = AgencyFactory()
    grant_intelligence(police)
    lead = agency_lead(police)
    person = PersonOfConcernFactory()
    mine = make_case(agencies=[police])
    LinkFactory(person=person, case=mine)
    LinkFactory(person=person, case=make_case())
    LinkFactory(person=person, case=make_case())
    other = LocationFactory()
    LinkFactory(case=None, person=person, location=other, relationship="lives_at")
    client.force_login(lead)
    response = client.get(reverse("intelligence:person-detail", args=[person.pk]))
    body = response.content.decode()
    assert mine.reference in body and mine.child.full_name in body
    assert "2 other children in Staffordshire" in body
    assert other.name in body
    assert AuditEvent.objects.filter(verb="viewed", object_id=str(person.pk)).count() == 1


def test_a_new_person_with_a_duplicate_needs_confirming(client, boss):
    existing = PersonOfConcernFactory(name="Testperson Same")
    data = {
        "area": staffordshire().pk,
        "name": "testperson same",
        "phones": "07700 900123",
        "source_agency": boss.agency_id,
        **GRADE,
    }
    response = client.post(reverse("intelligence:person-new"), data)
    assert response.status_code == 400
    assert [c.record for c in response.context["candidates"]] == [existing]
    assert "This is a different person" in response.content.decode()
    assert PersonOfConcern.objects.count() == 1
    response = client.post(reverse("intelligence:person-new"), {**data, "confirm_different": "on"})
    assert response.status_code == 302
    person = PersonOfConcern.objects.exclude(pk=existing.pk).get()
    assert list(person.identifiers.values_list("key", flat=True)) == ["07700900123"]


def test_code_c_without_conditions_rerenders_with_the_field_error(client, boss):
    data = {"area": staffordshire().pk, "name": "Testplace 1", "kind": "park"}
    data |= {**GRADE, "handling_code": "C", "source_agency": boss.agency_id}
    response = client.post(reverse("intelligence:location-new"), data)
    assert response.status_code == 400
    assert "handling_conditions" in response.context["form"].errors
    assert not Location.objects.exists()


def test_an_edit_with_a_stale_version_changes_nothing(client, boss):
    vehicle = VehicleFactory()
    data = {"registration": "TE99 ZZZ", "source_agency": vehicle.source_agency_id, **GRADE}
    response = client.post(
        reverse("intelligence:vehicle-edit", args=[vehicle.pk]), {**data, "version": 7}
    )
    assert response.status_code == 400
    vehicle.refresh_from_db()
    assert vehicle.registration_key != "TE99ZZZ"
    response = client.post(
        reverse("intelligence:vehicle-edit", args=[vehicle.pk]), {**data, "version": 1}
    )
    assert response.status_code == 302
    assert Vehicle.objects.get().registration_key == "TE99ZZZ"


def test_status_and_identifiers_pages(client, boss):
    person = PersonOfConcernFactory()
    url = reverse("intelligence:person-status", args=[person.pk])
    assert client.post(url, {"status": "no_longer", "version": 1}).status_code == 302
    person.refresh_from_db()
    assert person.retention_date is not None
    url = reverse("intelligence:person-identifier-add", args=[person.pk])
    assert client.post(url, {"kind": "handle", "value": "@test_gen"}).status_code == 302
    identifier = person.identifiers.get()
    url = reverse("intelligence:person-identifier-remove", args=[person.pk, identifier.pk])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert not person.identifiers.exists()


def test_merge_and_undo_pages(client, boss):
    kept, dup = (
        PersonOfConcernFactory(name="Testperson Same"),
        PersonOfConcernFactory(name="Testperson Same"),
    )
    url = reverse("intelligence:person-merge-new", args=[kept.pk])
    page = client.get(url)
    assert [c.record for c in page.context["candidates"]] == [dup]
    assert client.post(url, {"merged": dup.pk, "reason": "Same."}).status_code == 400
    response = client.post(url, {"merged": dup.pk, "reason": "Same.", "confirm": "on"})
    merge = Merge.objects.get()
    assert response.url == reverse("intelligence:merge-detail", args=[merge.pk])
    assert client.get(response.url).status_code == 200
    undo = reverse("intelligence:merge-undo", args=[merge.pk])
    assert client.post(undo, {"reason": ""}).status_code == 400
    assert client.post(undo, {"reason": "Not the same."}).status_code == 302
    dup.refresh_from_db()
    assert dup.merged_into is None


def test_a_granted_lead_may_not_merge_and_an_auditor_may_not_record(client):
    police = AgencyFactory()
    grant_intelligence(police)
    person = PersonOfConcernFactory()
    client.force_login(agency_lead(police))
    assert client.get(reverse("intelligence:person-merge-new", args=[person.pk])).status_code == 403
    client.force_login(auditor())
    assert client.get(reverse("intelligence:person-detail", args=[person.pk])).status_code == 200
    assert client.get(reverse("intelligence:person-edit", args=[person.pk])).status_code == 403
    assert client.get(reverse("intelligence:person-new")).status_code == 403


@pytest.mark.parametrize("name", ["person-list", "location-list", "vehicle-list"])
def test_list_queries_do_not_grow(client, boss, name, django_assert_num_queries):
    factory = {"person-list": PersonOfConcernFactory, "location-list": LocationFactory}.get(
        name, VehicleFactory
    )
    factory()
    client.get(reverse(f"intelligence:{name}"))  # warm the session
    with django_assert_num_queries(QUERIES[name]) as one:
        client.get(reverse(f"intelligence:{name}"))
    for _ in range(4):
        factory()
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse(f"intelligence:{name}"))


QUERIES = {"person-list": 11, "location-list": 10, "vehicle-list": 10}


def _grow(person):
    LinkFactory(person=person)
    LinkFactory(case=None, person=person, location=LocationFactory())
    PersonIdentifier.objects.create(person=person, kind="alias", value="Testalias")


def test_the_person_detail_queries_do_not_grow(client, boss, django_assert_num_queries):
    person = PersonOfConcernFactory()
    _grow(person)
    url = reverse("intelligence:person-detail", args=[person.pk])
    client.get(url)
    with django_assert_num_queries(DETAIL_QUERIES):
        client.get(url)
    for _ in range(3):
        _grow(person)
    with django_assert_num_queries(DETAIL_QUERIES):
        client.get(url)


DETAIL_QUERIES = 12

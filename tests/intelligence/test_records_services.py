"""intelligence/services/records.py: who may record, grading, versions, status and the
retention clock, identifiers."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from audit.models import AuditEvent
from intelligence.models import PersonOfConcern
from intelligence.services import records
from panel.errors import Conflict
from tests.factories import (
    AgencyFactory,
    LocationFactory,
    PersonOfConcernFactory,
    VehicleFactory,
    agency_lead,
    auditor,
    coordinator,
    grant_intelligence,
    referrer,
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db

GRADE = {"source_evaluation": "B", "intelligence_assessment": "2", "handling_code": "P"}


@pytest.fixture
def police():
    agency = AgencyFactory(name="Test Police (fictional)")
    grant_intelligence(agency, staffordshire())
    return agency


def test_a_coordinator_creates_a_person_with_one_audit_event():
    boss = coordinator(staffordshire(), agency=AgencyFactory())
    before = AuditEvent.objects.count()
    person = records.create_person(
        boss, area=staffordshire(), name="  Testperson-0001 Generated ", **GRADE
    )
    assert person.name == "Testperson-0001 Generated"
    assert person.source_agency_id == boss.agency_id
    assert person.status == "suspected" and person.retention_date is None
    assert person.review_date > dt.date.today()
    event = AuditEvent.objects.get(id__gt=0, object_id=str(person.pk))
    assert AuditEvent.objects.count() == before + 1
    assert event.verb == "created" and event.changes["name"] == "set"


def test_a_granted_lead_records_and_an_ungranted_one_may_not(police):
    lead = agency_lead(police)
    person = records.create_person(lead, area=staffordshire(), name="Testperson-0002", **GRADE)
    assert person.source_agency == police
    with pytest.raises(PermissionDenied):
        records.create_person(agency_lead(), area=staffordshire(), name="Testperson-3", **GRADE)
    with pytest.raises(PermissionDenied):
        records.create_person(lead, area=stoke(), name="Testperson-4", **GRADE)


@pytest.mark.parametrize("who", [auditor, referrer])
def test_auditors_and_others_never_record(who):
    with pytest.raises(PermissionDenied):
        records.create_location(
            who(), area=staffordshire(), name="Testplace 1", kind="park", **GRADE
        )
    assert not AuditEvent.objects.filter(verb="created").exists()


@pytest.mark.parametrize(
    ("grading", "field"),
    [
        ({"source_evaluation": "D"}, "source_evaluation"),
        ({"intelligence_assessment": "6"}, "intelligence_assessment"),
        ({"handling_code": "X"}, "handling_code"),
        ({"handling_code": "C", "handling_conditions": " "}, "handling_conditions"),
    ],
)
def test_grading_is_checked_field_by_field(grading, field):
    boss = coordinator(staffordshire(), agency=AgencyFactory())
    with pytest.raises(ValidationError) as caught:
        records.create_vehicle(
            boss, area=staffordshire(), registration="TE12 STX", **{**GRADE, **grading}
        )
    assert field in caught.value.message_dict
    assert not PersonOfConcern.objects.exists()


def test_code_c_keeps_its_conditions_and_p_drops_them():
    boss = coordinator(staffordshire(), agency=AgencyFactory())
    vehicle = records.create_vehicle(
        boss,
        area=staffordshire(),
        registration="te12 s?x",
        **{**GRADE, "handling_code": "C", "handling_conditions": "Police only."},
    )
    assert vehicle.registration_key == "TE12S?X" and vehicle.partial
    assert vehicle.handling_conditions == "Police only."
    vehicle = records.update_vehicle(boss, vehicle=vehicle, version=1, handling_code="P")
    assert vehicle.handling_conditions == "" and vehicle.version == 2


def test_bad_input_names_its_fields():
    boss = coordinator(staffordshire(), agency=AgencyFactory())
    with pytest.raises(ValidationError) as caught:
        records.create_location(
            boss, area=staffordshire(), name="", kind="castle", latitude=91, **GRADE
        )
    assert set(caught.value.message_dict) == {"name", "kind", "latitude"}
    with pytest.raises(ValidationError) as caught:
        records.create_vehicle(boss, area=staffordshire(), registration=" - ", **GRADE)
    assert set(caught.value.message_dict) == {"registration"}
    with pytest.raises(ValidationError) as caught:
        records.create_person(
            boss, area=staffordshire(), name="X", approximate_age=3, status="no_longer", **GRADE
        )
    assert set(caught.value.message_dict) == {"approximate_age", "status"}


def test_an_edit_checks_the_version_and_records_what_changed():
    boss = coordinator(staffordshire())
    location = LocationFactory()
    updated = records.update_location(
        boss, location=location, version=1, name="Testplace 9 Hotel", postcode="zz1 1zz"
    )
    assert updated.version == 2 and updated.postcode == "ZZ1 1ZZ"
    event = AuditEvent.objects.filter(verb="updated").get()
    assert event.changes == {"name": "changed", "postcode": "changed"}
    with pytest.raises(Conflict):
        records.update_location(boss, location=location, version=1, name="Testplace Stale")
    location.refresh_from_db()
    assert location.name == "Testplace 9 Hotel"


def test_an_edit_of_nothing_records_nothing():
    boss = coordinator(staffordshire())
    vehicle = VehicleFactory()
    records.update_vehicle(boss, vehicle=vehicle, version=1, make=vehicle.make)
    assert not AuditEvent.objects.filter(verb="updated").exists()


def test_a_record_the_actor_cannot_see_is_missing(police):
    other = AgencyFactory()
    hidden = PersonOfConcernFactory(
        source_agency=other, handling_code="C", handling_conditions="Health only."
    )
    with pytest.raises(Http404):
        records.update_person(agency_lead(police), person=hidden, version=1, name="Testperson-X")


def test_no_longer_of_concern_starts_the_retention_clock_and_back_clears_it():
    boss = coordinator(staffordshire())
    person = PersonOfConcernFactory()
    day = dt.date(2026, 3, 1)
    person = records.set_person_status(
        boss, person=person, version=1, status="no_longer", today=day
    )
    assert person.retention_date == PersonOfConcern.retention_from(day)
    assert person.version == 2
    event = AuditEvent.objects.get(verb="transitioned")
    assert event.changes["status"] == ["suspected", "no_longer"]
    person = records.set_person_status(boss, person=person, version=2, status="charged")
    assert person.retention_date is None and person.status == "charged"
    with pytest.raises(ValidationError):
        records.set_person_status(boss, person=person, version=3, status="charged")
    with pytest.raises(Conflict):
        records.set_person_status(boss, person=person, version=2, status="convicted")


def test_identifiers_are_added_once_by_key_and_removed():
    boss = coordinator(staffordshire())
    person = PersonOfConcernFactory()
    phone = records.add_identifier(boss, person=person, kind="phone", value="+44 7700 900123")
    assert phone.key == "07700900123"
    with pytest.raises(ValidationError):
        records.add_identifier(boss, person=person, kind="phone", value="07700 900 123")
    handle = records.add_identifier(
        boss, person=person, kind="handle", value="@Test_Handle", platform="Testgram"
    )
    assert handle.key == "test_handle"
    with pytest.raises(ValidationError) as caught:
        records.add_identifier(boss, person=person, kind="alias", value="X", platform="Testgram")
    assert "platform" in caught.value.message_dict
    records.remove_identifier(boss, identifier=phone)
    assert list(person.identifiers.all()) == [handle]
    event = AuditEvent.objects.filter(verb="updated").get()
    assert event.changes == {"identifier_removed": ["phone", phone.pk]}


def test_a_merged_record_is_not_edited():
    boss = coordinator(staffordshire())
    kept = PersonOfConcernFactory()
    gone = PersonOfConcernFactory(merged_into=kept)
    with pytest.raises(ValidationError):
        records.update_person(boss, person=gone, version=1, name="Testperson-Y")

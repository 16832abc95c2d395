"""Disruption: who may record and change it, what it must say, version checks, audit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from intelligence.models import Disruption
from intelligence.services.disruption import record_disruption, update_disruption
from panel.dates import london_today
from panel.errors import Conflict
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

pytestmark = pytest.mark.django_db


@pytest.fixture
def police():
    agency = AgencyFactory(name="Test Police (fictional)")
    agency.areas.add(staffordshire())
    grant_intelligence(agency, staffordshire())
    return agency


def args(agency, **extra):
    return {
        "kind": "cawn",
        "date": london_today() - dt.timedelta(days=1),
        "agency": agency,
        "outcome": "Notice served (fictional).",
        "review_date": london_today() + dt.timedelta(days=90),
    } | extra


def test_a_coordinator_records_disruption_against_a_person_audited(police):
    person = PersonOfConcernFactory(source_agency=police)
    coord = coordinator(staffordshire())
    made = record_disruption(coord, person=person, **args(police))
    assert made.area_id == person.area_id and made.version == 1
    event = AuditEvent.objects.get(verb="created", object_type="intelligence.disruption")
    assert event.object_id == str(made.pk) and event.actor_id == coord.pk
    assert event.changes["kind"] == [None, "cawn"]


def test_a_granted_lead_records_at_a_location(police):
    location = LocationFactory(source_agency=police)
    made = record_disruption(agency_lead(police), location=location, **args(police, kind="patrol"))
    assert made.location == location and made.person is None


@pytest.mark.parametrize("who", ["lead_not_granted", "coord_b", "auditor"])
def test_others_may_not_record(police, who):
    person = PersonOfConcernFactory(source_agency=police)
    user = {
        "lead_not_granted": lambda: agency_lead(AgencyFactory()),
        "coord_b": lambda: coordinator(stoke()),
        "auditor": auditor,
    }[who]()
    with pytest.raises(PermissionDenied):
        record_disruption(user, person=person, **args(police))
    assert not Disruption.objects.exists() and not AuditEvent.objects.filter(verb="created")


def test_a_granted_lead_may_not_record_against_a_c_item_of_another_agency(police):
    other = AgencyFactory()
    person = PersonOfConcernFactory(
        source_agency=other, handling_code="C", handling_conditions="Not shared (fictional)."
    )
    with pytest.raises(PermissionDenied):
        record_disruption(agency_lead(police), person=person, **args(police))


def test_one_subject_exactly(police):
    coord = coordinator(staffordshire())
    with pytest.raises(ValidationError):
        record_disruption(coord, **args(police))
    with pytest.raises(ValidationError):
        record_disruption(
            coord,
            person=PersonOfConcernFactory(source_agency=police),
            location=LocationFactory(source_agency=police),
            **args(police),
        )


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"kind": "other"}, "kind_detail"),
        ({"kind": "nonsense"}, "kind"),
        ({"date": london_today() + dt.timedelta(days=1)}, "date"),
        ({"date": None}, "date"),
        ({"review_date": london_today() - dt.timedelta(days=30)}, "review_date"),
    ],
)
def test_bad_input_is_refused_with_field_errors(police, extra, field):
    person = PersonOfConcernFactory(source_agency=police)
    with pytest.raises(ValidationError) as error:
        record_disruption(coordinator(staffordshire()), person=person, **args(police, **extra))
    assert field in error.value.message_dict
    assert not Disruption.objects.exists()


def test_the_agency_must_serve_the_area(police):
    person = PersonOfConcernFactory(source_agency=police)
    with pytest.raises(ValidationError) as error:
        record_disruption(coordinator(staffordshire()), person=person, **args(AgencyFactory()))
    assert "agency" in error.value.message_dict


def test_other_keeps_its_detail_and_others_drop_it(police):
    person = PersonOfConcernFactory(source_agency=police)
    coord = coordinator(staffordshire())
    other = record_disruption(
        coord, person=person, **args(police, kind="other", kind_detail=" Warning letter ")
    )
    assert other.kind_detail == "Warning letter"
    cawn = record_disruption(coord, person=person, **args(police, kind_detail="ignored"))
    assert cawn.kind_detail == ""


def test_update_checks_the_version_and_records_what_changed(police):
    person = PersonOfConcernFactory(source_agency=police)
    coord = coordinator(staffordshire())
    made = record_disruption(coord, person=person, **args(police))
    changed = update_disruption(
        coord, disruption=made, version=1, **args(police, kind="arrest", outcome="Charged.")
    )
    assert changed.version == 2 and changed.kind == "arrest"
    event = AuditEvent.objects.get(verb="updated", object_type="intelligence.disruption")
    assert event.changes["kind"] == ["cawn", "arrest"]
    assert event.changes["outcome"] == "changed"
    with pytest.raises(Conflict):
        update_disruption(coord, disruption=made, version=1, **args(police, kind="patrol"))
    made.refresh_from_db()
    assert made.kind == "arrest" and made.version == 2


def test_an_unchanged_save_is_no_event(police):
    person = PersonOfConcernFactory(source_agency=police)
    coord = coordinator(staffordshire())
    made = record_disruption(coord, person=person, **args(police))
    update_disruption(coord, disruption=made, version=1, **args(police))
    assert not AuditEvent.objects.filter(verb="updated").exists()
    made.refresh_from_db()
    assert made.version == 1


def test_auditors_and_other_areas_may_not_update(police):
    person = PersonOfConcernFactory(source_agency=police)
    made = record_disruption(coordinator(staffordshire()), person=person, **args(police))
    for user in (auditor(), coordinator(stoke()), agency_lead(AgencyFactory())):
        with pytest.raises(PermissionDenied):
            update_disruption(user, disruption=made, version=1, **args(police, kind="arrest"))


def test_a_merged_record_takes_no_new_disruption(police):
    kept = PersonOfConcernFactory(source_agency=police)
    merged = PersonOfConcernFactory(source_agency=police, merged_into=kept)
    with pytest.raises(ValidationError) as error:
        record_disruption(coordinator(staffordshire()), person=merged, **args(police))
    assert "person" in error.value.message_dict

"""Links and sightings: who may record them, what a link joins, grading, versions, ending,
and the links of a referral moving onto its case (intelligence/services/links.py)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from cases import services as case_services
from intelligence.models import Link, PersonOfConcern, Sighting
from intelligence.services import links as service
from panel.errors import Conflict
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
    make_referral,
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db

GRADED = {"source_evaluation": "B", "intelligence_assessment": "2"}


@pytest.fixture
def boss():
    return coordinator(staffordshire(), agency=AgencyFactory())


def test_a_coordinator_links_a_child_to_a_person(boss):
    case = make_case(coordinator_user=boss)
    person = PersonOfConcernFactory()
    link = service.record_link(
        boss, case=case, person=person, relationship="seen_with", detail="Fictional.", **GRADED
    )
    assert (link.case, link.person, link.area_id) == (case, person, person.area_id)
    assert link.source_agency == boss.agency
    event = AuditEvent.objects.get(verb="created", object_type="intelligence.link")
    assert event.case_reference == case.reference
    assert "Fictional" not in str(event.changes)


def test_a_granted_lead_records_but_a_not_granted_lead_may_not():
    granted, other = AgencyFactory(), AgencyFactory()
    grant_intelligence(granted)
    case = make_case(agencies=[granted, other])
    person = PersonOfConcernFactory()
    link = service.record_link(
        agency_lead(granted), case=case, person=person, relationship="seen_with", **GRADED
    )
    assert link.pk
    with pytest.raises((PermissionDenied, ValidationError)):
        service.record_link(
            agency_lead(other), case=case, person=person, relationship="seen_with", **GRADED
        )


def test_an_auditor_never_records(boss):
    case = make_case(coordinator_user=boss)
    with pytest.raises((PermissionDenied, ValidationError)):
        service.record_link(
            auditor(agency=AgencyFactory()), case=case, person=PersonOfConcernFactory(),
            relationship="seen_with", **GRADED,
        )  # fmt: skip
    assert not Link.objects.exists()


def test_the_case_must_be_one_the_actor_sees():
    granted = AgencyFactory()
    grant_intelligence(granted)
    case = make_case()  # granted is not involved
    with pytest.raises(PermissionDenied):
        service.record_link(
            agency_lead(granted), case=case, person=PersonOfConcernFactory(),
            relationship="seen_with", **GRADED,
        )  # fmt: skip


def test_the_record_must_be_visible_to_the_actor(boss):
    case = make_case(coordinator_user=boss)
    elsewhere = PersonOfConcernFactory(area=stoke())
    with pytest.raises(ValidationError):
        service.record_link(boss, case=case, person=elsewhere, relationship="seen_with", **GRADED)


def test_a_child_link_joins_exactly_one_record(boss):
    case = make_case(coordinator_user=boss)
    with pytest.raises(ValidationError) as error:
        service.record_link(
            boss, case=case, person=PersonOfConcernFactory(), location=LocationFactory(),
            relationship="seen_with", **GRADED,
        )  # fmt: skip
    assert "record" in error.value.message_dict


@pytest.mark.parametrize(
    "pair",
    [("person", "other_person"), ("person", "location"), ("person", "vehicle"),
     ("location", "vehicle")],
)  # fmt: skip
def test_record_links_of_each_allowed_shape(boss, pair):
    make = {
        "person": PersonOfConcernFactory, "other_person": PersonOfConcernFactory,
        "location": LocationFactory, "vehicle": VehicleFactory,
    }  # fmt: skip
    records = {name: make[name]() for name in pair}
    link = service.record_link(boss, relationship="associate", **records, **GRADED)
    assert not link.is_child_link


def test_a_record_link_needs_two_records_of_an_allowed_pair(boss):
    with pytest.raises(ValidationError):
        service.record_link(boss, location=LocationFactory(), relationship="other", **GRADED)
    person = PersonOfConcernFactory()
    with pytest.raises(ValidationError):
        service.record_link(
            boss, person=person, other_person=person, relationship="associate", **GRADED
        )


def test_grading_is_required_and_c_needs_its_conditions(boss):
    case = make_case(coordinator_user=boss)
    person = PersonOfConcernFactory()
    with pytest.raises(ValidationError) as error:
        service.record_link(
            boss, case=case, person=person, relationship="seen_with",
            source_evaluation="", intelligence_assessment="9",
        )  # fmt: skip
    assert {"source_evaluation", "intelligence_assessment"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        service.record_link(
            boss, case=case, person=person, relationship="seen_with", handling_code="C", **GRADED
        )
    assert "handling_conditions" in error.value.message_dict
    assert not Link.objects.exists()


def test_a_person_named_in_the_concerns_is_linked_at_triage_and_carried_to_the_case(boss):
    referral = make_referral()
    link = service.record_link(
        boss, referral=referral, new_person={"name": "Testperson-0099 Generated",
        "approximate_age": 25}, relationship="seen_with", **GRADED,
    )  # fmt: skip
    person = PersonOfConcern.objects.get(name="Testperson-0099 Generated")
    assert (link.person, link.case, person.area_id) == (person, None, referral.area_id)
    before = AuditEvent.objects.count()

    case = case_services.accept_referral(
        boss, referral=referral, reason="Test.", lead_agency=AgencyFactory()
    )

    link.refresh_from_db()
    assert (link.case, link.referral) == (case, referral)
    assert AuditEvent.objects.filter(
        pk__gt=0, verb="updated", object_type="intelligence.link", object_id=str(link.pk)
    ).exists()
    assert AuditEvent.objects.count() > before


def test_carry_refuses_someone_other_than_the_areas_coordinator(boss):
    referral = make_referral()
    case = make_case(coordinator_user=boss)
    with pytest.raises(PermissionDenied):
        service.carry_referral_links(coordinator(stoke()), referral=referral, case=case)


def test_update_is_version_checked_and_audited(boss):
    link = LinkFactory(case=make_case(coordinator_user=boss))
    updated = service.update_link(
        boss, link=link, version=1, relationship="gave_gifts", detail="New fictional.",
        handling_code="C", handling_conditions="Not beyond the panel.", **GRADED,
    )  # fmt: skip
    assert (updated.version, updated.grading) == (2, "B2C")
    event = AuditEvent.objects.get(verb="updated", object_type="intelligence.link")
    assert event.changes["detail"] == "changed"
    with pytest.raises(Conflict):
        service.update_link(boss, link=link, version=1, relationship="seen_with", **GRADED)


def test_ending_keeps_the_link_with_its_reason(boss):
    link = LinkFactory(case=make_case(coordinator_user=boss))
    with pytest.raises(ValidationError):
        service.end_link(boss, link=link, reason=" ")
    ended = service.end_link(boss, link=link, reason="Recorded against the wrong child.")
    assert ended.ended_at is not None and Link.objects.filter(pk=link.pk).exists()
    with pytest.raises(Conflict):
        service.end_link(boss, link=ended, reason="Again.")


def test_a_lead_who_cannot_see_a_c_link_may_not_change_it():
    granted = AgencyFactory()
    grant_intelligence(granted)
    link = LinkFactory(handling_code="C", handling_conditions="Not to be shared.")
    with pytest.raises(PermissionDenied):
        service.end_link(agency_lead(granted), link=link, reason="No.")


def test_a_sighting_needs_a_past_time_and_a_place(boss):
    link = LinkFactory(case=make_case(coordinator_user=boss))
    with pytest.raises(ValidationError) as error:
        service.add_sighting(boss, link=link, seen_at=timezone.now() + dt.timedelta(hours=2))
    assert {"seen_at", "place"} <= set(error.value.message_dict)
    seen = service.add_sighting(
        boss, link=link, seen_at=timezone.now() - dt.timedelta(hours=2), location=LocationFactory()
    )
    assert Sighting.objects.get() == seen
    assert AuditEvent.objects.filter(verb="created", object_type="intelligence.sighting").exists()


def test_a_sighting_location_must_be_visible(boss):
    link = LinkFactory(case=make_case(coordinator_user=boss))
    with pytest.raises(ValidationError):
        service.add_sighting(
            boss, link=link, seen_at=timezone.now(), location=LocationFactory(area=stoke())
        )

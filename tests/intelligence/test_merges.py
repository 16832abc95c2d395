"""intelligence/services/merges.py: coordinators merge duplicates, everything hanging on
the duplicate moves to the kept record, and undoing moves back exactly what moved."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.http import Http404

from audit.models import AuditEvent
from intelligence.models import Disruption, Link, Merge, PersonIdentifier, Sighting
from intelligence.services import merges
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
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db


def _disruption(person=None, location=None):
    subject = person or location
    return Disruption.objects.create(
        area=subject.area,
        person=person,
        location=location,
        kind="cawn",
        date="2026-01-05",
        agency=AgencyFactory(),
        recorded_by=subject.created_by,
    )


def test_merge_and_unmerge_a_person_round_trip():
    boss = coordinator(staffordshire())
    kept, dup, other = (PersonOfConcernFactory() for _ in range(3))
    child_link = LinkFactory(person=dup)
    between = LinkFactory(case=None, person=other, other_person=dup)
    to_kept = LinkFactory(case=None, person=kept, other_person=dup)  # stays: no self-link
    kept_link = LinkFactory(person=kept)
    alias = PersonIdentifier.objects.create(person=dup, kind="alias", value="Testalias")
    disruption = _disruption(person=dup)

    merge = merges.merge_records(boss, kind="person", kept=kept, merged=dup, reason="Same DOB.")

    dup.refresh_from_db()
    assert dup.merged_into == kept
    assert merge.moved == {
        "links": [child_link.pk],
        "links_other": [between.pk],
        "identifiers": [alias.pk],
        "disruptions": [disruption.pk],
    }
    assert set(Link.objects.filter(person=kept)) == {child_link, kept_link, to_kept}
    assert Link.objects.get(pk=between.pk).other_person == kept
    assert Link.objects.get(pk=to_kept.pk).other_person == dup
    event = AuditEvent.objects.get(object_type="intelligence.merge")
    assert event.changes["moved"] == {
        "links": 1,
        "links_other": 1,
        "identifiers": 1,
        "disruptions": 1,
    }

    undo = merges.unmerge(boss, merge=merge, reason="Different people after all.")

    assert undo.reverses == merge and undo.moved == merge.moved
    dup.refresh_from_db()
    assert dup.merged_into is None
    assert Link.objects.get(pk=child_link.pk).person == dup
    assert Link.objects.get(pk=between.pk).other_person == dup
    assert Link.objects.get(pk=kept_link.pk).person == kept
    assert PersonIdentifier.objects.get(pk=alias.pk).person == dup
    assert Disruption.objects.get(pk=disruption.pk).person == dup
    with pytest.raises(ValidationError):
        merges.unmerge(boss, merge=merge, reason="Again.")
    with pytest.raises(ValidationError):
        merges.unmerge(boss, merge=undo, reason="Undo the undo.")


def test_unmerge_moves_back_only_what_moved():
    boss = coordinator(staffordshire())
    kept, dup = LocationFactory(), LocationFactory()
    moved = LinkFactory(person=None, location=dup)
    merge = merges.merge_records(boss, kind="location", kept=kept, merged=dup, reason="Same.")
    later = LinkFactory(person=None, location=kept)  # recorded on the kept one after
    merges.unmerge(boss, merge=merge, reason="Not the same.")
    assert Link.objects.get(pk=moved.pk).location == dup
    assert Link.objects.get(pk=later.pk).location == kept


def test_sightings_at_a_location_move():
    boss = coordinator(staffordshire())
    kept, dup = LocationFactory(), LocationFactory()
    link = LinkFactory()
    sighting = Sighting.objects.create(
        link=link, seen_at="2026-01-01T10:00Z", location=dup, recorded_by=boss
    )
    merge = merges.merge_records(boss, kind="location", kept=kept, merged=dup, reason="Same.")
    assert merge.moved == {"sightings": [sighting.pk]}
    assert Sighting.objects.get(pk=sighting.pk).location == kept


def test_only_the_areas_coordinator_merges():
    police = AgencyFactory()
    grant_intelligence(police)
    kept, dup = VehicleFactory(), VehicleFactory()
    for who in (agency_lead(police), auditor(), coordinator(stoke())):
        with pytest.raises(PermissionDenied):
            merges.merge_records(who, kind="vehicle", kept=kept, merged=dup, reason="Same.")
    assert not Merge.objects.exists()


def test_two_areas_a_reason_and_two_records_are_needed():
    boss = coordinator(staffordshire())
    kept = VehicleFactory()
    with pytest.raises(ValidationError) as caught:
        merges.merge_records(boss, kind="vehicle", kept=kept, merged=kept, reason=" ")
    assert set(caught.value.message_dict) == {"merged", "reason"}
    both = coordinator(stoke())
    from panel.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=both, role=Role.COORDINATOR, area=staffordshire())
    both.refresh_from_db()
    elsewhere = VehicleFactory(area=stoke())
    with pytest.raises(ValidationError):
        merges.merge_records(both, kind="vehicle", kept=kept, merged=elsewhere, reason="Same.")


def test_an_invisible_record_is_missing():
    police = AgencyFactory()
    kept = PersonOfConcernFactory()
    hidden = PersonOfConcernFactory(
        source_agency=police, handling_code="C", handling_conditions="X"
    )
    boss = coordinator(staffordshire())
    merge = merges.merge_records(boss, kind="person", kept=kept, merged=hidden, reason="Same.")
    with pytest.raises(Http404):
        merges.unmerge(coordinator(stoke()), merge=merge, reason="No.")


def test_merges_are_append_only_in_the_database():
    boss = coordinator(staffordshire())
    kept, dup = VehicleFactory(), VehicleFactory()
    merge = merges.merge_records(boss, kind="vehicle", kept=kept, merged=dup, reason="Same.")
    with pytest.raises(DatabaseError), transaction.atomic():
        Merge.objects.filter(pk=merge.pk).update(reason="Edited.")
    with pytest.raises(DatabaseError), transaction.atomic():
        Merge.objects.filter(pk=merge.pk).delete()

"""Who sees intelligence: the area's coordinators, the leads of agencies granted the area
(P items and their own C items), auditors; no one else (intelligence/access.py)."""

import pytest

from intelligence.models import Link, Location, PersonOfConcern
from tests.factories import (
    AgencyFactory,
    LinkFactory,
    LocationFactory,
    PersonOfConcernFactory,
    UserFactory,
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


@pytest.fixture
def world():
    police = AgencyFactory(name="Test Police (fictional)")
    other = AgencyFactory(name="Test Health (fictional)", kind="health")
    grant_intelligence(police, staffordshire())
    p_item = PersonOfConcernFactory(source_agency=other)
    c_own = PersonOfConcernFactory(
        source_agency=police, handling_code="C", handling_conditions="Not to be shared."
    )
    c_other = PersonOfConcernFactory(
        source_agency=other, handling_code="C", handling_conditions="Not to be shared."
    )
    in_stoke = PersonOfConcernFactory(area=stoke(), source_agency=other)
    return police, other, p_item, c_own, c_other, in_stoke


def seen(user):
    return set(PersonOfConcern.objects.visible_to(user))


def test_the_areas_coordinators_see_every_item_of_their_area(world):
    _, _, p_item, c_own, c_other, in_stoke = world
    assert seen(coordinator(staffordshire())) == {p_item, c_own, c_other}
    assert seen(coordinator(stoke())) == {in_stoke}


def test_a_granted_agencys_leads_see_p_and_their_own_c_items(world):
    police, _, p_item, c_own, _, _ = world
    assert seen(agency_lead(police)) == {p_item, c_own}


def test_a_grant_is_a_row_not_the_agencys_kind(world):
    _, _, _, _, _, _ = world
    other_police = AgencyFactory(name="Test Police Two (fictional)", kind="police")
    assert seen(agency_lead(other_police)) == set()


def test_members_without_the_lead_role_referrers_and_staff_see_nothing(world):
    police = world[0]
    assert seen(referrer(agency=police)) == set()
    assert seen(UserFactory(agency=police)) == set()
    staff = agency_lead(police, is_staff=True)
    assert seen(staff) == set()


def test_auditors_see_everything(world):
    assert seen(auditor()) == set(world[2:])


def test_a_link_is_seen_in_full_only_with_every_record_it_joins(world):
    police, other, p_item, _, c_other, _ = world
    lead = agency_lead(police)
    case = make_case()
    visible = LinkFactory(case=case, person=p_item, source_agency=other)
    hidden_person = LinkFactory(case=case, person=c_other, source_agency=other)
    place = LocationFactory(source_agency=other, handling_code="C", handling_conditions="No.")
    hidden_place = LinkFactory(case=case, person=None, location=place, source_agency=other)
    assert set(Link.objects.visible_to(lead)) == {visible}
    assert set(Link.objects.visible_to(coordinator(staffordshire()))) == {
        visible,
        hidden_person,
        hidden_place,
    }
    assert Location.objects.visible_to(lead).count() == 0


def test_who_sees_the_case_sees_that_its_child_is_linked(world):
    _, _, p_item, _, _, _ = world
    case = make_case()
    link = LinkFactory(case=case, person=p_item)
    involved = case.involved_agencies.first()
    lead = agency_lead(involved)
    assert list(Link.objects.on_cases_visible_to(lead)) == [link]
    assert list(Link.objects.visible_to(lead)) == []
    assert list(Link.objects.on_cases_visible_to(agency_lead(AgencyFactory()))) == []


def test_who_may_record_and_merge(world):
    from intelligence.access import may_merge, may_record

    police, other, *_ = world
    area, elsewhere = staffordshire().pk, stoke().pk
    granted, not_granted = agency_lead(police), agency_lead(other)
    boss, reader = coordinator(staffordshire()), auditor()
    assert [may_record(u, area) for u in (boss, granted, not_granted, reader)] == [
        True, True, False, False,
    ]  # fmt: skip
    assert not may_record(boss, elsewhere) and not may_record(granted, elsewhere)
    assert not may_record(referrer(), area) and not may_record(None, area)
    assert not may_record(UserFactory(is_staff=True, is_superuser=True, agency=None), area)
    assert [may_merge(u, area) for u in (boss, granted, reader)] == [True, False, False]
    assert not may_merge(boss, elsewhere)


def test_auditors_see_every_sighting_with_or_without_a_location(world):
    # Found by the property test (tests/access/test_visible_to_property.py): the sighting
    # scope ORed "no location" with the auditor's empty Q, and Q(x) | Q() is Q(x) in
    # Django, so auditors saw only the sightings recorded without a location.
    from django.utils import timezone

    from intelligence.models import Sighting

    boss = coordinator(staffordshire())
    link = LinkFactory(person=world[2], recorded_by=boss)
    place = LocationFactory(created_by=boss)
    sightings = {
        Sighting.objects.create(link=link, seen_at=timezone.now(), location=where, recorded_by=boss)
        for where in (None, place)
    }
    assert set(Sighting.objects.visible_to(auditor())) == sightings
    assert set(Sighting.objects.visible_to(boss)) == sightings

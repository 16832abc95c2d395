"""The de-duplication table: pairs of records that must be offered as possible duplicates,
and pairs that must not (intelligence/matching.py)."""

import pytest

from intelligence import matching
from intelligence.models import PersonIdentifier
from tests.factories import (
    AgencyFactory,
    LocationFactory,
    PersonOfConcernFactory,
    VehicleFactory,
    agency_lead,
    coordinator,
    grant_intelligence,
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db


def _person(name, aliases=(), phones=(), handles=()):
    person = PersonOfConcernFactory(name=name)
    for kind, values in (("alias", aliases), ("phone", phones), ("handle", handles)):
        for value in values:
            PersonIdentifier.objects.create(person=person, kind=kind, value=value)
    return person


# (existing person, what is typed for the new one, must match)
PERSONS = [
    ({"name": "Testperson-0001 Generated"}, {"name": "testperson 0001 generated"}, True),
    ({"name": "Tëstpersön Generated"}, {"name": "Testperson Generated"}, True),
    ({"name": "Testperson Generated"}, {"name": "Test-Person  Generated"}, True),
    ({"name": "Testperson A", "aliases": ["Testy Gen"]}, {"name": "testy-gen"}, True),
    ({"name": "Testperson A"}, {"name": "Testy", "aliases": ["Testperson A"]}, True),
    ({"name": "Testperson A", "phones": ["+44 7700 900123"]}, {"phones": ["07700900123"]}, True),
    ({"name": "Testperson A", "phones": ["0044 7700 900123"]}, {"phones": ["07700 900 123"]}, True),
    ({"name": "Testperson A", "handles": ["@Test_Gen"]}, {"handles": ["test_gen"]}, True),
    ({"name": "Testperson A"}, {"name": "Testperson B"}, False),
    ({"name": "Testperson A", "phones": ["07700900123"]}, {"phones": ["07700900124"]}, False),
    ({"name": "Testperson A", "handles": ["test_gen"]}, {"handles": ["test_gen2"]}, False),
    # A phone number typed as a name is not a name.
    ({"name": "Testperson A", "phones": ["07700900123"]}, {"name": "07700900123"}, False),
]


@pytest.mark.parametrize(("existing", "typed", "match"), PERSONS)
def test_persons(existing, typed, match):
    person = _person(**existing)
    found = matching.person_candidates(coordinator(staffordshire()), **typed)
    assert [c.record for c in found] == ([person] if match else [])


VEHICLES = [
    ("AB12 CDE", "ab12cde", True),
    ("AB12 CDE", "AB12 C?E", True),
    ("AB12 C?E", "AB12 CDE", True),
    ("AB12 CDE", "AB*", True),
    ("AB*", "AB12 CDE", True),
    ("AB12 CDE", "*CDE", True),
    ("AB?2 CDE", "A??2 CDE", True),
    ("AB12*", "*CDE", True),
    ("AB12 CDE", "AB12 CDF", False),
    ("AB12 CDE", "AB12 C?F", False),
    ("AB12 CDE", "AB12 CDE1", False),
    ("AB?2 CDE", "AB?2 CD", False),
    ("AB*", "AC*", False),
    ("AB12 CDE", "*CDF", False),
]


@pytest.mark.parametrize(("existing", "typed", "match"), VEHICLES)
def test_vehicles(existing, typed, match):
    vehicle = VehicleFactory(registration=existing)
    found = matching.vehicle_candidates(coordinator(staffordshire()), registration=typed)
    assert [c.record for c in found] == ([vehicle] if match else [])


PLACE = {"name": "Testplace 12 Takeaway", "postcode": "ZZ9 9ZZ"}
NO_POSTCODE = {"name": "Testplace 12 Takeaway", "postcode": ""}
LOCATIONS = [
    (PLACE, {"postcode": "zz99zz"}, True),
    (PLACE, {"name": "TESTPLACE 12 takeaway"}, True),
    (PLACE, {"name": "Testplace 12", "postcode": "ZZ9 9ZY"}, False),
    (NO_POSTCODE, {"name": "Testplace 13 Takeaway"}, False),
    (NO_POSTCODE, {"name": "", "postcode": ""}, False),
]


@pytest.mark.parametrize(("existing", "typed", "match"), LOCATIONS)
def test_locations(existing, typed, match):
    location = LocationFactory(**existing)
    found = matching.location_candidates(coordinator(staffordshire()), **typed)
    assert [c.record for c in found] == ([location] if match else [])


def test_only_records_the_user_may_see_are_offered():
    police, health = AgencyFactory(), AgencyFactory(kind="health")
    grant_intelligence(police, staffordshire())
    _person("Testperson Hidden")
    PersonOfConcernFactory(
        name="Testperson Coded", source_agency=health, handling_code="C", handling_conditions="X"
    )
    PersonOfConcernFactory(name="Testperson Hidden", area=stoke())
    lead = agency_lead(police)
    assert len(matching.person_candidates(lead, name="Testperson Hidden")) == 1
    assert matching.person_candidates(lead, name="Testperson Coded") == []
    assert matching.person_candidates(agency_lead(), name="Testperson Hidden") == []


def test_merged_and_the_record_itself_are_not_offered():
    kept = _person("Testperson Same")
    PersonOfConcernFactory(name="Testperson Same", merged_into=kept)
    boss = coordinator(staffordshire())
    assert [c.record for c in matching.person_candidates(boss, name="Testperson Same")] == [kept]
    assert matching.person_candidates(boss, name="Testperson Same", exclude_pk=kept.pk) == []


def test_reasons_say_why():
    _person("Testperson A", phones=["07700900123"])
    (found,) = matching.person_candidates(
        coordinator(staffordshire()), name="Testperson A", phones=["07700 900123"]
    )
    assert found.reasons == ("name or alias", "phone number")

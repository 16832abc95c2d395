"""The catalogue's finders pick, for each role, only what that user's scope shows (never a
fixed id), and every page reverses with what they return."""

import pytest
from django.urls import reverse

from bench import pages
from cases.models import Case
from tests.factories import (
    AgencyFactory,
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    area = staffordshire()
    boss = coordinator(area)
    agency = AgencyFactory()
    practitioner = UserFactory(agency=agency)
    mine = make_case(
        area=area, coordinator_user=boss, agencies=[agency], lead_professional=practitioner
    )
    other = make_case(area=stoke())
    return {
        pages.COORDINATOR: boss,
        pages.AGENCY_LEAD: agency_lead(agency),
        pages.PRACTITIONER: practitioner,
        pages.AUDITOR: auditor(),
        "mine": mine,
        "other": other,
    }


def test_every_finder_returns_arguments_that_reverse_or_none(people):
    for page in pages.PAGES:
        for role in page.roles:
            user = people.get(role)
            if user is None:
                continue
            kwargs = page.kwargs(user)
            query = page.querystring(user)
            if kwargs is None or query is None:
                continue
            assert reverse(page.url_name, kwargs=kwargs), (page.label, role)


def test_case_finders_stay_inside_the_users_scope(people):
    for role in (pages.COORDINATOR, pages.AGENCY_LEAD, pages.PRACTITIONER):
        for finder in (pages.newest_case, pages.largest_case):
            found = finder(people[role])

            assert found == {"pk": people["mine"].pk}, (role, finder.__name__)
    # The auditor sees every case: the newest is the other area's.
    assert pages.newest_case(people[pages.AUDITOR]) == {"pk": people["other"].pk}
    assert Case.objects.count() == 2

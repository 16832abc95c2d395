"""Every API list of case data takes the same queries for 1 or 30 rows, for a user whose
scope has several parts (a coordinator who is also in an agency, an agency lead): the
per-row flags (which shape, whether a linked case or a repeat's earlier referral may be
named) are worked out in the list's own query, never per row. (Actions and reviews:
tests/cases/test_api_actions.py.)"""

import pytest
from django.utils import timezone

from cases.models import CaseNote
from tests.cases.test_api import area_agency, client_for
from tests.factories import agency_lead, coordinator, make_case, staffordshire
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

# roles, count, page, and each list's prefetches; then the page recorded as one "listed"
# event (its records in one insert, however many)
LISTS = {
    # the referrals' assessments
    "/api/v1/referrals/": 4,
    # (no prefetch)
    "/api/v1/children/": 3,
    # the assessments' answers
    "/api/v1/assessments/": 4,
    # (no prefetch)
    "/api/v1/notes/": 3,
    # the page's ids in order (cases.selectors.CasePaginator), the involved agencies
    "/api/v1/cases/": 5,
}


def _cases(rows):
    area = staffordshire()
    police = area_agency(area)
    boss = coordinator(area, agency=police)
    for _ in range(rows):
        case = make_case(area=area, agencies=[police], coordinator_user=boss)
        CaseNote.objects.create(case=case, author=boss, created_at=timezone.now(), text="A note.")
    return boss, agency_lead(police)


@pytest.mark.parametrize("rows", [1, 30])
@pytest.mark.parametrize("url", list(LISTS))
@pytest.mark.parametrize("who", ["coordinator", "agency lead"])
def test_each_api_list_takes_the_same_queries_for_1_or_30_rows(
    rows, url, who, django_assert_num_queries
):
    boss, lead = _cases(rows)
    api = client_for(boss if who == "coordinator" else lead)

    with django_assert_num_queries(LISTS[url] + audit_event_queries(listed_rows=True)):
        response = api.get(url)

    assert response.status_code == 200
    assert len(response.json()["results"]) >= rows

"""Date parameters on the API's list filters: an empty one is refused (400, with the
filter's field named), not silently ignored; the calendar's first and last days are dates
like any other (never a 500)."""

import pytest
from rest_framework.test import APIClient

from tests.factories import auditor, make_case

pytestmark = pytest.mark.django_db

# route -> (filter field, its parameters)
DATE_FILTERS = {
    "/api/v1/actions/": [("due", ("due_after", "due_before"))],
    "/api/v1/reviews/": [("due", ("due_after", "due_before"))],
    "/api/v1/cases/": [
        ("next_review_due", ("next_review_due_after", "next_review_due_before")),
        ("opened", ("opened_after", "opened_before")),
    ],
    "/api/v1/referrals/": [("referred", ("referred_after", "referred_before"))],
    "/api/v1/audit-events/": [("at", ("at_after", "at_before"))],
}
PARAMETERS = [
    (route, field, parameter)
    for route, filters in DATE_FILTERS.items()
    for field, parameters in filters
    for parameter in parameters
]


@pytest.fixture
def api():
    make_case()
    client = APIClient()
    client.raise_request_exception = False
    client.force_authenticate(auditor())  # the auditor may list every one of these
    return client


@pytest.mark.parametrize("route, field, parameter", PARAMETERS)
@pytest.mark.parametrize("empty", ["", " "])
def test_an_empty_date_parameter_is_refused_with_its_field(api, route, field, parameter, empty):
    response = api.get(f"{route}?{parameter}={empty}")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert any(parameter in message for message in response.json()[field])


@pytest.mark.parametrize("route, field, parameter", PARAMETERS)
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_first_and_last_days_of_the_calendar_are_dates(api, route, field, parameter, day):
    value = f"{day}T00:00:00Z" if field == "at" else day

    response = api.get(route, {parameter: value})

    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "parameter, value",
    [("at_after", "0001-01-01T00:00:00+01:00"), ("at_before", "9999-12-31T23:59:59-01:00")],
)
def test_a_date_time_with_no_utc_equivalent_is_refused_not_a_server_error(api, parameter, value):
    response = api.get("/api/v1/audit-events/", {parameter: value})

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["at"]


def test_a_date_filter_still_filters_and_a_bad_one_is_still_refused(api):
    assert api.get("/api/v1/cases/", {"opened_after": "2000-01-01"}).json()["count"] == 1
    assert api.get("/api/v1/cases/", {"opened_before": "2000-01-01"}).json()["count"] == 0
    response = api.get("/api/v1/cases/", {"opened_before": "yesterday"})
    assert response.status_code == 400
    assert list(response.json()) == ["opened"]


@pytest.mark.parametrize(
    "route", ["/api/v1/reviews/", "/api/v1/actions/", "/api/v1/assessments/", "/api/v1/notes/"]
)
@pytest.mark.parametrize("value", ["-2.8327998744926483e+248", "9223372036854775808"])
def test_an_id_filter_past_a_64_bit_integer_is_refused_not_a_server_error(api, route, value):
    response = api.get(route, {"case": value})

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["case"]

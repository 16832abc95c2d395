"""The schema documents the errors operations answer: 400 on writes and filtered lists,
403 on writes refused by role and on the auditors' trail, 404 on a record's routes, 429
(with Retry-After) on every throttled operation."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def paths():
    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


def codes(paths, method: str, path: str) -> set[str]:
    return set(paths[path][method]["responses"])


def test_errors_are_documented_where_operations_answer_them(paths):
    # Every operation is throttled: 429 everywhere (test_every_operation_documents_429).
    # Lists are paginated: a page that does not exist is a 404 (found by the schema fuzz).
    assert codes(paths, "get", "/api/v1/actions/") == {"200", "400", "404", "429"}
    assert codes(paths, "post", "/api/v1/actions/") == {"201", "400", "403", "415", "429"}
    assert codes(paths, "get", "/api/v1/cases/{id}/") == {"200", "404", "429"}
    assert codes(paths, "post", "/api/v1/cases/{id}/transition/") == {
        "200", "400", "403", "404", "409", "415", "429",
    }  # fmt: skip
    assert codes(paths, "get", "/api/v1/audit-events/") == {"200", "400", "403", "404", "429"}
    # Reference data without filters, and the signed-in user, have nothing to refuse
    # (but a page of areas that does not exist is not found).
    assert codes(paths, "get", "/api/v1/areas/") == {"200", "404", "429"}
    assert codes(paths, "get", "/api/v1/me/") == {"200", "429"}
    # A read only the area's coordinators may make (found by the schema fuzz).
    assert codes(paths, "get", "/api/v1/referrals/{id}/possible-duplicates/") == {
        "200", "403", "404", "429",
    }  # fmt: skip
    # Scoring saves nothing and is open to every signed-in user: never a 403.
    assert "403" not in codes(paths, "post", "/api/v1/risk-tools/{id}/score/")


def test_every_operation_with_an_id_documents_404(paths):
    missing = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        if "{" in path
        for method, operation in operations.items()
        if "404" not in operation["responses"]
    ]
    assert missing == []


def test_every_operation_documents_429_with_retry_after(paths):
    missing = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "Retry-After" not in operation["responses"].get("429", {}).get("headers", {})
    ]
    assert missing == []


@pytest.mark.django_db
def test_the_documented_404_body_is_what_the_api_answers():
    """What the schema says about a 404 is what the API answers."""
    from rest_framework.test import APIClient

    from tests.factories import coordinator

    api = APIClient()
    api.force_authenticate(coordinator())
    response = api.get("/api/v1/cases/999999/")
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        # Found by the schema fuzz (tests/access/test_schema_fuzz.py): an id the router's
        # pattern does not match reached Django's HTML 404 page, which the schema does
        # not describe.
        "/api/v1/referrals/-4.5/possible-duplicates/",
        "/api/v1/cases/1.5/",
        "/api/v1/no-such-collection/",
    ],
)
def test_an_api_path_no_route_matches_is_a_json_404(client, path):
    from tests.factories import coordinator

    client.force_login(coordinator())

    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_a_page_no_route_matches_is_still_the_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


@pytest.mark.django_db
def test_a_page_that_does_not_exist_is_a_documented_404(client, paths):
    from tests.factories import coordinator

    client.force_login(coordinator())

    response = client.get("/api/v1/areas/?page=999")

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}
    assert "404" in codes(paths, "get", "/api/v1/areas/")


@pytest.mark.django_db
def test_me_without_an_agency_is_null_as_the_schema_says(client):
    # Found by the schema fuzz: an auditor belongs to no agency; the schema said a string.
    from tests.factories import auditor

    client.force_login(auditor(agency=None))

    body = client.get("/api/v1/me/").json()

    assert body["agency"] is None
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["components"]["schemas"]["Me"]["properties"]["agency"]["nullable"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status"),
    [
        # Found by the schema fuzz on PostgreSQL, which refuses offsets past ±15:59.
        ("at_after=3078-06-20T23:05:44-21:09", 200),
        # No UTC moment exists for this one: it was an OverflowError, a 500.
        ("at_before=9999-12-31T23:59:59-10:00", 400),
        ("at_after=0001-01-01T00:00:00%2B10:00", 400),
    ],
)
def test_audit_date_times_with_any_offset_are_answered_not_500(client, query, status):
    from tests.factories import auditor

    client.force_login(auditor())

    response = client.get(f"/api/v1/audit-events/?{query}")

    assert response.status_code == status
    if status == 400:
        assert "at" in response.json()


def test_a_body_the_api_cannot_read_is_a_documented_415(client, django_user_model):
    """Writes document 415: a body sent with a media type no parser takes is refused with
    it, and nothing is saved."""
    from tests.factories import coordinator

    user = coordinator()
    client.force_login(user)
    response = client.post("/api/v1/notes/", data=b"\x00\x01", content_type="application/x-unknown")

    assert response.status_code == 415
    assert set(response.json()) == {"detail"}

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
    assert codes(paths, "get", "/api/v1/actions/") == {"200", "400", "429"}
    assert codes(paths, "post", "/api/v1/actions/") == {"201", "400", "403", "429"}
    assert codes(paths, "get", "/api/v1/cases/{id}/") == {"200", "404", "429"}
    assert codes(paths, "post", "/api/v1/cases/{id}/transition/") == {
        "200", "400", "403", "404", "409", "429",
    }  # fmt: skip
    assert codes(paths, "get", "/api/v1/audit-events/") == {"200", "400", "403", "429"}
    # Reference data without filters, and the signed-in user, have nothing to refuse.
    assert codes(paths, "get", "/api/v1/areas/") == {"200", "429"}
    assert codes(paths, "get", "/api/v1/me/") == {"200", "429"}
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

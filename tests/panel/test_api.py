import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from panel.accounts import create_api_token
from tests.factories import coordinator, staffordshire

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_the_api_needs_authentication(api):
    response = api.get("/api/v1/areas/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_areas_list_who_to_call_from_the_data(api):
    staffordshire()
    api.force_authenticate(coordinator())

    results = api.get("/api/v1/areas/").json()["results"]

    first = next(a for a in results if a["slug"] == "staffordshire")
    assert first["front_door_phone"] == "0800 1313 126"
    assert first["emergency"] == "999"


def test_me_says_who_i_am_with_a_token(api):
    user = coordinator()
    _, key = create_api_token(user, name="Test client", days=90)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    body = api.get("/api/v1/me/").json()

    assert body["username"] == user.username
    assert body["roles"] == [{"role": "coordinator", "area": "staffordshire"}]


def test_schema_and_docs_are_served_to_signed_in_users_only(client):
    assert client.get("/api/schema/").status_code in (401, 403)

    client.force_login(coordinator())
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn.jsdelivr" not in docs.content


def test_the_schema_validates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")

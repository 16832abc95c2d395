import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import PASSWORD, UserFactory, agency_lead, referrer

pytestmark = pytest.mark.django_db


def test_pages_need_a_signed_in_user(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/"


def test_signing_in_shows_the_home_page_with_name_agency_and_role(client):
    # An agency lead without an authenticator signs in with the password alone; a
    # coordinator must use two-factor sign-in (tests/panel/test_mfa.py).
    user = agency_lead(first_name="Demo", last_name="Lead-01")

    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Demo Lead-01" in page
    assert str(user.agency) in page
    assert "Agency lead" in page
    assert AuditEvent.objects.filter(actor=user, verb="logged_in").count() == 1


def test_a_wrong_password_re_renders_the_form_with_an_error_and_is_audited(client):
    user = UserFactory()

    response = client.post(reverse("login"), {"username": user.username, "password": "wrong"})

    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.get(verb="login_failed")
    assert failed.changes == {"username": user.username}


def test_signing_out_is_a_post_and_ends_the_session(client):
    user = referrer()
    client.force_login(user)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(actor=user, verb="logged_out").exists()


def test_the_sign_in_page_offers_no_navigation_and_says_call_999(client):
    page = client.get(reverse("login")).content.decode()

    assert "999" in page
    assert 'href="/admin/' not in page


def test_responses_carry_a_request_id_that_audit_events_record(client):
    user = UserFactory()
    response = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        HTTP_X_REQUEST_ID="req-0001",
        REMOTE_ADDR="192.0.2.10",
    )

    assert response["X-Request-ID"] == "req-0001"
    event = AuditEvent.objects.get(verb="logged_in")
    assert (event.request_id, event.client_address) == ("req-0001", "192.0.2.10")


def test_an_empty_sign_in_says_which_field_is_missing(client):
    page = client.post(reverse("login"), {"username": "", "password": ""}).content.decode()

    assert "Enter your username" in page
    assert "Enter your password" in page


def test_the_demo_strip_shows_only_in_demo_mode(client, settings):
    settings.DEMO_MODE = True
    assert "Fictional demo data only" in client.get(reverse("login")).content.decode()

    settings.DEMO_MODE = False
    assert "Fictional demo data only" not in client.get(reverse("login")).content.decode()


def test_not_found_and_forbidden_pages_are_the_services_own(client):
    client.force_login(referrer())

    missing = client.get("/cases/999999/")
    forbidden = client.get(reverse("cases:triage-queue"))

    assert missing.status_code == 404
    assert "Page not found" in missing.content.decode()
    assert forbidden.status_code == 403
    assert "You cannot do this" in forbidden.content.decode()

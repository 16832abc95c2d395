"""Your account (/account/) and API tokens (issue 9 points 1, 5 and 6): tokens hashed,
shown once, made and revoked only by their owner, refused after expiry, revocation or a
password change, never in the admin; every change audited without the key."""

import datetime as dt

import pytest
import time_machine
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from panel import accounts
from panel.models import ApiToken
from tests.factories import PASSWORD, UserFactory, coordinator, referrer

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "velvet-otter-harbour-7"


def api_with(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def events(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


# --- the overview ----------------------------------------------------------------------


def test_the_overview_shows_who_i_am_and_links_to_password_and_tokens(client):
    user = coordinator(first_name="Demo", last_name="Coordinator-07")
    client.force_login(user)

    page = client.get("/account/").content.decode()

    assert "Demo Coordinator-07" in page
    assert str(user.agency) in page
    assert "Panel coordinator, Staffordshire" in page
    assert reverse("account-password") in page
    assert reverse("account-tokens") in page
    assert 'aria-current="page"' in page and "Your account" in page


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for name in ["account", "account-password", "account-tokens", "account-token-new"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/?next=/account/")


# --- tokens: making, showing once, storing hashed ---------------------------------------


def test_a_token_is_made_by_its_owner_shown_once_and_stored_hashed(client):
    user = referrer()
    client.force_login(user)
    form = client.get("/account/tokens/new/").content.decode()
    assert 'value="90"' in form  # API_TOKEN_DEFAULT_DAYS

    response = client.post("/account/tokens/new/", {"name": "Export job", "days": "30"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = response.context["key"]
    assert key.startswith("sp_") and len(key) == 67
    assert key in response.content.decode()
    token = ApiToken.objects.get(user=user)
    assert token.name == "Export job"
    assert token.token_key == key[:15]
    assert key not in token.digest and len(token.digest) == 128
    assert timezone.now() + dt.timedelta(days=29) < token.expiry
    assert token.expiry < timezone.now() + dt.timedelta(days=31)
    # The key is nowhere in the database: not the token row, not the audit trail.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM panel_apitoken")
        assert key not in repr(cursor.fetchall())
    created = events(verb="created", object_type="panel.apitoken")
    assert len(created) == 1
    assert created[0].actor == user
    assert created[0].changes["name"] == "Export job"
    assert key not in repr(created[0].changes)
    # Not shown again: the list has its prefix only.
    listing = client.get("/account/tokens/").content.decode()
    assert "Export job" in listing
    assert token.token_key in listing
    assert key not in listing

    assert api_with(key).get("/api/v1/me/").json()["username"] == user.username


def test_the_token_form_refuses_a_missing_name_and_too_many_days(client, settings):
    settings.API_TOKEN_MAX_DAYS = 365
    client.force_login(referrer())

    response = client.post("/account/tokens/new/", {"name": "", "days": "366"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter a name for the token" in page
    assert "The number of days must be 365 or fewer" in page
    assert not ApiToken.objects.exists()


def test_the_service_refuses_days_beyond_the_maximum(settings):
    settings.API_TOKEN_MAX_DAYS = 10
    with pytest.raises(Exception, match="between 1 and 10"):
        accounts.create_api_token(referrer(), name="Too long", days=11)
    assert not ApiToken.objects.exists()


def test_the_list_shows_only_my_own_tokens(client):
    mine, theirs = referrer(), referrer()
    accounts.create_api_token(mine, name="Mine (fictional)", days=5)
    accounts.create_api_token(theirs, name="Theirs (fictional)", days=5)
    client.force_login(mine)

    page = client.get("/account/tokens/").content.decode()

    assert "Mine (fictional)" in page
    assert "Theirs (fictional)" not in page


# --- tokens: refused after expiry, revocation, password change --------------------------


def test_a_token_works_until_it_expires_then_gets_401():
    user = referrer()
    with time_machine.travel(dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC), tick=False):
        _, key = accounts.create_api_token(user, name="Short", days=7)
    with time_machine.travel(dt.datetime(2030, 1, 8, 11, 59, tzinfo=dt.UTC), tick=False):
        assert api_with(key).get("/api/v1/me/").status_code == 200
    with time_machine.travel(dt.datetime(2030, 1, 8, 12, 1, tzinfo=dt.UTC), tick=False):
        response = api_with(key).get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_token_gets_401_and_the_revocation_is_audited(client):
    user = referrer()
    token, key = accounts.create_api_token(user, name="To revoke", days=30)
    assert api_with(key).get("/api/v1/me/").status_code == 200
    client.force_login(user)

    confirm = client.get(f"/account/tokens/{token.pk}/revoke/")
    assert "Revoke the API token" in confirm.content.decode()
    assert ApiToken.objects.filter(pk=token.pk).exists()  # a GET changes nothing
    response = client.post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert response["Location"] == reverse("account-tokens")
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert api_with(key).get("/api/v1/me/").status_code == 401
    [revoked] = events(verb="updated", object_type="panel.apitoken")
    assert revoked.actor == user
    assert revoked.object_id == str(token.pk)
    assert revoked.changes["revoked"] is True


def test_nobody_sees_or_revokes_another_persons_token(client):
    owner, other = referrer(), coordinator()
    token, key = accounts.create_api_token(owner, name="Owner's", days=30)
    client.force_login(other)
    missing = client.get("/account/tokens/999999/revoke/")

    for method in (client.get, client.post):
        response = method(f"/account/tokens/{token.pk}/revoke/")
        assert response.status_code == 404
        assert response.content == missing.content

    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert api_with(key).get("/api/v1/me/").status_code == 200
    denied = events(verb="denied", object_type="panel.apitoken")
    assert [(e.actor, e.object_id) for e in denied] == [(other, str(token.pk))] * 2
    with pytest.raises(Exception, match="your own"):
        accounts.revoke_api_token(other, token=token)


def test_changing_my_password_keeps_me_signed_in_ends_other_sessions_and_revokes_tokens():
    user = referrer()
    _, key = accounts.create_api_token(user, name="Before", days=30)
    here, elsewhere = Client(), Client()
    here.force_login(user)
    elsewhere.force_login(user)

    response = here.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account")
    page = here.get("/account/").content.decode()
    assert "Your password has been changed" in page
    assert "API token was revoked" in page
    assert elsewhere.get("/account/").status_code == 302  # sent to sign in
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert api_with(key).get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()
    [changed] = events(verb="updated", object_type="panel.user")
    assert changed.changes == {"password": "changed"}
    assert changed.actor == user
    [revoked] = events(verb="updated", object_type="panel.apitoken")
    assert revoked.changes["revoked"] is True
    assert revoked.changes["reason"] == "password changed"
    assert NEW_PASSWORD not in repr([e.changes for e in AuditEvent.objects.all()])


def test_a_password_change_with_errors_changes_nothing(client):
    user = referrer()
    _, key = accounts.create_api_token(user, name="Kept", days=30)
    client.force_login(user)

    response = client.post(
        "/account/password/",
        {"old_password": "wrong", "new_password1": "aaaaaaaaaaaa", "new_password2": "x"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Your current password is not right" in page
    assert "The new passwords do not match" in page
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert api_with(key).get("/api/v1/me/").status_code == 200
    assert not events(verb="updated")


def test_the_password_rules_are_on_the_page_and_errors_go_on_the_new_password(client):
    user = referrer()
    client.force_login(user)
    assert "more than 3 times in a row" in client.get("/account/password/").content.decode()

    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "aaaaaaaaaaaa",
            "new_password2": "aaaaaaaaaaaa",
        },
    )

    form = response.context["form"]
    assert list(form.errors) == ["new_password1"]
    assert "repeats the same character" in response.content.decode()


# --- the admin -------------------------------------------------------------------------


def test_tokens_are_not_in_the_admin_at_all(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, agency=None))
    accounts.create_api_token(referrer(), name="Fictional", days=5)

    assert ApiToken not in admin.site._registry
    assert all("token" not in model._meta.model_name for model in admin.site._registry)
    page = client.get("/admin/").content.decode()
    assert "api token" not in page.lower() and "auth token" not in page.lower()
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert client.get("/admin/knox/authtoken/").status_code == 404
    assert client.get("/admin/panel/apitoken/").status_code == 404


def test_an_admin_password_change_is_audited_and_revokes_the_persons_tokens(client):
    staff = UserFactory(is_staff=True, is_superuser=True, agency=None)
    user = referrer()
    _, key = accounts.create_api_token(user, name="Before reset", days=30)
    client.force_login(staff)

    response = client.post(
        f"/admin/panel/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert api_with(key).get("/api/v1/me/").status_code == 401
    [changed] = events(verb="updated", object_type="panel.user")
    assert (changed.actor, changed.object_id) == (staff, str(user.pk))
    assert changed.changes == {"password": "changed"}
    [revoked] = events(verb="updated", object_type="panel.apitoken")
    assert revoked.actor == staff


def test_an_admin_password_change_refused_by_the_rules_changes_nothing(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, agency=None))
    user = referrer()
    _, key = accounts.create_api_token(user, name="Kept", days=30)

    response = client.post(
        f"/admin/panel/user/{user.pk}/password/",
        {"password1": "Password1234", "password2": "Password1234", "usable_password": "true"},
    )

    assert response.status_code == 200
    assert api_with(key).get("/api/v1/me/").status_code == 200
    assert not events(verb="updated")


# --- upgrading -------------------------------------------------------------------------


def test_upgrading_drops_drfs_plain_text_tokens():
    """Migration panel/0003 removes DRF's authtoken table and its migration records, so no
    plain-text key survives an upgrade (and a fresh database never had one)."""
    import importlib

    from tests.db_owner import owner_connection

    migration = importlib.import_module("panel.migrations.0003_drop_drf_tokens").Migration
    # As migrations run: by the database owner (the app's own role may not create tables).
    owner = owner_connection()
    with owner.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id int)")
        cursor.execute("INSERT INTO authtoken_token VALUES ('plain-text-key-fictional', 1)")
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('authtoken', '0001_initial', CURRENT_TIMESTAMP)"
        )
        for operation in migration.operations:
            for statement in operation.sql:
                cursor.execute(statement)
        tables = owner.introspection.table_names(cursor)
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'authtoken'")
        assert cursor.fetchone() == (0,)
    assert "authtoken_token" not in tables
    assert "panel_apitoken" in tables

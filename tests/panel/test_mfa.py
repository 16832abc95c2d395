"""Two-factor sign-in (issue 9 point 3, ASVS V2): TOTP and recovery codes with django-otp.

Coordinators, auditors and staff must use it; agency leads and referrers may (all must with
MFA_REQUIRED_FOR_ALL). The sign-in is two steps and ``login()`` happens after both; a
session that has not passed the second step reaches nothing but the two-factor pages.
These tests sign in through the pages, or opt out of conftest's force_login shortcut with
@pytest.mark.mfa_unverified."""

import datetime as dt
import json
import re

import pytest
import time_machine
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from audit.models import AuditEvent
from panel import mfa
from tests.factories import (
    PASSWORD,
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    referrer,
    totp_code,
    with_authenticator,
)
from tests.panel.test_home import COORDINATOR_HOME_QUERIES

pytestmark = pytest.mark.django_db

SIGN_IN = "/sign-in/"
CODE = "/sign-in/code/"
SETUP = "/account/two-factor/set-up/"
CODES = "/account/two-factor/recovery-codes/"
OVERVIEW = "/account/two-factor/"


def staff(**kwargs):
    return UserFactory(is_staff=True, is_superuser=True, agency=None, **kwargs)


def password_step(client, user, **extra):
    return client.post(SIGN_IN, {"username": user.username, "password": PASSWORD, **extra})


def signed_in_as(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def events(verb: str, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb, **filters).order_by("id"))


def setup_code(client) -> str:
    """Read the secret key off the set-up page, as a person typing it into an app would."""
    page = client.get(SETUP).content.decode()
    key = re.search(r'id="mfa-secret-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    device = TOTPDevice.objects.get(confirmed=False)
    assert mfa.secret_key(device).replace(" ", "") == key
    return totp_code(device)


# --- who must use it ---------------------------------------------------------------------


@pytest.mark.parametrize("make", [coordinator, auditor, staff], ids=["coord", "auditor", "staff"])
def test_a_required_role_without_an_authenticator_is_taken_to_set_it_up(client, make):
    user = make()

    response = password_step(client, user)

    assert response.status_code == 302
    assert response["Location"] == SETUP
    # Not signed in yet: every other page still asks for the sign-in.
    assert signed_in_as(client) is None
    assert client.get("/")["Location"] == "/sign-in/?next=/"
    assert events("logged_in") == []


@pytest.mark.parametrize("make", [agency_lead, referrer], ids=["lead", "referrer"])
def test_an_optional_role_signs_in_with_the_password_alone(client, make):
    user = make()

    response = password_step(client, user)

    assert response["Location"] == "/"
    assert signed_in_as(client) == user.pk
    assert client.get("/").status_code == 200


def test_everyone_must_set_it_up_when_the_setting_says_so(client, settings):
    settings.MFA_REQUIRED_FOR_ALL = True

    assert password_step(client, referrer())["Location"] == SETUP
    assert signed_in_as(client) is None


def test_the_setting_defaults_to_optional_for_leads_and_referrers():
    from django.conf import settings

    assert settings.MFA_REQUIRED_FOR_ALL is False
    assert settings.OTP_TOTP_THROTTLE_FACTOR >= 1
    assert settings.OTP_STATIC_THROTTLE_FACTOR >= 1


# --- setting it up at sign-in -------------------------------------------------------------


def test_set_up_at_sign_in_confirms_signs_in_once_and_shows_ten_codes_once(client):
    user = coordinator()
    password_step(client, user, next="/cases/")
    page = client.get(SETUP).content.decode()
    assert "<svg" in page and "mfa-qr-title" in page
    assert "otpauth://totp/Safeguard%20Panel%3A" in page

    response = client.post(SETUP, {"code": setup_code(client)})

    assert response["Location"] == CODES
    assert signed_in_as(client) == user.pk
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed
    assert len(events("logged_in", actor=user)) == 1
    created = events("created", object_type="otp_totp.totpdevice")
    assert [(e.actor_id, e.object_id) for e in created] == [(user.pk, str(device.pk))]
    shown = client.get(CODES)
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", shown.content.decode())
    assert len(codes) == 10
    assert sorted(codes) == sorted(StaticToken.objects.values_list("token", flat=True))
    assert 'href="/cases/"' in shown.content.decode()  # continue to where they were going
    # Shown once: the page does not show them again.
    assert client.get(CODES)["Location"] == OVERVIEW
    assert client.get("/cases/").status_code == 200


def test_a_wrong_set_up_code_is_refused_and_nobody_is_signed_in(client):
    user = coordinator()
    password_step(client, user)
    client.get(SETUP)

    response = client.post(SETUP, {"code": "000000"})

    assert response.status_code == 200
    assert "The code is not right" in response.content.decode()
    assert signed_in_as(client) is None
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    failed = events("login_failed")
    assert [(e.object_id, e.changes) for e in failed] == [
        (str(user.pk), {"step": "two-factor set-up"})
    ]


def test_reloading_the_set_up_page_keeps_the_same_secret(client):
    password_step(client, coordinator())

    first = re.search(r'id="mfa-secret-key">([^<]+)<', client.get(SETUP).content.decode())
    again = re.search(r'id="mfa-secret-key">([^<]+)<', client.get(SETUP).content.decode())

    assert first.group(1) == again.group(1)
    assert TOTPDevice.objects.count() == 1


def test_the_set_up_page_has_no_inline_style_or_script(client):
    password_step(client, coordinator())

    page = client.get(SETUP).content.decode()

    assert "style=" not in page
    assert "<script>" not in page and " on" + "load=" not in page


def test_the_set_up_page_needs_a_password_first(client):
    response = client.get(SETUP)

    assert response["Location"] == SIGN_IN


# --- the code step ------------------------------------------------------------------------


def test_a_user_with_an_authenticator_is_signed_in_only_after_the_code(client):
    user = coordinator()
    device = with_authenticator(user)

    assert password_step(client, user, next="/cases/")["Location"] == CODE
    assert signed_in_as(client) is None
    assert events("logged_in") == []
    assert client.get(CODE).status_code == 200

    response = client.post(CODE, {"code": totp_code(device)})

    assert response["Location"] == "/cases/"
    assert signed_in_as(client) == user.pk
    assert client.session[mfa.VERIFIED_SESSION_KEY] is True
    assert len(events("logged_in", actor=user)) == 1
    assert client.get("/cases/").status_code == 200


def test_the_next_address_is_still_checked(client):
    user = coordinator()
    device = with_authenticator(user)

    password_step(client, user, next="https://elsewhere.example/steal")
    response = client.post(CODE, {"code": totp_code(device)})

    assert response["Location"] == "/"


def test_a_wrong_code_is_refused_audited_without_the_code_and_throttled(client):
    user = auditor()
    device = with_authenticator(user)
    password_step(client, user)

    wrong = client.post(CODE, {"code": "123456" if totp_code(device) != "123456" else "654321"})

    assert wrong.status_code == 200
    page = wrong.content.decode()
    assert "There is a problem" in page
    assert "The code is not right" in page
    assert signed_in_as(client) is None
    failed = events("login_failed")
    assert [(f.actor_id, f.object_id, f.changes) for f in failed] == [
        (None, str(user.pk), {"step": "two-factor"})
    ]
    assert "123456" not in json.dumps(failed[0].changes)
    # django-otp's throttle: straight after a failure even the right code is refused.
    throttled = client.post(CODE, {"code": totp_code(device)})
    assert "Too many wrong codes" in throttled.content.decode()
    assert signed_in_as(client) is None


def test_an_empty_code_says_what_to_enter(client):
    user = coordinator()
    with_authenticator(user)
    password_step(client, user)

    page = client.post(CODE, {"code": ""}).content.decode()

    assert "Enter the 6-digit code from your authenticator app" in page
    assert events("login_failed") == []


def test_a_code_is_accepted_once(client):
    user = coordinator()
    device = with_authenticator(user)
    code = totp_code(device)
    password_step(client, user)
    client.post(CODE, {"code": code})
    client.post(reverse("logout"))

    other = Client()
    password_step(other, user)
    response = other.post(CODE, {"code": code})

    assert response.status_code == 200
    assert signed_in_as(other) is None


def test_the_step_between_password_and_code_expires(client):
    user = coordinator()
    device = with_authenticator(user)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        password_step(client, user)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 6, tzinfo=dt.UTC), tick=False):
        response = client.post(CODE, {"code": totp_code(device)})

    assert response["Location"] == SIGN_IN
    assert signed_in_as(client) is None
    assert "timed out" in client.get(SIGN_IN).content.decode()


def test_the_code_page_without_a_password_goes_back_to_sign_in(client):
    assert client.get(CODE)["Location"] == SIGN_IN


def test_a_recovery_code_signs_in_once(client):
    user = coordinator()
    with_authenticator(user)
    recovery = mfa.regenerate_recovery_codes(user)[0]

    password_step(client, user)
    response = client.post(CODE, {"code": recovery.upper()})

    assert response["Location"] == "/"
    assert signed_in_as(client) == user.pk
    assert mfa.recovery_codes_left(user) == 9
    client.post(reverse("logout"))

    password_step(client, user)
    again = client.post(CODE, {"code": recovery})
    assert "The code is not right" in again.content.decode()
    assert signed_in_as(client) is None


# --- the middleware ------------------------------------------------------------------------


@pytest.mark.mfa_unverified
@pytest.mark.parametrize("make", [coordinator, auditor, staff], ids=["coord", "auditor", "staff"])
def test_a_required_role_reaches_no_page_before_setting_it_up(client, make):
    client.force_login(make())

    for path in ["/", "/cases/", "/notifications/", "/audit/", "/admin/", "/referrals/new/"]:
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, SETUP), path
    api = client.get("/api/v1/me/")
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"
    assert client.get(SETUP).status_code == 200
    assert client.get(OVERVIEW).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


@pytest.mark.mfa_unverified
def test_setting_it_up_when_sent_there_marks_the_session(client):
    user = coordinator()
    client.force_login(user)

    response = client.post(SETUP, {"code": setup_code(client)})

    assert response["Location"] == CODES
    assert client.get(CODES).status_code == 200
    assert client.get("/").status_code == 200


@pytest.mark.mfa_unverified
def test_an_unverified_session_with_an_authenticator_signs_in_again(client):
    user = coordinator()
    with_authenticator(user)
    client.force_login(user)

    assert client.get("/")["Location"] == SETUP
    assert client.get(SETUP)["Location"] == SIGN_IN
    assert signed_in_as(client) is None


@pytest.mark.mfa_unverified
def test_api_calls_without_a_session_are_not_affected():
    api = APIClient()
    api.force_authenticate(coordinator())

    assert api.get("/api/v1/me/").status_code == 200


@pytest.mark.mfa_unverified
def test_optional_roles_are_not_held_back(client):
    client.force_login(referrer())

    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_the_middleware_adds_no_query_to_a_page(client, django_assert_num_queries):
    client.force_login(coordinator())

    # Exactly the home page's own queries (tests/panel/test_home.py): the two-factor check
    # reads the session already loaded.
    with django_assert_num_queries(COORDINATOR_HOME_QUERIES):
        assert client.get("/").status_code == 200


@pytest.mark.mfa_unverified
def test_the_middleware_adds_no_query_for_an_optional_role(client, settings):
    client.force_login(referrer())

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    with_check = count()
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "panel.mfa.TwoFactorMiddleware"]
    assert count() == with_check


def test_force_login_in_tests_marks_the_session(client):
    """conftest's shortcut, so the rest of the suite needs no authenticator."""
    client.force_login(coordinator())

    assert client.session[mfa.VERIFIED_SESSION_KEY] is True
    assert client.get("/").status_code == 200


# --- the account page ---------------------------------------------------------------------


def test_an_optional_user_opts_in_from_the_account_page(client):
    user = referrer()
    password_step(client, user)
    page = client.get(OVERVIEW).content.decode()
    assert "Off" in page and "No, but recommended" in page

    client.post(SETUP, {"code": setup_code(client)})
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", client.get(CODES).content.decode())

    assert len(codes) == 10
    overview = client.get(OVERVIEW).content.decode()
    assert "On: you sign in with a code" in overview
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    # The next sign-in asks for the code.
    client.post(reverse("logout"))
    assert password_step(client, user)["Location"] == CODE


def test_new_recovery_codes_void_the_old_and_are_audited_without_the_codes(client):
    user = auditor()
    with_authenticator(user)
    old = mfa.regenerate_recovery_codes(user)
    client.force_login(user)

    response = client.post(CODES)

    assert response["Location"] == CODES
    new = re.findall(r"<li><code>([a-z2-7]+)</code></li>", client.get(CODES).content.decode())
    assert len(new) == 10
    assert not set(old) & set(StaticToken.objects.values_list("token", flat=True))
    assert StaticDevice.objects.filter(user=user).count() == 1
    updated = events("updated", object_type="panel.user", object_id=str(user.pk))
    assert len(updated) == 2
    recorded = json.dumps([e.changes for e in AuditEvent.objects.all()])
    for code in old + new:
        assert code not in recorded
    assert TOTPDevice.objects.get(user=user).key not in recorded


def test_recovery_codes_need_an_authenticator(client):
    client.force_login(referrer())

    assert client.post(CODES).status_code == 403


# --- the admin -----------------------------------------------------------------------------


def test_the_admin_login_is_the_apps_sign_in(client):
    response = client.get("/admin/login/?next=/admin/panel/area/")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=%2Fadmin%2Fpanel%2Farea%2F"
    # Posting a password to it signs nobody in.
    admin_user = staff()
    client.post("/admin/login/", {"username": admin_user.username, "password": PASSWORD})
    assert signed_in_as(client) is None


def test_staff_reach_the_admin_through_sign_in_and_code(client):
    admin_user = staff()
    device = with_authenticator(admin_user)

    to_sign_in = client.get("/admin/", follow=True)
    assert to_sign_in.redirect_chain[-1][0] == "/sign-in/?next=%2Fadmin%2F"
    password_step(client, admin_user, next="/admin/")
    response = client.post(CODE, {"code": totp_code(device)})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_signed_in_non_staff_user_is_refused_the_admin_login(client):
    client.force_login(referrer())

    assert client.get("/admin/login/").status_code == 403


def test_the_admin_does_not_list_second_factors():
    assert TOTPDevice not in admin.site._registry
    assert StaticDevice not in admin.site._registry


def test_resetting_someones_two_factor_is_audited_and_they_set_it_up_again(client):
    admin_user = staff()
    user = coordinator()
    with_authenticator(user)
    mfa.regenerate_recovery_codes(user)
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:panel_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [user.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    reset = events("updated", actor=admin_user, object_id=str(user.pk))
    assert [e.changes for e in reset] == [
        {"two_factor": "reset by an administrator", "devices_removed": 2}
    ]
    other = Client()
    assert password_step(other, user)["Location"] == SETUP


def test_nobody_resets_their_own_two_factor(client):
    admin_user = staff()
    with_authenticator(admin_user)
    client.force_login(admin_user)

    client.post(
        reverse("admin:panel_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [admin_user.pk]},
    )

    assert TOTPDevice.objects.filter(user=admin_user).exists()
    assert events("updated", object_id=str(admin_user.pk)) == []


def test_only_staff_may_reset_two_factor():
    user = coordinator()
    with_authenticator(user)

    with pytest.raises(PermissionDenied):
        mfa.reset_mfa(coordinator(), user=user)
    assert TOTPDevice.objects.filter(user=user).exists()


# --- demo data ----------------------------------------------------------------------------


def test_demo_users_get_the_documented_demo_secret_in_debug_only(settings, capsys):
    from panel.management.commands.seed_demo import DEMO_TOTP_SECRET, USERS

    settings.DEBUG = True
    call_command("seed_demo")

    devices = TOTPDevice.objects.filter(confirmed=True, user__username__startswith="demo.")
    assert devices.count() == len(USERS)
    assert {mfa.secret_key(d).replace(" ", "") for d in devices} == {DEMO_TOTP_SECRET}
    call_command("demo_code")
    assert re.fullmatch(r"\d{6}\n", capsys.readouterr().out.splitlines(keepends=True)[-1])

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_code")


@override_settings(DEBUG=False)
def test_seed_demo_forced_without_debug_gives_no_demo_secret():
    call_command("seed_demo", "--force")

    assert not TOTPDevice.objects.exists()


def test_drf_force_login_marks_the_session_too():
    api = APIClient()
    api.force_login(coordinator())

    assert api.get("/api/v1/me/").status_code == 200


def test_resetting_someones_two_factor_ends_their_open_sessions():
    """Found walking it through: after a reset for a lost phone the person's browser stayed
    signed in. Every session of theirs ends; other people's stay."""
    person, bystander = coordinator(), coordinator()
    with_authenticator(person)
    theirs, other = Client(), Client()
    theirs.force_login(person)
    other.force_login(bystander)
    assert theirs.get(reverse("home")).status_code == 200

    mfa.reset_mfa(staff(), user=person)

    assert theirs.get(reverse("home")).status_code == 302
    assert other.get(reverse("home")).status_code == 200

"""Sign-in lockout (django-axes): five failures for one username from one address lock that
pair out for the cooling-off period, even with the right password; other addresses and
other usernames are not affected; a made-up username is treated exactly the same; lockouts
and unlocks are on the audit trail."""

import datetime as dt
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from tests.factories import PASSWORD, UserFactory, coordinator

pytestmark = pytest.mark.django_db

HERE = "192.0.2.10"
ELSEWHERE = "198.51.100.7"


def sign_in(client, username, password, address=HERE, **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def fail(client, username, times, address=HERE):
    return [sign_in(client, username, "not-the-password", address) for _ in range(times)]


def signed_in(response) -> bool:
    """The password was accepted: on to home or, for a coordinator (who must use two
    factors), on to the code step or setting up an authenticator."""
    past_the_password = {reverse("home"), reverse("sign-in-code"), reverse("account-mfa-setup")}
    return response.status_code == 302 and response["Location"] in past_the_password


def test_five_failures_lock_the_account_at_that_address_even_with_the_right_password(
    client, settings
):
    user = coordinator()

    first_four = fail(client, user.username, 4)
    fifth = fail(client, user.username, 1)[0]
    sixth = sign_in(client, user.username, PASSWORD)

    assert [r.status_code for r in first_four] == [200] * 4
    assert "Enter a correct username and password" in first_four[-1].content.decode()
    for locked in (fifth, sixth):
        assert locked.status_code == 429
        assert locked["Retry-After"] == str(settings.SIGN_IN_COOL_OFF_MINUTES * 60)
        page = locked.content.decode()
        assert "There have been too many attempts to sign in. Wait 30 minutes" in page
        assert "govuk-error-summary" in page
        assert f'value="{user.username}"' in page
    assert "_auth_user_id" not in client.session


def test_after_the_cooling_off_period_the_right_password_works_again(client):
    user = coordinator()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, user.username, 5)
        assert sign_in(client, user.username, PASSWORD).status_code == 429

    # The refused attempt at `start` restarted the 30 minutes: 29 later it is still locked.
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert sign_in(client, user.username, PASSWORD).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=29 + 31), tick=False):
        assert signed_in(sign_in(client, user.username, PASSWORD))


def test_the_same_username_from_another_address_is_not_locked(client):
    user = coordinator()
    fail(client, user.username, 5, address=HERE)

    assert signed_in(sign_in(client, user.username, PASSWORD, address=ELSEWHERE))


def test_another_username_from_the_same_address_is_not_locked(client):
    attacked, colleague = coordinator(), UserFactory()
    fail(client, attacked.username, 5, address=HERE)

    assert signed_in(sign_in(client, colleague.username, PASSWORD, address=HERE))


def test_a_made_up_username_is_locked_out_the_same_way_with_the_same_page(client):
    real = coordinator()

    real_responses = fail(client, real.username, 6)
    made_up_responses = fail(client, "no-such-user", 6)

    assert [r.status_code for r in real_responses] == [r.status_code for r in made_up_responses]
    assert [r.status_code for r in made_up_responses] == [200] * 4 + [429] * 2

    def page(response, username):
        text = response.content.decode().replace(username, "USERNAME")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)

    for real_page, made_up_page in zip(real_responses, made_up_responses, strict=True):
        assert page(real_page, real.username) == page(made_up_page, "no-such-user")


def test_behind_a_trusted_proxy_each_forwarded_client_counts_alone(client, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    user = coordinator()
    for _ in range(5):
        sign_in(client, user.username, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.0.1")

    locked = sign_in(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5")
    other = sign_in(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6")

    assert locked.status_code == 429
    assert signed_in(other)


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_lock(client):
    user = coordinator()
    for n in range(5):
        sign_in(client, user.username, "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    assert (
        sign_in(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99").status_code
        == 429
    )


def test_a_successful_sign_in_clears_earlier_failures(client):
    # Someone who signs in with a password alone: a coordinator's sign-in completes only
    # after the code step, and that completion is what clears the failures.
    user = UserFactory()
    fail(client, user.username, 4)
    assert signed_in(sign_in(client, user.username, PASSWORD))
    client.post(reverse("logout"))

    assert [r.status_code for r in fail(client, user.username, 4)] == [200] * 4


def test_the_lockout_is_audited_once_with_the_username_and_no_password(client):
    fail(client, "no-such-user", 7)

    locked = AuditEvent.objects.get(verb="locked_out")
    assert locked.actor is None
    assert locked.object_type == "panel.user"
    assert locked.changes == {"username": "no-such-user", "failures": 5, "cool_off_minutes": 30}
    assert locked.client_address == HERE
    # Every attempt, refused while locked or not, is a failed sign-in of its own.
    assert AuditEvent.objects.filter(verb="login_failed").count() == 7
    assert not AuditEvent.objects.filter(changes__icontains="not-the-password").exists()


def test_unlocking_from_the_command_line_is_audited_and_lets_the_user_in(client):
    user = coordinator()
    fail(client, user.username, 5)

    call_command("unlock_sign_in", user.username, "--address", HERE)

    event = AuditEvent.objects.get(verb="unlocked")
    assert event.actor is None
    assert event.changes["username"] == user.username
    assert event.changes["address"] == HERE
    assert event.changes["cleared"] == 1
    assert event.changes["via"].startswith("manage.py unlock_sign_in (run by ")
    assert signed_in(sign_in(client, user.username, PASSWORD))


def test_unlocking_nothing_says_so_and_records_nothing():
    with pytest.raises(CommandError, match="nothing to unlock"):
        call_command("unlock_sign_in", "nobody")
    assert not AuditEvent.objects.filter(verb="unlocked").exists()


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("axes_reset", []),
        ("axes_reset_ip", [HERE]),
        ("axes_reset_username", ["someone"]),
        ("axes_reset_ip_username", [HERE, "someone"]),
        ("axes_reset_logs", []),
        ("axes_reset_failure_logs", []),
    ],
)
def test_axes_own_reset_commands_refuse_and_point_to_the_audited_one(client, command, args):
    fail(client, "someone", 5)

    with pytest.raises(CommandError, match="unlock_sign_in"):
        call_command(command, *args)

    assert AccessAttempt.objects.filter(username="someone").exists()


def test_staff_unlock_in_the_admin_is_audited_and_nothing_else_there_deletes(client):
    victim = coordinator()
    fail(client, victim.username, 5)
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    url = reverse("admin:axes_accessattempt_changelist")
    attempt = AccessAttempt.objects.get(username=victim.username)

    listing = client.get(url)
    response = client.post(url, {"action": "unlock", "_selected_action": [attempt.pk]}, follow=True)

    assert listing.status_code == 200
    assert "Unlock: clear these failed sign-ins" in listing.content.decode()
    assert "delete_selected" not in listing.content.decode()
    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
    event = AuditEvent.objects.get(verb="unlocked")
    assert event.actor == admin_user
    assert event.changes == {
        "username": victim.username,
        "address": HERE,
        "cleared": 1,
        "via": "admin",
    }
    # Axes' own admins (which delete unaudited) are not registered; the attempt log is
    # read-only.
    registered = {model._meta.label for model in site._registry}
    assert "axes.AccessLog" not in registered
    assert "axes.AccessFailureLog" not in registered
    model_admin = site._registry[AccessAttempt]
    request = listing.wsgi_request
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.has_change_permission(request)

"""Session limits (issue 9, point 5; ASVS V3): an idle timeout and a maximum from sign-in,
kept in the session by panel.sessions.SessionLimitsMiddleware."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from panel.sessions import LAST_ACTIVE_AT, SIGNED_IN_AT
from tests.factories import coordinator, make_referral, referrer
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

START = timezone.datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_current_timezone())
HOME = "/"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def person(client, clock):
    user = referrer()
    client.force_login(user)
    return user


def later(clock, **delta) -> None:
    clock.move_to(timezone.now() + timedelta(**delta))


def timeouts(user) -> list[dict]:
    return list(
        AuditEvent.objects.filter(actor=user, verb=AuditEvent.Verb.LOGGED_OUT).values_list(
            "changes", flat=True
        )
    )


def test_signing_in_starts_both_clocks(client, person):
    assert client.session[SIGNED_IN_AT] == int(START.timestamp())
    assert client.session[LAST_ACTIVE_AT] == int(START.timestamp())


def test_a_page_within_the_idle_limit_is_served(client, person, clock, settings):
    later(clock, seconds=settings.SESSION_IDLE_TIMEOUT - 1)

    assert client.get(HOME).status_code == 200


def test_after_the_idle_limit_a_page_goes_to_sign_in_with_the_reason(
    client, person, clock, settings
):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    later(clock, minutes=30)

    response = client.get("/referrals/?status=new")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/referrals/%3Fstatus%3Dnew"
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out after 30 minutes of inactivity" in page
    assert "govuk-notification-banner" in page
    assert "_auth_user_id" not in client.session
    assert timeouts(person) == [{"reason": "idle"}]


def test_activity_moves_the_idle_limit(client, person, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    for _ in range(4):
        later(clock, minutes=20)
        assert client.get(HOME).status_code == 200

    later(clock, minutes=29)
    assert client.get(HOME).status_code == 200
    assert timeouts(person) == []


def test_the_maximum_holds_however_active_the_person_is(client, person, clock, settings):
    settings.SESSION_COOKIE_AGE = 8 * 60 * 60
    for _ in range(19):
        later(clock, minutes=25)  # 7 h 55 min, never idle for long
        assert client.get(HOME).status_code == 200

    later(clock, minutes=4)
    assert client.get(HOME).status_code == 200
    later(clock, minutes=1)
    response = client.get(HOME)

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out because you had been signed in for 8 hours" in page
    assert timeouts(person) == [{"reason": "maximum"}]


def test_each_sign_in_starts_the_maximum_again(client, person, clock, settings):
    settings.SESSION_COOKIE_AGE = 8 * 60 * 60
    settings.SESSION_IDLE_TIMEOUT = 10 * 60 * 60
    later(clock, hours=7)
    client.force_login(person)
    signed_in_again = client.session[SIGNED_IN_AT]

    later(clock, hours=2)
    assert client.get(HOME).status_code == 200
    assert signed_in_again == int(START.timestamp()) + 7 * 3600


def test_a_background_request_does_not_count_as_activity(client, person, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    for _ in range(5):
        later(clock, minutes=5)
        response = client.get(HOME, HTTP_X_BACKGROUND="1")
        assert response.status_code == 200
    assert client.session[LAST_ACTIVE_AT] == int(START.timestamp())

    later(clock, minutes=5)
    assert client.get(HOME).status_code == 302
    assert timeouts(person) == [{"reason": "idle"}]


def test_a_background_request_is_refused_like_any_other_once_idle(client, person, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    later(clock, minutes=30)

    response = client.get(HOME, HTTP_X_BACKGROUND="1")

    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_the_score_preview_is_marked_as_background(client, person):
    page = client.get(reverse("cases:referral-new")).content.decode()

    assert """hx-headers='{"X-Background": "1"}'""" in page


def test_an_htmx_request_after_the_limit_sends_the_browser_to_sign_in(
    client, person, clock, settings
):
    later(clock, seconds=settings.SESSION_IDLE_TIMEOUT)

    response = client.post(
        reverse("cases:referral-score"), HTTP_HX_REQUEST="true", HTTP_X_BACKGROUND="1"
    )

    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/sign-in/?next=")
    assert timeouts(person) == [{"reason": "idle"}]


def test_an_api_call_with_an_idle_session_is_refused(client, person, clock, settings):
    later(clock, seconds=settings.SESSION_IDLE_TIMEOUT)

    response = client.get("/api/v1/me/")

    # Token authentication comes first, so DRF asks for credentials (401), as for anyone.
    assert response.status_code == 401
    assert timeouts(person) == [{"reason": "idle"}]


def test_an_api_call_with_a_live_session_is_answered(client, person, clock):
    later(clock, minutes=10)

    assert client.get("/api/v1/me/").status_code == 200


def test_the_last_activity_is_written_at_most_once_a_minute(client, person, clock):
    later(clock, seconds=30)
    client.get(HOME)
    assert client.session[LAST_ACTIVE_AT] == int(START.timestamp())

    later(clock, seconds=31)
    client.get(HOME)
    assert client.session[LAST_ACTIVE_AT] == int(START.timestamp()) + 61


def test_a_page_within_a_minute_of_the_last_write_adds_no_query(
    client, clock, django_assert_num_queries
):
    boss = coordinator()
    make_referral()
    client.force_login(boss)
    later(clock, seconds=59)

    # As tests/cases/test_triage_views.py counts it: session, user, roles, the queue,
    # unread notifications, and the list read's audit event. Nothing for the session limits.
    with django_assert_num_queries(5 + audit_event_queries(agency=False, listed_rows=True)):
        client.get(reverse("cases:triage-queue"))


def test_a_page_after_a_minute_writes_the_session_once(client, clock, django_assert_num_queries):
    boss = coordinator()
    make_referral()
    client.force_login(boss)
    later(clock, seconds=61)

    # The same, and the session's UPDATE with the new last-activity time (inside the
    # session store's atomic block: a SAVEPOINT and its RELEASE in a test).
    with django_assert_num_queries(8 + audit_event_queries(agency=False, listed_rows=True)):
        client.get(reverse("cases:triage-queue"))


def test_a_session_from_before_the_limits_gets_its_clocks_on_its_next_request(client, person):
    session = client.session
    del session[SIGNED_IN_AT]
    del session[LAST_ACTIVE_AT]
    session.save()

    assert client.get(HOME).status_code == 200
    assert client.session[SIGNED_IN_AT] == int(START.timestamp())


def test_pages_carry_the_seconds_left_for_the_warning(client, person, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_COOKIE_AGE = 8 * 60 * 60
    settings.SESSION_TIMEOUT_WARNING = 120
    later(clock, seconds=30)

    response = client.get(HOME)
    page = response.content.decode()

    # The last activity written is the sign-in, 30 seconds ago (less than a minute).
    assert 'data-idle="1770"' in page
    assert 'data-maximum="28770"' in page
    assert 'data-warning="120"' in page
    assert "js/session-timeout.js" in page
    assert response["X-Session-Idle-Seconds"] == "1770"


def test_the_sign_in_page_has_no_warning(client):
    page = client.get("/sign-in/").content.decode()

    assert "session-timeout" not in page


class TestKeepAlive:
    url = "/session/keep-alive/"

    def test_it_counts_as_activity(self, client, person, clock, settings):
        settings.SESSION_IDLE_TIMEOUT = 30 * 60
        later(clock, minutes=29)

        response = client.post(self.url)

        assert response.status_code == 200
        assert response.json()["idle_seconds"] == 30 * 60
        later(clock, minutes=29)
        assert client.get(HOME).status_code == 200

    def test_it_cannot_lift_the_maximum(self, client, person, clock, settings):
        settings.SESSION_COOKIE_AGE = 8 * 60 * 60
        settings.SESSION_IDLE_TIMEOUT = 10 * 60 * 60
        later(clock, hours=7, minutes=58)

        assert client.post(self.url).json()["maximum_seconds"] == 120

    def test_it_answers_401_once_the_session_is_over(self, client, person, clock, settings):
        later(clock, seconds=settings.SESSION_IDLE_TIMEOUT)

        response = client.post(self.url)

        assert response.status_code == 401
        assert timeouts(person) == [{"reason": "idle"}]

    def test_it_needs_the_csrf_token(self, person):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        strict.force_login(person)

        assert strict.post(self.url).status_code == 403

    def test_it_is_post_only(self, client, person):
        assert client.get(self.url).status_code == 405

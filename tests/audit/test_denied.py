"""Refusals by role are recorded: every 403, on a page or the API, leaves one ``denied``
event naming the actor, the route and path (ids only) and the record when known, as an
out-of-scope 404 does. A 200, and an anonymous visitor sent to sign in, leave none."""

import pytest
from django.db import connections
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.cases.test_api import client_for
from tests.factories import coordinator, make_referral, referrer, staffordshire

pytestmark = pytest.mark.django_db


def denied() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=AuditEvent.Verb.DENIED))


def test_a_referrer_refused_the_triage_queue_leaves_one_denied_event(client):
    me = referrer()
    client.force_login(me)

    response = client.get(reverse("cases:triage-queue"), {"q": "Testchild"})

    assert response.status_code == 403
    [event] = denied()
    assert event.actor == me
    assert event.changes == {"method": "GET", "path": "/triage/", "route": "cases:triage-queue"}
    # The query string (a search term could name a child) is not copied into the trail.
    assert "Testchild" not in str(event.changes)


def test_a_referrer_refused_a_coordinator_action_in_the_api_leaves_one_denied_event():
    me = referrer()
    referral = make_referral(by=me)

    response = client_for(me).post(
        f"/api/v1/referrals/{referral.pk}/decide/",
        {"outcome": "no_further_action", "reason": "Fictional."},
        format="json",
    )

    assert response.status_code == 403
    [event] = denied()
    assert event.actor == me
    assert (event.object_type, event.object_id) == ("cases.referral", str(referral.pk))
    assert event.changes == {
        "method": "POST",
        "path": f"/api/v1/referrals/{referral.pk}/decide/",
        "route": "v1:referral-decide",
    }


def test_an_allowed_request_leaves_no_denied_event(client):
    boss = coordinator(staffordshire())
    client.force_login(boss)

    assert client.get(reverse("cases:triage-queue")).status_code == 200
    assert client_for(boss).get("/api/v1/referrals/").status_code == 200
    assert denied() == []


def test_an_anonymous_visitor_is_sent_to_sign_in_and_nothing_is_recorded(client):
    assert client.get(reverse("cases:triage-queue")).status_code == 302
    assert APIClient().get("/api/v1/referrals/").status_code in (401, 403)
    assert denied() == []


def test_the_event_is_not_inside_a_request_transaction_that_is_rolled_back():
    # The 403's event is written when the view has already failed: with ATOMIC_REQUESTS the
    # API's handler would roll it back with the request, so the setting stays off.
    assert not any(connection.settings_dict["ATOMIC_REQUESTS"] for connection in connections.all())

"""Issue 8 point 5: a strong match held by another area's panel is signalled, not hidden,
with nothing about the child, audited on both sides and rate-limited."""

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from audit.models import AuditEvent
from cases import services
from notifications.email import send_batch
from notifications.models import Notification
from tests.cases.test_api import client_for
from tests.factories import (
    ChildFactory,
    coordinator,
    make_case,
    make_referral,
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db

BORN = dt.date(2011, 4, 9)


@pytest.fixture
def held_in_stoke():
    """A child Stoke-on-Trent's panel holds, with a case there."""
    stoke_boss = coordinator(stoke())
    case = make_case(area=stoke(), coordinator_user=stoke_boss)
    child = case.child
    child.first_name, child.last_name, child.date_of_birth = "Omicron", "Testchild-20", BORN
    child.save()
    return stoke_boss, child, case


def _referral_here(first="ÓMICRON", last="Testchild 20", born=BORN):
    return make_referral(
        child=ChildFactory(
            first_name=first, last_name=last, date_of_birth=born, area=staffordshire()
        )
    )


def test_the_triage_page_names_the_other_panel_and_nothing_about_the_child(client, held_in_stoke):
    _stoke_boss, other, case = held_in_stoke
    boss = coordinator(staffordshire())
    referral = _referral_here()
    client.force_login(boss)

    page = client.get(reverse("cases:triage-detail", args=[referral.pk])).content.decode()

    assert "A possible match is held by the Stoke-on-Trent panel: contact them" in page
    assert stoke().front_door_phone in page
    assert case.reference not in page
    assert reverse("cases:child-detail", args=[other.pk]) not in page
    assert f"/children/{other.pk}/" not in page
    # Still the other panel's: 404 for this coordinator.
    assert client.get(reverse("cases:child-detail", args=[other.pk])).status_code == 404


def test_the_other_panels_coordinators_are_told_once_with_a_link_to_their_own_record(
    client, held_in_stoke
):
    stoke_boss, other, _case = held_in_stoke
    boss = coordinator(staffordshire())
    referral = _referral_here()
    client.force_login(boss)
    url = reverse("cases:triage-detail", args=[referral.pk])

    client.get(url)
    client.get(url)

    [notice] = Notification.objects.filter(kind="cross_area_match")
    assert notice.recipient == stoke_boss
    assert notice.link == reverse("cases:child-detail", args=[other.pk])
    assert notice.get_kind_display() == "Possible match held by your panel"
    client.force_login(stoke_boss)
    assert client.get(notice.link).status_code == 200


def test_the_email_carries_no_child_details(held_in_stoke):
    _stoke_boss, _other, _case = held_in_stoke
    services.cross_area_signal(coordinator(staffordshire()), referral=_referral_here())

    send_batch()

    [message] = [m for m in mail.outbox if "Possible match" in m.subject]
    assert "Omicron" not in message.body and "OMICRON" not in message.body.upper()
    assert BORN.isoformat() not in message.body
    assert str(BORN.year) not in message.body


def test_both_sides_are_audited(held_in_stoke):
    _stoke_boss, other, case = held_in_stoke
    boss = coordinator(staffordshire())
    referral = _referral_here()

    services.cross_area_signal(boss, referral=referral)

    shown = AuditEvent.objects.get(actor=boss, verb="viewed", object_id=str(referral.pk))
    assert shown.changes["cross_area_match_signalled"][1] == ["Stoke-on-Trent"]
    told = AuditEvent.objects.get(object_type="notifications.notification")
    assert told.case_reference == case.reference
    assert told.changes["child"][1] == other.pk


def test_only_a_strong_match_is_signalled(held_in_stoke):
    boss = coordinator(staffordshire())
    typo = _referral_here(first="Omikron")
    swapped = _referral_here(born=dt.date(2011, 9, 4))

    assert services.cross_area_signal(boss, referral=typo).areas == []
    assert services.cross_area_signal(boss, referral=swapped).areas == []
    assert not Notification.objects.filter(kind="cross_area_match").exists()


def test_a_match_in_the_coordinators_own_area_is_not_signalled(client):
    boss = coordinator(staffordshire())
    known = ChildFactory(first_name="Pi", last_name="Testchild-21", date_of_birth=BORN)
    make_referral(child=known)
    referral = _referral_here(first="Pi", last="Testchild-21")

    assert services.cross_area_signal(boss, referral=referral).areas == []


@override_settings(CROSS_AREA_MATCH_SIGNALS_PER_DAY=2)
def test_checks_pause_past_the_daily_limit(client, held_in_stoke):
    boss = coordinator(staffordshire())
    first, second, third = _referral_here(), _referral_here(), _referral_here()

    assert services.cross_area_signal(boss, referral=first).areas
    assert services.cross_area_signal(boss, referral=second).areas
    paused = services.cross_area_signal(boss, referral=third)
    # Opening a referral already checked is not a new check.
    again = services.cross_area_signal(boss, referral=first)

    assert paused.paused and paused.areas == []
    assert again.areas and not again.paused
    client.force_login(boss)
    page = client.get(reverse("cases:triage-detail", args=[third.pk])).content.decode()
    assert "are paused" in page
    assert "Stoke-on-Trent panel" not in page


def test_only_a_coordinator_of_the_referrals_area_may_check(held_in_stoke):
    from django.core.exceptions import PermissionDenied

    stoke_boss, _other, _case = held_in_stoke
    with pytest.raises(PermissionDenied):
        services.cross_area_signal(stoke_boss, referral=_referral_here())


def test_the_api_triage_check_signals_the_other_panel_and_nothing_about_the_child(held_in_stoke):
    stoke_boss, other, case = held_in_stoke
    referral = _referral_here()
    api = client_for(coordinator(staffordshire()))

    body = api.get(f"/api/v1/referrals/{referral.pk}/possible-duplicates/").json()

    assert body["children"] == []
    assert body["cross_area_checks_paused"] is False
    [held] = body["held_elsewhere"]
    assert held == {
        "id": stoke().pk,
        "name": "Stoke-on-Trent",
        "front_door_name": stoke().front_door_name,
        "front_door_phone": stoke().front_door_phone,
    }
    assert case.reference not in str(body)
    assert other.first_name not in str(body) and str(other.date_of_birth) not in str(body)
    assert Notification.objects.filter(
        recipient=stoke_boss, kind=Notification.Kind.CROSS_AREA_MATCH
    ).exists()


def test_the_api_triage_check_pauses_past_the_daily_limit(held_in_stoke):
    api = client_for(coordinator(staffordshire()))
    with override_settings(CROSS_AREA_MATCH_SIGNALS_PER_DAY=0):
        body = api.get(f"/api/v1/referrals/{_referral_here().pk}/possible-duplicates/").json()

    assert (body["held_elsewhere"], body["cross_area_checks_paused"]) == ([], True)

"""Issue 8 point 6: sending again after Back does not make a second referral by accident,
and a different referral of the same child is never refused."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Referral
from panel.dates import LONDON, london_today
from tests.cases.test_api import child_body, client_for, referral_body
from tests.cases.test_referral_views import _date, form_data
from tests.factories import coordinator, referrer, staffordshire

pytestmark = pytest.mark.django_db

NEW = "/referrals/new/"


@pytest.fixture
def me(client, matrix):
    user = referrer()
    client.force_login(user)
    return user


# --- the web form -------------------------------------------------------------------------


def test_back_then_send_again_with_a_new_token_returns_the_first_referral(client, me):
    first = client.post(NEW, form_data())
    again = client.post(NEW, form_data(first_name="testchild 0001"))  # a fresh form, same content

    assert Referral.objects.count() == 1
    assert first["Location"] == again["Location"]


def test_a_different_referral_for_the_same_child_asks_before_sending(client, me):
    client.post(NEW, form_data())
    earlier = Referral.objects.get()

    page = client.post(NEW, form_data(concerns="A new incident this evening.")).content.decode()

    at = earlier.referred_at.astimezone(LONDON).strftime("%H:%M")
    assert f"You sent a referral for this child at {at} (London time)" in page
    assert "Send this one as well?" in page
    assert 'name="confirm_repeat"' in page
    assert Referral.objects.count() == 1


def test_confirming_sends_it_marked_as_a_repeat(client, me):
    client.post(NEW, form_data())
    earlier = Referral.objects.get()

    response = client.post(
        NEW, form_data(concerns="A new incident this evening.", confirm_repeat="yes")
    )

    assert response.status_code == 302
    later = Referral.objects.exclude(pk=earlier.pk).get()
    assert later.repeat_of == earlier


def test_an_immediate_risk_repeat_keeps_999_first_and_goes_through_once_confirmed(client, me):
    client.post(NEW, form_data())
    yesterday = london_today() - dt.timedelta(days=1)
    urgent = form_data(
        concerns="Seen getting into a car tonight.",
        immediate_risk="yes",
        **_date("police_contacted_on", yesterday),
        police_contacted_time="14:30",
        police_contacted_by="Test User-0001",
        police_incident_number="TEST-0002",
    )

    page = client.post(NEW, urgent).content.decode()
    assert page.index("app-emergency-panel") < page.index("Send this one as well?")

    client.post(NEW, urgent | {"confirm_repeat": "yes"})
    assert Referral.objects.filter(immediate_risk=True, repeat_of__isnull=False).count() == 1


def test_sending_the_first_content_again_after_a_confirmed_repeat_returns_the_first(client, me):
    client.post(NEW, form_data())
    first = Referral.objects.get()
    client.post(NEW, form_data(concerns="A new incident this evening.", confirm_repeat="yes"))

    again = client.post(NEW, form_data())

    assert Referral.objects.count() == 2
    assert again["Location"] == f"/referrals/{first.pk}/"


def test_after_24_hours_it_is_a_new_referral_without_asking(client, me):
    with time_machine.travel(timezone.now() - dt.timedelta(hours=25)):
        client.post(NEW, form_data())
    response = client.post(NEW, form_data(concerns="A new concern."))

    assert response.status_code == 302
    assert Referral.objects.count() == 2
    assert not Referral.objects.filter(repeat_of__isnull=False).exists()


def test_another_referrer_referring_the_same_child_is_not_asked(client, me):
    client.post(NEW, form_data())
    client.force_login(referrer())
    response = client.post(NEW, form_data(concerns="A colleague's concern."))

    assert response.status_code == 302
    assert Referral.objects.count() == 2


# --- the API ------------------------------------------------------------------------------


def test_the_api_returns_the_first_referral_for_the_same_content(matrix):
    me = referrer()
    api = client_for(me)
    first = api.post("/api/v1/referrals/", referral_body(), format="json")
    again = api.post(
        "/api/v1/referrals/",
        referral_body(submission_token=str(uuid.uuid4())),
        format="json",
    )

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Referral.objects.count() == 1


def test_the_api_answers_409_with_the_earlier_id_until_confirmed(matrix):
    api = client_for(referrer())
    first = api.post("/api/v1/referrals/", referral_body(), format="json").json()
    different = referral_body(
        child=child_body(first_name="TESTCHILD"), concerns="A new incident this evening."
    )

    refused = api.post("/api/v1/referrals/", different, format="json")
    confirmed = api.post("/api/v1/referrals/", different | {"confirm_repeat": True}, format="json")

    assert refused.status_code == 409
    assert refused.json()["earlier_referral"] == first["id"]
    assert "confirm_repeat" in refused.json()["detail"]
    assert confirmed.status_code == 201
    assert Referral.objects.get(pk=confirmed.json()["id"]).repeat_of_id == first["id"]


# --- what coordinators see ----------------------------------------------------------------


def _repeat_pair(by):
    fields = {"first_name": "Testchild", "last_name": "Repeat-01", "gender": "female",
              "date_of_birth": dt.date(2012, 5, 5), "area": staffordshire()}  # fmt: skip
    common = {"referrer_role": "DSL", "referrer_contact": "01234 000000",
              "contact_online": True, "legal_status": "none"}  # fmt: skip
    earlier = services.refer_new_child(by, child_fields=fields, concerns="First.", **common)
    later = services.refer_new_child(
        by, child_fields=fields, concerns="Second.", confirm_repeat=True, **common
    )
    return earlier, later


def test_coordinators_see_the_repeat_tag_in_the_queue_and_on_the_referral(client, matrix):
    boss = coordinator(staffordshire())
    earlier, later = _repeat_pair(referrer())
    client.force_login(boss)

    queue = client.get(reverse("cases:triage-queue")).content.decode()
    detail = client.get(reverse("cases:triage-detail", args=[later.pk])).content.decode()

    assert queue.count(">Repeat<") == 1
    assert "Repeat" in detail
    assert reverse("cases:triage-detail", args=[earlier.pk]) in detail


def test_the_api_marks_a_repeat_for_coordinators(matrix):
    boss = coordinator(staffordshire())
    earlier, later = _repeat_pair(referrer())

    shown = client_for(boss).get(f"/api/v1/referrals/{later.pk}/").json()

    assert shown["is_repeat"] is True
    assert shown["repeat_of"] == earlier.pk


# --- "the same content" is the whole referral, not only its concerns ---------------------


def test_the_same_concerns_now_at_immediate_risk_is_not_swallowed_as_a_resend(client, me):
    """Walk-through: a referrer re-used the morning's concerns text for an evening referral
    with immediate risk ticked and a police incident number; it was silently answered with
    the morning's non-urgent referral, so no urgent notification reached the panel."""
    client.post(NEW, form_data())
    earlier = Referral.objects.get()
    urgent = form_data(
        immediate_risk="yes",
        **_date("police_contacted_on", london_today()),
        police_contacted_time="00:05",
        police_contacted_by="Test User-0001",
        police_incident_number="TEST-0003",
    )

    page = client.post(NEW, urgent).content.decode()

    assert "Send this one as well?" in page
    assert page.index("app-emergency-panel") < page.index("Send this one as well?")
    client.post(NEW, {**urgent, "confirm_repeat": "yes"})
    later = Referral.objects.exclude(pk=earlier.pk).get()
    assert later.immediate_risk and later.repeat_of == earlier


def test_the_same_concerns_with_different_matrix_answers_is_asked_about(client, me):
    client.post(NEW, form_data())
    data = form_data()
    changed = {
        "answer_sexting": "present",
        "evidence_sexting": "Fictional: new messages found tonight.",
    }

    page = client.post(NEW, {**data, **changed}).content.decode()

    assert "Send this one as well?" in page
    assert Referral.objects.count() == 1


def test_the_service_replays_only_the_whole_same_content(matrix):
    by = referrer()
    fields = {
        "first_name": "Testchild",
        "last_name": "Repeat-0002",
        "date_of_birth": dt.date(2012, 3, 4),
        "gender": "female",
        "area": staffordshire(),
    }
    common = {"referrer_role": "DSL", "referrer_contact": "01234 000000", "contact_online": True}
    first = services.refer_new_child(by, child_fields=fields, concerns="Same words.", **common)
    again = services.refer_new_child(by, child_fields=fields, concerns="Same words.", **common)
    assert again.pk == first.pk and again.replayed

    with pytest.raises(services.RepeatReferral):
        services.refer_new_child(
            by,
            child_fields=fields,
            concerns="Same words.",
            immediate_risk=True,
            police_contacted_at=timezone.now() - dt.timedelta(minutes=5),
            police_contacted_by="Test User-0001",
            police_incident_number="TEST-0004",
            **common,
        )

"""The home page's sections: who sees which, what is recorded, and the chain status."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, AuditEventObject, VerificationRun
from panel.models import Role
from tests.factories import (
    AgencyFactory,
    UserFactory,
    auditor,
    coordinator,
    make_case,
    make_referral,
    referrer,
    staffordshire,
)

pytestmark = pytest.mark.django_db


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _listed_since(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=before, verb=AuditEvent.Verb.LISTED))


def _last_event_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_a_referrers_latest_referrals_are_recorded_as_one_listed_event(client):
    sender = referrer()
    sent = [make_referral(by=sender) for _ in range(6)]
    make_referral()  # someone else's
    before = _last_event_id()

    page = _home(client, sender)

    [event] = _listed_since(before)
    named = set(
        AuditEventObject.objects.filter(event=event, object_type="cases.referral").values_list(
            "object_id", flat=True
        )
    )
    shown = {r.pk for r in sorted(sent, key=lambda r: (r.referred_at, r.pk))[-5:]}
    assert named == shown
    children = set(
        AuditEventObject.objects.filter(event=event, object_type="cases.child").values_list(
            "object_id", flat=True
        )
    )
    assert children == {r.child_id for r in sent if r.pk in shown}
    assert page.count('href="/referrals/') >= 5


def test_figures_alone_record_nothing(client):
    boss = coordinator()
    make_case(coordinator_user=boss)
    before = _last_event_id()

    _home(client, boss)

    assert _listed_since(before) == []


def test_a_user_with_several_roles_sees_each_section(client):
    area = staffordshire()
    both = UserFactory(
        roles=[(Role.COORDINATOR, area), Role.AGENCY_LEAD, Role.REFERRER, Role.AUDITOR],
        agency=AgencyFactory(),
    )

    page = _home(client, both)

    for section in ("coordinator-queue", "agency-queue", "audit-queue", "referrer-queue"):
        assert f'id="{section}"' in page
    # Beside a work queue, who to call is the corner panel; the 999 warning stays.
    assert "app-corner-panel" in page
    assert "If a child is in immediate danger" in page


def test_who_to_call_is_the_page_for_a_referrer(client):
    page = _home(client, referrer())

    assert "app-corner-panel" not in page
    assert page.index("Who to call") < page.index("Your referrals")
    assert "If a child is in immediate danger" in page


def test_staff_see_no_figures(client):
    make_case()
    page = _home(client, UserFactory(is_staff=True, is_superuser=True))

    assert "data-figure" not in page
    assert "If a child is in immediate danger" in page


def test_the_chain_status_says_never_verified_then_the_last_run(client):
    audit = auditor()
    assert "Never verified" in _home(client, audit)

    now = timezone.now()
    VerificationRun.objects.create(
        started_at=now - dt.timedelta(hours=2),
        finished_at=now - dt.timedelta(hours=2),
        kind="full",
        events=120,
        checkpoints=3,
        ok=True,
    )
    VerificationRun.objects.create(
        started_at=now - dt.timedelta(minutes=5),
        finished_at=now - dt.timedelta(minutes=4),
        kind="incremental",
        events=4321,
        checkpoints=1,
        ok=False,
        problem="Checkpoint 7 does not link to checkpoint 6 (test).",
    )
    page = _home(client, audit)

    status = page.split('id="chain-status"', 1)[1].split("</section>", 1)[0]
    assert "Never verified" not in status
    assert "Broken" in status
    assert "Checkpoint 7 does not link" in status
    assert "4321" in status
    assert "incremental run" in status

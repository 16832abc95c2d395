"""A closure waiting for ratification is not applied once the panel has heard the case
again and decided otherwise: the later decision stands (a child is not taken off the list
on an older, inquorate word)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from meetings.models import MeetingMember
from meetings.services import hearing
from meetings.services.ratification import decline_ratification, ratify_decision
from panel.dates import london_today
from tests.factories import AgendaItemFactory
from tests.meetings.hearing_helpers import panel, published_meeting

pytestmark = pytest.mark.django_db


def closure_then_heard_again(kind="continue"):
    p = panel(absent=("police",), date=london_today() - dt.timedelta(days=14))
    case = p.case()
    waiting = hearing.record_decision(
        p.coordinator,
        item=p.item(case),
        kind="close",
        reason="Safe now (test).",
        risk_decision="confirmed",
        closure_reason="stepped_down",
        closure_summary="Stepped down (test).",
    )
    later = published_meeting(p.area, created_by=p.coordinator)
    for agency in p.agencies.values():
        MeetingMember.objects.create(meeting=later, agency=agency, attendance="present")
    hearing.record_decision(
        p.coordinator,
        item=AgendaItemFactory(meeting=later, case=case),
        kind=kind,
        reason="The risk persists: keep the plan going (test).",
        risk_decision="confirmed",
    )
    return p, case, waiting, later


def test_a_co_chair_cannot_ratify_a_closure_once_the_case_was_decided_again():
    p, case, waiting, _later = closure_then_heard_again()

    with pytest.raises(ValidationError) as refused:
        ratify_decision(p.police_chair, decision=waiting)

    assert "heard again" in str(refused.value)
    case.refresh_from_db()
    waiting.refresh_from_db()
    assert case.status == "open" and waiting.state == "awaiting"


def test_nor_a_coordinator_at_the_later_meeting_and_declining_it_still_works():
    p, case, waiting, later = closure_then_heard_again()

    with pytest.raises(ValidationError):
        ratify_decision(p.coordinator, decision=waiting, at_meeting=later)
    decline_ratification(p.la_chair, decision=waiting, note="Heard again since (test).")

    case.refresh_from_db()
    assert case.status == "open"

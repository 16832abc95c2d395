"""A meeting's decisions over the API: listed within scope (one ``listed`` event),
recorded by coordinators through the hearing service, 404 for a meeting out of scope."""

from __future__ import annotations

import datetime as dt

import pytest

from audit.models import AuditEvent
from meetings.models import CaseDecision
from meetings.services import hearing
from panel.dates import london_today
from tests.cases.test_api import NOT_FOUND, client_for
from tests.factories import agency_lead, auditor, coordinator, stoke
from tests.meetings.hearing_helpers import panel

pytestmark = pytest.mark.django_db


def url(meeting):
    return f"/api/v1/meetings/{meeting.pk}/decisions/"


def test_a_coordinator_records_a_decision_and_the_review_is_held():
    p = panel()
    case = p.case()
    item = p.item(case)

    response = client_for(p.coordinator).post(
        url(p.meeting),
        {
            "item": item.pk,
            "kind": "continue",
            "reason": "The plan is working (test).",
            "risk_decision": "confirmed",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "continue" and body["state"] == "effective"
    assert body["case"]["reference"] == case.reference
    assert CaseDecision.objects.get().review.meeting == p.meeting


def test_an_escalation_over_the_api_creates_the_referral_action():
    p = panel(absent=("health",))
    item = p.item(p.case())

    response = client_for(p.coordinator).post(
        url(p.meeting),
        {
            "item": item.pk,
            "kind": "escalate",
            "reason": "Exploitation across areas (test).",
            "risk_decision": "confirmed",
            "forum": "nrm",
            "escalation_person": "Test Officer",
            "escalation_agency": p.agencies["police"].pk,
            "escalation_due": (london_today() + dt.timedelta(days=5)).isoformat(),
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["state"] == "to_ratify"
    assert response.json()["escalation_action"] is not None


def test_bad_input_is_400_with_field_errors_and_a_second_decision_409():
    p = panel()
    item = p.item(p.case())
    api = client_for(p.coordinator)

    missing = api.post(
        url(p.meeting),
        {"item": item.pk, "kind": "close", "reason": "x", "risk_decision": "confirmed"},
        format="json",
    )
    assert missing.status_code == 400
    assert {"closure_reason", "closure_summary"} <= set(missing.json())

    body = {"item": item.pk, "kind": "continue", "reason": "x", "risk_decision": "confirmed"}
    assert api.post(url(p.meeting), body, format="json").status_code == 201
    again = api.post(url(p.meeting), body, format="json")
    assert again.status_code == 409 and "already been heard" in again.json()["detail"]


def test_only_coordinators_of_the_area_record_decisions():
    p = panel()
    item = p.item(p.case(agencies=("police",)))
    body = {"item": item.pk, "kind": "continue", "reason": "x", "risk_decision": "confirmed"}

    assert client_for(auditor()).post(url(p.meeting), body, format="json").status_code == 403
    lead = agency_lead(p.agencies["police"])
    assert client_for(lead).post(url(p.meeting), body, format="json").status_code == 403
    other = client_for(coordinator(stoke())).post(url(p.meeting), body, format="json")
    assert other.status_code == 404 and other.json() == NOT_FOUND
    assert not CaseDecision.objects.exists()


def test_the_list_shows_only_decisions_on_cases_the_reader_may_see_and_is_audited():
    p = panel()
    seen = p.case(agencies=("police",))
    unseen = p.case(agencies=("health",))
    for case in (seen, unseen):
        hearing.record_decision(
            p.coordinator,
            item=p.item(case),
            kind="continue",
            reason="x",
            risk_decision="confirmed",
        )
    lead = agency_lead(p.agencies["police"])

    response = client_for(lead).get(url(p.meeting))

    assert response.status_code == 200
    references = [row["case"]["reference"] for row in response.json()["results"]]
    assert references == [seen.reference]
    assert AuditEvent.objects.filter(verb="listed", actor=lead).count() == 1
    everything = client_for(p.coordinator).get(url(p.meeting)).json()["results"]
    assert len(everything) == 2


def test_a_meeting_out_of_scope_is_404_for_the_list_and_one_decision():
    p = panel()
    decision = hearing.record_decision(
        p.coordinator, item=p.item(p.case()), kind="continue", reason="x", risk_decision="confirmed"
    )
    api = client_for(coordinator(stoke()))

    assert api.get(url(p.meeting)).status_code == 404
    assert api.get(f"{url(p.meeting)}{decision.pk}/").status_code == 404
    mine = client_for(p.coordinator).get(f"{url(p.meeting)}{decision.pk}/")
    assert mine.status_code == 200 and mine.json()["id"] == decision.pk
    assert AuditEvent.objects.filter(verb="viewed", object_id=str(decision.pk)).exists()

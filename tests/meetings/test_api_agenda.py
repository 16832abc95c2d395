"""The agenda over the API: scoped items, a meeting out of scope is 404, coordinators add,
members ask, late additions need a reason, one listed event per read."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from meetings.models import AgendaItem
from meetings.services import agenda
from tests.cases.test_api import client_for
from tests.factories import agency_lead, auditor, coordinator, referrer, stoke
from tests.meetings.agenda_helpers import awaiting, make_panel, open_case
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db


def url(meeting) -> str:
    return f"/api/v1/meetings/{meeting.pk}/agenda-items/"


def test_an_agency_lead_lists_only_the_items_they_may_see():
    panel = make_panel()
    theirs = awaiting(panel, agencies=[panel.health])
    hidden = awaiting(panel, agencies=[panel.police])
    for case in (hidden, theirs):
        agenda.add_case_item(panel.coordinator, meeting=panel.meeting, case=case)
    agenda.add_general_item(panel.coordinator, meeting=panel.meeting, title="Training")

    response = client_for(panel.health_lead).get(url(panel.meeting))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["case"] and row["case"]["reference"] for row in body["results"]] == [
        theirs.reference,
        None,
    ]
    assert hidden.reference not in response.content.decode()
    assert body["results"][0]["risk_level"] == theirs.risk_level
    event = AuditEvent.objects.get(verb="listed", actor=panel.health_lead)
    assert event.changes["listed_count"] == 4  # two items, the case and its child


def test_a_meeting_out_of_scope_is_not_found():
    panel = make_panel()
    for user in (referrer(), agency_lead(), coordinator(stoke())):
        assert client_for(user).get(url(panel.meeting)).status_code == 404
        assert client_for(user).post(url(panel.meeting), {}, format="json").status_code == 404
    assert (
        client_for(panel.coordinator).get("/api/v1/meetings/999999/agenda-items/").status_code
        == 404
    )


def test_a_coordinator_adds_a_case_and_general_business():
    panel = make_panel()
    case = awaiting(panel)
    api = client_for(panel.coordinator)

    added = api.post(
        url(panel.meeting), {"case": case.pk, "reason": "awaiting_panel"}, format="json"
    )
    general = api.post(url(panel.meeting), {"kind": "general", "title": "Budget"}, format="json")

    assert added.status_code == 201, added.json()
    assert added.json()["case"]["reference"] == case.reference
    assert general.status_code == 201
    assert general.json()["title"] == "Budget"
    assert AuditEvent.objects.filter(verb="created", case_reference=case.reference).exists()


def test_a_member_asks_for_a_case_with_a_reason():
    panel = make_panel()
    case = open_case(panel, agencies=[panel.health])
    api = client_for(panel.health_lead)

    refused = api.post(url(panel.meeting), {"case": case.pk}, format="json")
    assert refused.status_code == 400
    assert "reason_detail" in refused.json()
    response = api.post(
        url(panel.meeting), {"case": case.pk, "reason_detail": "Missing again."}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["reason"] == "member_request"
    assert response.json()["requested_by"]["id"] == panel.health_lead.pk


def test_a_member_cannot_name_a_case_they_may_not_see_or_add_general_business():
    panel = make_panel()
    hidden = open_case(panel, agencies=[panel.police])
    api = client_for(panel.health_lead)

    response = api.post(
        url(panel.meeting), {"case": hidden.pk, "reason_detail": "Why."}, format="json"
    )
    assert response.status_code == 400
    assert "case" in response.json()
    general = api.post(url(panel.meeting), {"kind": "general", "title": "Budget"}, format="json")
    assert general.status_code == 403
    assert not AgendaItem.objects.exists()


def test_auditors_read_but_never_add():
    panel = make_panel()
    case = awaiting(panel)
    agenda.add_case_item(panel.coordinator, meeting=panel.meeting, case=case)
    api = client_for(auditor())

    assert api.get(url(panel.meeting)).json()["count"] == 1
    assert api.post(url(panel.meeting), {"case": case.pk}, format="json").status_code == 403


def test_a_late_addition_needs_a_reason_and_is_marked_late():
    panel = make_panel()
    agenda.publish_agenda(panel.coordinator, meeting=panel.meeting, version=1)
    case = awaiting(panel)
    api = client_for(panel.coordinator)

    refused = api.post(url(panel.meeting), {"case": case.pk}, format="json")
    assert refused.status_code == 400
    assert "reason_detail" in refused.json()
    added = api.post(
        url(panel.meeting), {"case": case.pk, "reason_detail": "New disclosure."}, format="json"
    )
    assert added.json()["late"] is True


@pytest.mark.parametrize("count", [1, 40])
def test_the_list_takes_the_same_queries_for_one_item_or_forty(django_assert_num_queries, count):
    panel = make_panel()
    AgendaItem.objects.bulk_create(
        AgendaItem(
            area=panel.area,
            meeting=panel.meeting,
            case=awaiting(panel),
            order=n,
            added_by=panel.coordinator,
        )
        for n in range(count)
    )
    api = client_for(panel.coordinator)

    # roles, the meeting, the count, the page of items with their cases; one listed event
    with django_assert_num_queries(4 + audit_event_queries(listed_rows=True)):
        assert api.get(url(panel.meeting)).json()["count"] == count

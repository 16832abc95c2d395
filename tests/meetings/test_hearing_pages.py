"""The hearing pages: who may use them, what the coordinator sees for each case, the forms
(decision, action review, new action), closing the meeting record, ratification, and
constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases import services
from meetings.models import ActionReview, AgendaItem, CaseDecision, ResearchReturn
from panel.dates import london_today
from tests.factories import agency_lead, auditor, coordinator, stoke
from tests.meetings.hearing_helpers import panel
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db


def hearing_url(p):
    return reverse("meetings:hearing", args=[p.meeting.pk])


def item_url(item):
    return reverse("meetings:hearing-item", args=[item.meeting_id, item.pk])


# --- who may use the pages ---------------------------------------------------------------------


def test_the_coordinator_sees_the_cases_in_agenda_order_with_the_quorum(client):
    p = panel()
    second, first = p.case(), p.case()
    p.item(second, order=2)
    p.item(first, order=1)
    client.force_login(p.coordinator)

    page = client.get(hearing_url(p)).content.decode()

    assert "Quorate" in page
    assert page.index(first.reference) < page.index(second.reference)
    assert "To be heard" in page
    assert AuditEvent.objects.filter(verb="listed", actor=p.coordinator).count() == 1


def test_a_meeting_not_quorate_says_decisions_need_ratifying_and_what_is_missing(client):
    p = panel(absent=("education", "health"))
    client.force_login(p.coordinator)

    page = client.get(hearing_url(p)).content.decode()

    assert "Not quorate: decisions need ratifying" in page
    assert "Missing: health and education." in page


def test_others_are_refused_by_role_or_do_not_find_the_meeting(client):
    p = panel()
    item = p.item(p.case(agencies=("police", "health")))
    lead = agency_lead(p.agencies["police"])  # sees the meeting and the case
    for user, status in (
        (lead, 403),
        (auditor(), 403),
        (coordinator(stoke()), 404),
        (agency_lead(), 404),
    ):
        client.force_login(user)
        assert client.get(hearing_url(p)).status_code == status
        expected = 404 if status == 404 else 403
        assert client.get(item_url(item)).status_code == expected


def test_a_lead_who_cannot_see_the_case_gets_404_on_its_hearing(client):
    p = panel()
    item = p.item(p.case(agencies=("police",)))
    client.force_login(agency_lead(p.agencies["education"]))

    assert client.get(item_url(item)).status_code == 404


# --- one case's hearing --------------------------------------------------------------------------


def test_the_case_hearing_shows_the_summary_actions_research_and_records_viewed(client):
    p = panel()
    case = p.case()
    action = services.add_action(
        p.coordinator,
        case=case,
        description="Fictional home visit.",
        owning_agency=p.agencies["police"],
        due_date=london_today() - dt.timedelta(days=2),
        confirm_past_due=True,
    )
    item = p.item(case)
    ResearchReturn.objects.create(
        item=item,
        agency=p.agencies["health"],
        outcome="held",
        summary="Fictional: two A&E visits.",
        recorded_by=p.coordinator,
        recorded_at=timezone.now(),
    )
    client.force_login(p.coordinator)

    page = client.get(item_url(item)).content.decode()

    assert case.reference in page and case.child.full_name in page
    assert action.description in page and "Overdue" in page
    assert "Fictional: two A&amp;E visits." in page
    assert "Record the decision" in page
    assert f"?then=hearing&amp;item={item.pk}" in page
    assert AuditEvent.objects.filter(
        verb="viewed", object_type="meetings.agendaitem", object_id=str(item.pk)
    ).exists()


def test_recording_continue_holds_the_review_and_returns_to_the_cases(client):
    p = panel()
    case = p.case()
    item = p.item(case)
    client.force_login(p.coordinator)

    response = client.post(
        reverse("meetings:hearing-decision", args=[p.meeting.pk, item.pk]),
        {"kind": "continue", "risk_decision": "confirmed", "reason": "Plan working (test)."},
    )

    assert response.status_code == 302 and response.url == hearing_url(p)
    decision = CaseDecision.objects.get(item=item)
    assert decision.review.meeting == p.meeting
    assert "Heard" in client.get(hearing_url(p)).content.decode()


def test_a_decision_with_errors_comes_back_with_them(client):
    p = panel()
    item = p.item(p.case())
    client.force_login(p.coordinator)

    response = client.post(
        reverse("meetings:hearing-decision", args=[p.meeting.pk, item.pk]),
        {"kind": "escalate", "risk_decision": "confirmed", "reason": "Escalate (test)."},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Name the person who makes the referral." in page
    assert not CaseDecision.objects.exists()


def test_minuting_an_action_and_agreeing_a_new_one(client):
    p = panel()
    case = p.case()
    action = services.add_action(
        p.coordinator,
        case=case,
        description="Fictional action.",
        owning_agency=p.agencies["police"],
        due_date=london_today() + dt.timedelta(days=2),
    )
    item = p.item(case)
    client.force_login(p.coordinator)

    reviewed = client.post(
        reverse("meetings:hearing-action-review", args=[p.meeting.pk, item.pk, action.pk]),
        {f"review-{action.pk}-outcome": "not_done", f"review-{action.pk}-note": ""},
    )
    form = client.get(item_url(item)).content.decode()
    token = form.split('name="submission_token" value="')[1].split('"')[0]
    agreed = client.post(
        reverse("meetings:hearing-action-add", args=[p.meeting.pk, item.pk]),
        {
            "submission_token": token,
            "description": "Fictional new action agreed at panel.",
            "owning_agency": p.agencies["health"].pk,
            "due_date_day": "1",
            "due_date_month": "1",
            "due_date_year": str(london_today().year + 1),
            "priority": "normal",
            "four_p": "protect",
        },
    )

    assert reviewed.status_code == 302 and agreed.status_code == 302
    assert ActionReview.objects.get().outcome == "not_done"
    assert item.agreed_actions.get().description == "Fictional new action agreed at panel."


def test_a_new_assessment_from_the_hearing_returns_to_it(client):
    p = panel()
    case = p.case()
    item = p.item(case)
    client.force_login(p.coordinator)

    response = client.post(
        reverse("cases:case-assess", args=[case.pk]) + f"?then=hearing&item={item.pk}",
        {
            "answer_disclosure": "present",
            "evidence_disclosure": "Fictional disclosure.",
            "submission_token": "6f1f5b1e-7d39-4d7e-9e53-0c5e2d8f0a11",
        },
    )

    assert response.status_code == 302
    assert response.url == item_url(item)


# --- closing the record ------------------------------------------------------------------------


def test_closing_the_record_previews_the_carry_over_then_marks_the_meeting_held(client):
    p = panel()
    missed = p.case()
    p.item(missed)
    client.force_login(p.coordinator)
    url = reverse("meetings:hearing-close", args=[p.meeting.pk])

    preview = client.get(url).content.decode()
    response = client.post(url, {"version": p.meeting.version})

    assert missed.reference in preview and "to be scheduled" in preview
    assert response.status_code == 302
    p.meeting.refresh_from_db()
    assert p.meeting.status == "held"
    assert AgendaItem.objects.filter(meeting=None, case=missed).exists()


# --- ratification ---------------------------------------------------------------------------


def test_a_chair_ratifies_a_waiting_closure_from_the_ratification_page(client):
    p = panel(absent=("police",))
    case = p.case()
    from meetings.services import hearing

    decision = hearing.record_decision(
        p.coordinator,
        item=p.item(case),
        kind="close",
        reason="Safe now (test).",
        risk_decision="confirmed",
        closure_reason="stepped_down",
        closure_summary="Stepped down (test).",
    )
    client.force_login(p.police_chair)
    url = reverse("meetings:ratify", args=[p.meeting.pk])

    page = client.get(url).content.decode()
    response = client.post(reverse("meetings:ratify-decision", args=[p.meeting.pk, decision.pk]))

    assert case.reference in page and "Closure waiting for ratification" in page
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"


def test_the_ratification_page_is_for_chairs_and_coordinators(client):
    p = panel()
    client.force_login(agency_lead(p.agencies["police"]))

    assert client.get(reverse("meetings:ratify", args=[p.meeting.pk])).status_code == 403


# --- query counts --------------------------------------------------------------------------------


# Session, user, roles; the meeting; the items with their cases, children and decisions;
# the quorum (2); the notifications badge; and the one ``listed`` event naming the items.
HEARING_QUERIES = 3 + 1 + 1 + 2 + 1 + audit_event_queries(agency=False, listed_rows=True)


@pytest.mark.parametrize("cases", [1, 40])
def test_the_hearing_page_costs_the_same_for_1_and_40_cases(
    client, django_assert_num_queries, cases
):
    p = panel()
    for _ in range(cases):
        p.item(p.case())
    client.force_login(p.coordinator)
    client.get(hearing_url(p))  # the session's first request reads more

    with django_assert_num_queries(HEARING_QUERIES):
        page = client.get(hearing_url(p)).content.decode()
    assert page.count("hear this case") == cases


def test_a_coordinator_ratifies_at_a_later_quorate_meeting_and_a_chair_may_decline(client):
    from meetings.models import MeetingMember
    from meetings.services import hearing
    from tests.meetings.hearing_helpers import published_meeting

    p = panel(absent=("police",), date=london_today() - dt.timedelta(days=14))

    def closure(case):
        return hearing.record_decision(
            p.coordinator,
            item=p.item(case),
            kind="close",
            reason="Safe now (test).",
            risk_decision="confirmed",
            closure_reason="stepped_down",
            closure_summary="Stepped down (test).",
        )

    first, second = p.case(), p.case()
    ratified, declined = closure(first), closure(second)
    later = published_meeting(p.area, created_by=p.coordinator)
    for agency in p.agencies.values():
        MeetingMember.objects.create(meeting=later, agency=agency, attendance="present")
    client.force_login(p.coordinator)

    page = client.get(reverse("meetings:ratify", args=[later.pk])).content.decode()
    client.post(reverse("meetings:ratify-decision", args=[later.pk, ratified.pk]))
    client.force_login(p.la_chair)
    client.post(
        reverse("meetings:ratify-decision", args=[p.meeting.pk, declined.pk]),
        {"decline": "1", "note": "Risk persists (test)."},
    )

    assert first.reference in page and second.reference in page
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "closed"
    assert CaseDecision.objects.get(pk=ratified.pk).ratified_at_meeting == later
    assert second.status == "open"
    assert CaseDecision.objects.get(pk=declined.pk).state == "not_ratified"

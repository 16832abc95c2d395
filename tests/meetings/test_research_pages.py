"""The research list pages: what a representative sees (identifying details and their own
agency's return, nothing of the case record), what the area's coordinators and auditors
see (every member agency's return), recording a return, My research lists, the audit
trail of every read, and constant query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent, AuditEventObject
from meetings.models import ResearchReturn
from meetings.services.research import record_research_return
from panel.models import User
from tests.factories import ChildFactory, agency_lead, auditor, coordinator, make_case
from tests.meetings.research_helpers import (
    approve,
    closed_by_days,
    entry,
    published_meeting,
    representative,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

SUMMARY = "Fictional: seen twice by the school nurse in 2026 (test)."


def list_url(meeting) -> str:
    return reverse("meetings:research-list", args=[meeting.pk])


def return_url(item) -> str:
    return reverse("meetings:research-return", args=[item.meeting_id, item.pk])


def child_entry(meeting):
    child = ChildFactory(
        area=meeting.area,
        known_as="Testy",
        address="1 Fictional Street\nTesttown",
        school_or_setting="Fictional Academy",
    )
    case = make_case(area=meeting.area)
    case.child = child
    case.save(update_fields=["child"])
    return entry(meeting, case=case)


@pytest.fixture
def world():
    meeting = published_meeting()
    rep = representative(meeting)
    other_rep = representative(meeting)
    item = child_entry(meeting)
    return meeting, rep, other_rep, item


def signed_in(client, user):
    client.force_login(User.objects.get(pk=user.pk))
    return client


# --- the representative's list -----------------------------------------------------------


def test_a_representative_sees_only_the_identifying_details(client, world):
    meeting, rep, _other, item = world
    child = item.case.child

    page = signed_in(client, rep).get(list_url(meeting))

    assert page.status_code == 200
    html = page.content.decode()
    for shown in (
        child.full_name,
        "Testy",
        "Fictional Street",
        "Fictional Academy",
        item.case.reference,
        child.date_of_birth.strftime("%-d %B %Y"),
    ):
        assert shown in html  # fmt: skip
    assert "/cases/" not in html
    assert "Risk" not in html and "risk level" not in html.lower()
    assert item.case.referrals.first().concerns not in html
    assert "Not returned" in html
    assert return_url(item) in html
    assert "Returns from member agencies" not in html


def test_a_representative_sees_their_agencys_return_and_not_anothers(client, world):
    meeting, rep, other_rep, item = world
    record_research_return(User.objects.get(pk=rep.pk), item=item, outcome="nothing_held")
    record_research_return(
        User.objects.get(pk=other_rep.pk), item=item, outcome="held", summary=SUMMARY
    )

    html = signed_in(client, rep).get(list_url(meeting)).content.decode()

    assert "Nothing held" in html
    assert SUMMARY not in html
    assert other_rep.agency.name not in html


def test_every_view_of_the_list_is_one_listed_event_naming_entries_and_children(client, world):
    meeting, rep, _other, item = world
    second = child_entry(meeting)

    signed_in(client, rep).get(list_url(meeting))

    event = AuditEvent.objects.get(verb="listed")
    assert event.object_type == "meetings.researchlistentry"
    assert event.changes["list"] == "meetings:research-list"
    named = set(
        AuditEventObject.objects.filter(event=event).values_list("object_type", "object_id")
    )
    assert {
        ("meetings.researchlistentry", item.pk),
        ("meetings.researchlistentry", second.pk),
        ("cases.child", item.case.child_id),
        ("cases.child", second.case.child_id),
    } <= named


# --- coordinators and auditors -----------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "auditor"])
def test_the_area_coordinators_and_auditors_see_every_agencys_return(client, world, who):
    meeting, rep, other_rep, item = world
    record_research_return(User.objects.get(pk=rep.pk), item=item, outcome="held", summary=SUMMARY)
    user = coordinator(meeting.area) if who == "coordinator" else auditor()

    html = signed_in(client, user).get(list_url(meeting)).content.decode()

    assert "Returns from member agencies" in html
    assert rep.agency.name in html and other_rep.agency.name in html
    assert "Information held" in html and SUMMARY in html and "Not returned" in html
    assert return_url(item) not in html  # they read; they record nothing


# --- out of scope: 404 -------------------------------------------------------------------


def test_no_seat_or_a_closed_window_is_404_and_recorded_as_denied(client, world):
    meeting, rep, _other, item = world
    lead_of_member = agency_lead(rep.agency)

    assert signed_in(client, lead_of_member).get(list_url(meeting)).status_code == 404
    assert signed_in(client, lead_of_member).get(return_url(item)).status_code == 404
    assert AuditEvent.objects.filter(verb="denied", actor=lead_of_member).count() == 2
    approve(meeting)
    assert signed_in(client, rep).get(list_url(meeting)).status_code == 404
    assert signed_in(client, rep).get(return_url(item)).status_code == 404
    old = closed_by_days()
    assert signed_in(client, representative(old)).get(list_url(old)).status_code == 404


def test_an_entry_of_another_meeting_is_404(client, world):
    meeting, rep, _other, _item = world
    elsewhere = entry(published_meeting())
    url = reverse("meetings:research-return", args=[meeting.pk, elsewhere.pk])

    assert signed_in(client, rep).get(url).status_code == 404


def test_the_coordinator_may_not_record_a_return_for_an_agency(client, world):
    meeting, _rep, _other, item = world

    client = signed_in(client, coordinator(meeting.area))

    assert client.get(return_url(item)).status_code == 403
    assert client.post(return_url(item), {"outcome": "nothing_held"}).status_code == 403
    assert not ResearchReturn.objects.exists()


# --- recording a return ------------------------------------------------------------------


def test_opening_an_entry_is_recorded_as_viewed(client, world):
    _meeting, rep, _other, item = world

    page = signed_in(client, rep).get(return_url(item))

    assert page.status_code == 200
    event = AuditEvent.objects.get(verb="viewed")
    assert (event.object_type, event.object_id) == ("meetings.researchlistentry", str(item.pk))
    assert event.case_reference == item.case.reference


def test_information_held_needs_a_summary_then_is_saved(client, world):
    meeting, rep, _other, item = world
    client = signed_in(client, rep)

    refused = client.post(return_url(item), {"outcome": "held", "summary": ""})

    assert refused.status_code == 200
    assert "Enter a short summary" in refused.content.decode()
    assert "govuk-error-summary" in refused.content.decode()
    saved = client.post(return_url(item), {"outcome": "held", "summary": SUMMARY})
    assert saved.status_code == 302 and saved["Location"] == list_url(meeting)
    made = ResearchReturn.objects.get()
    assert (made.agency_id, made.outcome, made.summary) == (rep.agency_id, "held", SUMMARY)
    assert "Your agency" in client.get(list_url(meeting)).content.decode()


def test_a_return_is_changed_and_a_stale_form_is_told_so(client, world):
    _meeting, rep, _other, item = world
    client = signed_in(client, rep)
    client.post(return_url(item), {"outcome": "held", "summary": SUMMARY})
    form = client.get(return_url(item)).content.decode()
    assert 'name="version" value="1"' in form

    client.post(return_url(item), {"outcome": "nothing_held", "version": "1"})
    stale = client.post(return_url(item), {"outcome": "held", "summary": "Mine", "version": "1"})

    assert stale.status_code == 200
    html = stale.content.decode()
    assert "Someone else from your agency changed this return" in html
    assert 'name="version" value="2"' in html
    assert "Mine" in html  # their text is kept
    assert ResearchReturn.objects.get().outcome == "nothing_held"


# --- My research lists -------------------------------------------------------------------


def test_my_research_lists_the_open_lists_with_returns_still_to_make(client, world):
    meeting, rep, _other, item = world
    child_entry(meeting)
    record_research_return(User.objects.get(pk=rep.pk), item=item, outcome="nothing_held")
    closed = published_meeting()
    closed.members.create(agency=rep.agency, representative=rep)
    approve(closed)

    page = signed_in(client, rep).get(reverse("meetings:my-research"))

    html = page.content.decode()
    rows = page.context["meetings"]
    assert [(m.pk, m.entry_count, m.to_return) for m in rows] == [(meeting.pk, 2, 1)]
    assert list_url(meeting) in html and list_url(closed) not in html


def test_my_research_is_empty_without_a_seat(client, world):
    page = signed_in(client, coordinator()).get(reverse("meetings:my-research"))

    assert page.status_code == 200
    assert "You have no open research lists" in page.content.decode()


# --- query counts ------------------------------------------------------------------------


def _many(meeting, n: int) -> None:
    for _ in range(n):
        entry(meeting)


# Signing in: session, user (with its agency), roles; the navigation's unread count, and
# for someone without a panel role whether they work on a case. Then the meeting, the
# entries (with case and child), their returns (one prefetch) and, for the grid, the member
# agencies; and the one listed event with its side rows.
SIGNED_IN = 3
REP_QUERIES = SIGNED_IN + 2 + 3 + audit_event_queries(agency=False, listed_rows=True)
GRID_QUERIES = SIGNED_IN + 1 + 4 + audit_event_queries(agency=False, listed_rows=True)


@pytest.mark.parametrize("n", [1, 40])
def test_the_representatives_list_costs_the_same_for_1_or_40_entries(
    client, django_assert_num_queries, n
):
    meeting = published_meeting()
    rep = representative(meeting)
    _many(meeting, n)
    client = signed_in(client, rep)

    with django_assert_num_queries(REP_QUERIES):
        assert client.get(list_url(meeting)).status_code == 200


@pytest.mark.parametrize("n", [1, 40])
def test_the_coordinators_grid_costs_the_same_for_1_or_40_entries(
    client, django_assert_num_queries, n
):
    meeting = published_meeting()
    reps = [representative(meeting) for _ in range(3)]
    _many(meeting, n)
    for item in meeting.items.all()[:5]:
        record_research_return(User.objects.get(pk=reps[0].pk), item=item, outcome="nothing_held")
    client = signed_in(client, coordinator(meeting.area))

    with django_assert_num_queries(GRID_QUERIES):
        assert client.get(list_url(meeting)).status_code == 200


@pytest.mark.parametrize("n", [1, 6])
def test_my_research_costs_the_same_for_1_or_6_meetings(client, django_assert_num_queries, n):
    rep = representative(published_meeting())
    for _ in range(n - 1):
        meeting = published_meeting()
        meeting.members.create(agency=rep.agency, representative=rep)
        entry(meeting)
    client = signed_in(client, rep)

    # session, user, roles; unread count, works_on_a_case; the meetings with their counts.
    with django_assert_num_queries(SIGNED_IN + 2 + 1):
        assert client.get(reverse("meetings:my-research")).status_code == 200

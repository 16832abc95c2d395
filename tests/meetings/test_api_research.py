"""The research list over the API: the entries (identifying details only), the returns
each user may read, recording and changing a return through the service, 404 outside the
research scope, the listed audit event, and constant query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent, AuditEventObject
from meetings.models import ResearchReturn
from meetings.services.research import record_research_return
from panel.models import User
from tests.factories import agency_lead, auditor, coordinator
from tests.meetings.research_helpers import approve, entry, published_meeting, representative
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

SUMMARY = "Fictional: one contact with the health visitor (test)."


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=user.pk))
    return client


def entries_url(meeting) -> str:
    return reverse("v1:meeting-research-entry-list", kwargs={"meeting_pk": meeting.pk})


def returns_url(meeting, pk=None) -> str:
    if pk is None:
        return reverse("v1:meeting-research-return-list", kwargs={"meeting_pk": meeting.pk})
    return reverse("v1:meeting-research-return-detail", kwargs={"meeting_pk": meeting.pk, "pk": pk})


@pytest.fixture
def world():
    meeting = published_meeting()
    rep = representative(meeting)
    other = representative(meeting)
    item = entry(meeting)
    return meeting, rep, other, item


def test_the_entries_carry_identifying_details_only(world):
    meeting, rep, _other, item = world

    answer = api(rep).get(entries_url(meeting))

    assert answer.status_code == 200
    [row] = answer.json()["results"]
    assert row["id"] == item.pk and row["case_reference"] == item.case.reference
    assert set(row["child"]) == {
        "full_name", "first_name", "last_name", "known_as", "date_of_birth", "address",
        "school_or_setting",
    }  # fmt: skip
    assert set(row) == {"id", "meeting", "order", "case_reference", "child"}
    event = AuditEvent.objects.get(verb="listed")
    named = set(
        AuditEventObject.objects.filter(event=event).values_list("object_type", "object_id")
    )
    assert ("meetings.researchlistentry", item.pk) in named
    assert ("cases.child", item.case.child_id) in named


def test_a_representative_records_and_changes_their_agencys_return(world):
    meeting, rep, _other, item = world
    client = api(rep)

    made = client.post(
        returns_url(meeting),
        {"item": item.pk, "outcome": "held", "summary": SUMMARY},
        format="json",
    )

    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["agency"]["id"], body["outcome"], body["version"]) == (rep.agency_id, "held", 1)
    again = client.post(
        returns_url(meeting), {"item": item.pk, "outcome": "nothing_held"}, format="json"
    )
    assert again.status_code == 409 and again.json()["current_version"] == 1
    changed = client.put(
        returns_url(meeting, body["id"]), {"version": 1, "outcome": "nothing_held"}, format="json"
    )
    assert changed.status_code == 200
    assert (changed.json()["outcome"], changed.json()["summary"]) == ("nothing_held", "")
    stale = client.put(
        returns_url(meeting, body["id"]), {"version": 1, "outcome": "held", "summary": "x"},
        format="json",
    )  # fmt: skip
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert [e.verb for e in AuditEvent.objects.filter(object_type="meetings.researchreturn")] == [
        "created", "updated",
    ]  # fmt: skip


def test_held_without_a_summary_is_400(world):
    meeting, rep, _other, item = world

    answer = api(rep).post(
        returns_url(meeting), {"item": item.pk, "outcome": "held"}, format="json"
    )

    assert answer.status_code == 400
    assert "summary" in answer.json()
    assert not ResearchReturn.objects.exists()


def test_an_item_of_another_meeting_is_unknown(world):
    meeting, rep, _other, _item = world
    elsewhere = entry(published_meeting())

    answer = api(rep).post(
        returns_url(meeting), {"item": elsewhere.pk, "outcome": "nothing_held"}, format="json"
    )

    assert answer.status_code == 400 and "item" in answer.json()


def test_who_reads_which_returns(world):
    meeting, rep, other, item = world
    mine = record_research_return(User.objects.get(pk=rep.pk), item=item, outcome="nothing_held")
    theirs = record_research_return(
        User.objects.get(pk=other.pk), item=item, outcome="held", summary=SUMMARY
    )

    def ids(user):
        return {row["id"] for row in api(user).get(returns_url(meeting)).json()["results"]}

    assert ids(rep) == {mine.pk}
    assert ids(coordinator(meeting.area)) == {mine.pk, theirs.pk}
    assert ids(auditor()) == {mine.pk, theirs.pk}
    assert api(rep).get(returns_url(meeting, theirs.pk)).status_code == 404
    assert api(rep).get(returns_url(meeting, mine.pk)).status_code == 200
    # The other agency's representative may not change this agency's return.
    answer = api(other).put(
        returns_url(meeting, mine.pk), {"version": 1, "outcome": "held", "summary": "x"},
        format="json",
    )  # fmt: skip
    assert answer.status_code == 404


def test_coordinators_and_auditors_may_not_record(world):
    meeting, _rep, _other, item = world
    body = {"item": item.pk, "outcome": "nothing_held"}

    assert api(coordinator(meeting.area)).post(returns_url(meeting), body).status_code == 403
    assert api(auditor()).post(returns_url(meeting), body).status_code == 403


def test_outside_the_scope_everything_is_404_like_a_missing_meeting(world):
    meeting, rep, _other, _item = world
    lead = agency_lead(rep.agency)
    missing = type(meeting)(pk=999999)

    for url_of in (entries_url, returns_url):
        assert api(lead).get(url_of(meeting)).status_code == 404
        assert api(lead).get(url_of(meeting)).content == api(lead).get(url_of(missing)).content
    approve(meeting)
    assert api(rep).get(entries_url(meeting)).status_code == 404
    assert api(rep).post(returns_url(meeting), {}, format="json").status_code == 404


@pytest.mark.parametrize("n", [1, 40])
def test_the_lists_cost_the_same_for_1_or_40_entries(django_assert_num_queries, n):
    meeting = published_meeting()
    rep = representative(meeting)
    for _ in range(n):
        item = entry(meeting)
        record_research_return(User.objects.get(pk=rep.pk), item=item, outcome="nothing_held")

    # roles; the meeting; the page's count and rows; the listed event with its side rows.
    expected = 1 + 1 + 2 + audit_event_queries(agency=True, listed_rows=True)
    for url in (entries_url(meeting), returns_url(meeting)):
        client = api(rep)
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200

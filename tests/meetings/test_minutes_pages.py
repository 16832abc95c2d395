"""The minutes pages: each reader sees the sections about cases they may see (the others
read "1 other case"), drafts only by coordinators and co-chairs, the coordinator's and the
chair's controls, one ``listed`` event per view, and constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent, AuditEventObject
from meetings.models import MeetingStatus, Minutes, MinutesSection, MinutesStatus
from meetings.services.minutes import (
    add_addendum,
    approve_minutes,
    circulate_minutes,
    draft_minutes,
)
from tests.factories import MeetingFactory, UserFactory, auditor
from tests.meetings.minutes_helpers import case_item, decide, general_item, held_meeting
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = held_meeting()
    shared = case_item(world, agencies=[world.police, world.health], order=1)
    police_only = case_item(world, agencies=[world.police], order=2)
    health_only = case_item(world, agencies=[world.health], order=3)
    for item in (shared, police_only, health_only):
        decide(world, item)
    general_item(world, "Fictional: training dates")
    world.shared, world.police_only, world.health_only = shared, police_only, health_only
    return world


def url(world) -> str:
    return reverse("meetings:minutes", args=[world.meeting.pk])


def circulate(world) -> Minutes:
    minutes = draft_minutes(world.coordinator, meeting=world.meeting)
    return circulate_minutes(world.coordinator, meeting=world.meeting, version=minutes.version)


def page(client, user, world) -> str:
    client.force_login(user)
    response = client.get(url(world))
    assert response.status_code == 200
    return response.content.decode()


def test_an_agency_lead_sees_only_their_cases_sections_and_one_other_case(client, world):
    circulate(world)

    html = page(client, world.health_lead, world)

    assert world.shared.case.reference in html
    assert world.health_only.case.reference in html
    assert world.police_only.case.reference not in html
    assert "1 other case" in html
    assert "Fictional: training dates" in html
    assert "Attendance" in html
    assert "Edit" not in html and "Circulate the minutes" not in html


def test_the_coordinator_the_chairs_and_auditors_see_every_section(client, world):
    circulate(world)
    for user in (world.coordinator, world.police_chair, auditor()):
        html = page(client, user, world)
        for item in (world.shared, world.police_only, world.health_only):
            assert item.case.reference in html
        assert "other case" not in html


def test_one_listed_event_names_the_case_items_shown(client, world):
    circulate(world)

    page(client, world.health_lead, world)

    event = AuditEvent.objects.get(verb="listed", actor=world.health_lead)
    named = set(
        AuditEventObject.objects.filter(event=event, object_type="meetings.agendaitem").values_list(
            "object_id", flat=True
        )
    )
    assert named == {world.shared.pk, world.health_only.pk}


def test_a_draft_is_seen_only_by_coordinators_and_chairs(client, world):
    draft_minutes(world.coordinator, meeting=world.meeting)

    html = page(client, world.health_lead, world)
    assert "have not been circulated yet" in html
    assert world.shared.case.reference not in html

    html = page(client, world.la_chair, world)
    assert world.shared.case.reference in html
    assert "Approve the minutes" not in html  # not before circulation


def test_someone_who_may_not_see_the_meeting_gets_a_404(client, world):
    circulate(world)
    client.force_login(UserFactory())

    assert client.get(url(world)).status_code == 404


def test_a_coordinator_drafts_edits_and_circulates_through_the_pages(client, world):
    client.force_login(world.coordinator)
    assert "Build the draft minutes" in client.get(url(world)).content.decode()

    response = client.post(reverse("meetings:minutes-draft", args=[world.meeting.pk]))
    assert response.status_code == 302
    minutes = world.meeting.minutes
    section = minutes.sections.get(item=world.shared)
    edit = reverse("meetings:minutes-section-edit", args=[world.meeting.pk, section.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"text": "Fictional: edited on screen.", "version": 1})
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.text == "Fictional: edited on screen."

    response = client.post(
        reverse("meetings:minutes-circulate", args=[world.meeting.pk]), {"version": 2}
    )
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.status == MinutesStatus.CIRCULATED
    html = client.get(url(world)).content.decode()
    assert "Fictional: edited on screen." in html
    assert "Approved at a later meeting" in html


def test_a_stale_edit_shows_a_message_and_keeps_nothing(client, world):
    minutes = draft_minutes(world.coordinator, meeting=world.meeting)
    section = minutes.sections.first()
    client.force_login(world.coordinator)
    edit = reverse("meetings:minutes-section-edit", args=[world.meeting.pk, section.pk])

    response = client.post(edit, {"text": "Fictional: stale.", "version": 99}, follow=True)

    assert "Someone else changed these minutes" in response.content.decode()
    section.refresh_from_db()
    assert section.text != "Fictional: stale."


def test_others_may_not_use_the_coordinators_pages(client, world):
    minutes = draft_minutes(world.coordinator, meeting=world.meeting)
    section = minutes.sections.first()
    client.force_login(world.police_chair)
    edit = reverse("meetings:minutes-section-edit", args=[world.meeting.pk, section.pk])
    assert client.get(edit).status_code == 403
    draft = reverse("meetings:minutes-draft", args=[world.meeting.pk])
    assert client.post(draft).status_code == 403


def test_a_chair_approves_on_the_page_and_then_addenda_are_offered(client, world):
    circulate(world)
    client.force_login(world.police_chair)
    assert "Approve the minutes" in client.get(url(world)).content.decode()

    response = client.post(
        reverse("meetings:minutes-approve", args=[world.meeting.pk]),
        {"version": world.meeting.minutes.version},
        follow=True,
    )

    html = response.content.decode()
    assert "Minutes approved" in html
    assert "Add an addendum" in html
    assert "Edit<" not in html
    section = world.meeting.minutes.sections.get(item=world.shared)
    response = client.post(
        reverse("meetings:minutes-addendum", args=[world.meeting.pk]),
        {"section": section.pk, "text": "Fictional: a correction."},
        follow=True,
    )
    html = response.content.decode()
    assert "Fictional: a correction." in html
    assert "Addendum by Paula Chair-Police" in html


def test_an_addendum_to_a_hidden_case_stays_hidden(client, world):
    minutes = circulate(world)
    minutes = approve_minutes(world.police_chair, meeting=world.meeting, version=minutes.version)
    hidden = minutes.sections.get(item=world.police_only)
    add_addendum(world.coordinator, minutes=minutes, section=hidden, text="Fictional: secret.")

    html = page(client, world.health_lead, world)

    assert "Fictional: secret." not in html
    assert "1 other case" in html


# --- Query counts --------------------------------------------------------------------------


def approved_minutes_with(world, count: int) -> Minutes:
    """Approved minutes with ``count`` case sections (half visible to the health lead), each
    with an addendum."""
    minutes = Minutes.objects.create(meeting=world.meeting, status=MinutesStatus.APPROVED)
    for n in range(count):
        item = case_item(world, agencies=[world.health] if n % 2 == 0 else [world.police])
        section = MinutesSection.objects.create(
            minutes=minutes, item=item, order=n + 1, heading=item.case.reference, text="Text."
        )
        add_addendum(world.coordinator, minutes=minutes, section=section, text="Fictional.")
    return minutes


# The session, the user and their roles; the meeting; the minutes; their sections (with
# item and case); the sections' addenda; for a reader who does not see every section, which
# of its cases they may see; the listed event (its objects in a savepoint); addenda to the
# whole minutes; the header's unread notifications.
BASE = 3 + 4 + audit_event_queries(agency=False, listed_rows=True) + 2
EXPECTED = {"coordinator": BASE, "health_lead": BASE + 1}


@pytest.mark.parametrize("size", [1, 40])
@pytest.mark.parametrize("who", ["coordinator", "health_lead"])
def test_the_minutes_page_costs_the_same_for_1_and_40_sections(
    client, django_assert_num_queries, who, size
):
    world = held_meeting()
    world.meeting.status = MeetingStatus.APPROVED
    world.meeting.save()
    approved_minutes_with(world, size)
    client.force_login(getattr(world, who))

    with django_assert_num_queries(EXPECTED[who]):
        response = client.get(url(world))

    assert response.status_code == 200
    assert response.content.decode().count("Addendum by") == (
        size if who == "coordinator" else (size + 1) // 2
    )


def test_a_coordinator_records_approval_at_a_later_meeting_on_the_page(client, world):
    minutes = circulate(world)
    later = MeetingFactory(
        area=world.area,
        date=world.meeting.date + dt.timedelta(days=28),
        status=MeetingStatus.PUBLISHED,
        created_by=world.coordinator,
    )
    client.force_login(world.coordinator)
    assert f"{later.date:%-d %B %Y} (Agenda published)" in client.get(url(world)).content.decode()

    response = client.post(
        reverse("meetings:minutes-approve", args=[world.meeting.pk]),
        {"at_meeting": later.pk, "version": minutes.version},
        follow=True,
    )

    assert f"at the meeting of {later.date:%-d %B %Y}" in response.content.decode()
    world.meeting.refresh_from_db()
    assert world.meeting.approved_at_meeting == later

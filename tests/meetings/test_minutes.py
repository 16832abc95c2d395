"""Minutes: drafted from the meeting's record, edited, circulated, approved (by a co-chair or
at a later meeting), then locked; corrections are addenda, append-only in the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from meetings.models import (
    ActionReview,
    AgendaItem,
    CaseDecision,
    MeetingStatus,
    MinutesAddendum,
    MinutesStatus,
    ResearchListEntry,
)
from meetings.services.minutes import (
    add_addendum,
    approve_minutes,
    circulate_minutes,
    draft_minutes,
    edit_section,
)
from notifications.models import Notification
from panel.errors import Conflict
from tests.factories import MeetingFactory, auditor, coordinator, stoke
from tests.meetings.minutes_helpers import (
    action,
    case_item,
    decide,
    general_item,
    held_meeting,
    research,
    review,
)

pytestmark = pytest.mark.django_db

REFUSED = "append-only|permission denied"


@pytest.fixture
def world():
    return held_meeting()


def recorded_meeting(world):
    """Two cases heard (one with the three action-review outcomes and research, one
    escalated while not quorate), one not reached, and general business."""
    first = case_item(world, agencies=[world.police, world.health], order=1)
    decide(world, first, reason="Fictional: engagement with the youth worker is improving.")
    done = action(world, first.case, world.police, "Fictional: visit the address")
    changed = action(world, first.case, world.health, "Fictional: arrange a health check")
    missed = action(world, first.case, world.police, "Fictional: share the incident log")
    review(world, first, done, ActionReview.Outcome.DONE)
    review(world, first, changed, ActionReview.Outcome.CIRCUMSTANCES_CHANGED, "Moved area.")
    review(world, first, missed, ActionReview.Outcome.NOT_DONE_BY_AGENCY)
    action(
        world,
        first.case,
        world.health,
        "Fictional: school nurse drop-in",
        due_date=dt.date(2031, 1, 15),
    )
    research(world, first, world.police, "held", "Fictional: two missing episodes logged.")
    research(world, first, world.health, "nothing_held")

    second = case_item(world, agencies=[world.police], order=2)
    decide(
        world,
        second,
        kind=CaseDecision.Kind.ESCALATE,
        reason="Fictional: the risk is rising.",
        risk_decision=CaseDecision.Risk.CHANGED,
        risk_level="high",
        quorate=False,
        state=CaseDecision.State.TO_RATIFY,
        forum=CaseDecision.Forum.MARAC,
        escalation_person="Sam Referrer-Test",
    )
    third = case_item(world, agencies=[world.health], order=3)
    third.status = AgendaItem.Status.NOT_REACHED
    third.save()
    general_item(world, "Fictional: training dates", "Next session in the spring.")
    return first, second, third


def sections_of(minutes):
    return list(minutes.sections.order_by("order"))


# --- Drafting ---------------------------------------------------------------------------


def test_the_draft_is_built_from_what_was_recorded_in_agenda_order(world):
    first, second, third = recorded_meeting(world)

    minutes = draft_minutes(world.coordinator, meeting=world.meeting)

    sections = sections_of(minutes)
    assert [s.heading for s in sections] == [
        "Meeting",
        "Attendance",
        first.case.reference,
        second.case.reference,
        third.case.reference,
        "Fictional: training dates",
    ]
    heard = sections[2].text
    assert "Decision: Continue with the plan. Reason: Fictional: engagement" in heard
    assert "Risk: Risk level confirmed: medium." in heard
    assert "Fictional: visit the address (Test Police): Done." in heard
    assert "arrange a health check (Test Health): Not done: circumstances changed. Moved" in heard
    assert "share the incident log (Test Police): Not done by the agency." in heard
    assert (
        "New actions agreed:\n- Fictional: school nurse drop-in: Test Health, due 15 January 2031."
        in heard
    )
    assert "- Test Police: Information held: Fictional: two missing episodes logged." in heard
    assert "- Test Health: Nothing held." in heard
    assert "to be ratified" not in heard
    escalated = sections[3].text
    assert "Not quorate: to be ratified." in escalated
    assert "Escalated to: MARAC; referral by Sam Referrer-Test." in escalated
    assert "Risk level changed (new assessment): high." in escalated
    assert "carried over" in sections[4].text
    assert sections[5].text == "Next session in the spring."
    assert sections[2].item_id == first.pk and sections[0].item_id is None


def test_the_header_and_attendance_record_who_came_for_which_agency(world):
    minutes = draft_minutes(world.coordinator, meeting=world.meeting)

    header, attendance = (s.text for s in sections_of(minutes)[:2])
    assert f"Date: {world.meeting.date:%-d %B %Y}, 10:00" in header
    assert "Venue: Test Venue Room 1" in header
    assert "Paula Chair-Police (police); Lara Chair-Council (local authority)" in header
    assert "Confidentiality statement: Read by Paula Chair-Police" in header
    assert "Quorate: No" in header
    assert "- Test Police: present (Dee Deputy-Police)" in attendance
    assert "- Test Health: sent information only" in attendance
    assert "- Test School: apologies" in attendance
    assert "- Olive Observer-Test, Test University (observer)" in attendance


def test_drafting_is_audited_without_text(world):
    minutes = draft_minutes(world.coordinator, meeting=world.meeting)

    event = AuditEvent.objects.get(verb="created", object_type="meetings.minutes")
    assert event.object_id == str(minutes.pk)
    assert event.changes["sections"] == 2
    assert "Test Police" not in str(event.changes)


def test_minutes_are_drafted_only_by_a_coordinator_once_the_meeting_is_held(world):
    for refused in (world.police_chair, world.health_lead, auditor(), coordinator(stoke())):
        with pytest.raises(PermissionDenied):
            draft_minutes(refused, meeting=world.meeting)
    upcoming = MeetingFactory(area=world.area, created_by=world.coordinator)
    with pytest.raises(ValidationError, match="once the meeting is recorded as held"):
        draft_minutes(world.coordinator, meeting=upcoming)


def test_rebuilding_the_draft_keeps_edited_sections_and_replaces_the_others(world):
    _, second, _ = recorded_meeting(world)
    minutes = draft_minutes(world.coordinator, meeting=world.meeting)
    sections = sections_of(minutes)
    edit_section(
        world.coordinator,
        section=sections[2],
        text="Fictional: typed by the coordinator.",
        version=minutes.version,
    )
    research(world, second, world.health, "held", "Fictional: a late return.")

    minutes = draft_minutes(world.coordinator, meeting=world.meeting)

    sections = sections_of(minutes)
    assert sections[2].text == "Fictional: typed by the coordinator."
    assert sections[2].edited_by == world.coordinator
    assert "Fictional: a late return." in sections[3].text
    assert len(sections) == 6
    assert (
        AuditEvent.objects.filter(verb="updated", object_type="meetings.minutes")
        .get()
        .changes["kept_edited"]
        == 1
    )


def test_a_circulated_draft_is_not_rebuilt(world):
    minutes = draft_minutes(world.coordinator, meeting=world.meeting)
    circulate_minutes(world.coordinator, meeting=world.meeting, version=minutes.version)

    with pytest.raises(ValidationError, match="have been circulated"):
        draft_minutes(world.coordinator, meeting=world.meeting)


# --- Editing ----------------------------------------------------------------------------


def test_an_edit_is_audited_as_changed_never_with_its_text(world):
    first, *_ = recorded_meeting(world)
    minutes = draft_minutes(world.coordinator, meeting=world.meeting)
    section = sections_of(minutes)[2]

    edit_section(
        world.coordinator, section=section, text="Fictional: corrected wording.", version=1
    )

    event = AuditEvent.objects.get(verb="updated", object_type="meetings.minutessection")
    assert event.changes == {"text": "changed", "minutes": minutes.pk}
    assert event.case_reference == first.case.reference
    assert not [e for e in AuditEvent.objects.all() if "corrected wording" in str(e.changes)]
    minutes.refresh_from_db()
    assert minutes.version == 2


def test_a_stale_edit_is_refused_and_changes_nothing(world):
    minutes = draft_minutes(world.coordinator, meeting=world.meeting)
    first, second = sections_of(minutes)[:2]
    edit_section(world.coordinator, section=first, text="Fictional: one.", version=1)

    with pytest.raises(Conflict):
        edit_section(world.coordinator, section=second, text="Fictional: two.", version=1)
    second.refresh_from_db()
    assert second.text != "Fictional: two."


def test_only_a_coordinator_edits_sections(world):
    minutes = draft_minutes(world.coordinator, meeting=world.meeting)
    section = sections_of(minutes)[0]
    for refused in (world.police_chair, world.police_rep, auditor()):
        with pytest.raises(PermissionDenied):
            edit_section(refused, section=section, text="Fictional.", version=1)


# --- Circulating and approving -----------------------------------------------------------


def test_circulating_tells_attendees_chairs_and_coordinators_with_a_link_only(world):
    recorded_meeting(world)
    other_coordinator = coordinator(world.area)
    minutes = draft_minutes(world.coordinator, meeting=world.meeting)

    circulate_minutes(world.coordinator, meeting=world.meeting, version=minutes.version)

    minutes.refresh_from_db()
    assert minutes.status == MinutesStatus.CIRCULATED
    notes = Notification.objects.filter(kind="minutes_circulated")
    assert {n.recipient for n in notes} == {
        world.police_rep,  # present (their deputy attended)
        world.police_chair,
        world.la_chair,
        other_coordinator,
    }  # not health (sent information only), nor the coordinator who circulated
    link = f"/meetings/{world.meeting.pk}/minutes/"
    references = [case.reference for case in world.cases]
    for note in notes:
        assert note.link == link
        assert note.case_reference == ""
        assert not any(ref in note.link for ref in references)
    assert AuditEvent.objects.filter(
        verb="transitioned", object_type="meetings.minutes", object_id=str(minutes.pk)
    ).exists()


def circulated(world):
    minutes = draft_minutes(world.coordinator, meeting=world.meeting)
    return circulate_minutes(world.coordinator, meeting=world.meeting, version=minutes.version)


def test_a_co_chair_approves_and_the_minutes_are_locked(world):
    minutes = circulated(world)

    approve_minutes(world.la_chair, meeting=world.meeting, version=minutes.version)

    minutes.refresh_from_db()
    world.meeting.refresh_from_db()
    assert minutes.status == MinutesStatus.APPROVED
    assert minutes.approved_by == world.la_chair
    assert world.meeting.status == MeetingStatus.APPROVED
    assert world.meeting.approved_by == world.la_chair
    assert world.meeting.approved_at_meeting is None
    with pytest.raises(ValidationError, match="approved and locked"):
        edit_section(
            world.coordinator,
            section=minutes.sections.first(),
            text="Fictional: too late.",
            version=minutes.version,
        )
    notes = Notification.objects.filter(kind="minutes_approved")
    assert world.police_rep in {n.recipient for n in notes}
    assert all(n.case_reference == "" for n in notes)
    assert AuditEvent.objects.filter(
        verb="transitioned", object_type="meetings.meeting", object_id=str(world.meeting.pk)
    ).exists()


def test_a_coordinator_records_approval_at_a_later_meeting(world):
    minutes = circulated(world)
    later = MeetingFactory(
        area=world.area,
        date=world.meeting.date + dt.timedelta(days=28),
        status=MeetingStatus.HELD,
        created_by=world.coordinator,
    )

    approve_minutes(
        world.coordinator, meeting=world.meeting, version=minutes.version, at_meeting=later
    )

    world.meeting.refresh_from_db()
    assert world.meeting.status == MeetingStatus.APPROVED
    assert world.meeting.approved_at_meeting == later
    assert world.meeting.approved_by == world.coordinator


@pytest.mark.parametrize(
    "which", ["earlier", "other_area", "scheduled", "same_day"], ids=lambda w: w
)
def test_approval_at_a_meeting_needs_a_later_one_of_the_area_that_took_place(world, which):
    minutes = circulated(world)
    date = world.meeting.date + dt.timedelta(days=28)
    fields = {"area": world.area, "date": date, "status": MeetingStatus.HELD}
    if which == "earlier":
        fields["date"] = world.meeting.date - dt.timedelta(days=28)
    elif which == "other_area":
        fields["area"] = stoke()
    elif which == "scheduled":
        fields["status"] = MeetingStatus.SCHEDULED
    else:
        fields["date"] = world.meeting.date
    other = MeetingFactory(created_by=world.coordinator, **fields)

    with pytest.raises(ValidationError, match="later meeting"):
        approve_minutes(
            world.coordinator, meeting=world.meeting, version=minutes.version, at_meeting=other
        )
    world.meeting.refresh_from_db()
    assert world.meeting.status == MeetingStatus.HELD


def test_only_a_co_chair_approves_and_auditors_never_do(world):
    minutes = circulated(world)
    chair_auditor = auditor()
    world.meeting.police_chair = chair_auditor
    world.meeting.save()
    for refused in (world.coordinator, world.police_rep, world.health_lead, chair_auditor):
        with pytest.raises(PermissionDenied):
            approve_minutes(refused, meeting=world.meeting, version=minutes.version)
    later = MeetingFactory(
        area=world.area, date=world.meeting.date + dt.timedelta(days=7), status="held"
    )
    with pytest.raises(PermissionDenied):
        approve_minutes(
            world.la_chair, meeting=world.meeting, version=minutes.version, at_meeting=later
        )
    assert minutes.status == MinutesStatus.CIRCULATED


def test_a_draft_is_circulated_before_it_is_approved(world):
    minutes = draft_minutes(world.coordinator, meeting=world.meeting)

    with pytest.raises(ValidationError, match="once they have been circulated"):
        approve_minutes(world.police_chair, meeting=world.meeting, version=minutes.version)


def test_approving_the_minutes_closes_the_research_list(world):
    recorded_meeting(world)
    world.meeting.published_at = world.meeting.held_at
    world.meeting.save()
    assert ResearchListEntry.objects.visible_to(world.police_rep).exists()
    minutes = circulated(world)

    approve_minutes(world.police_chair, meeting=world.meeting, version=minutes.version)

    assert not ResearchListEntry.objects.visible_to(world.police_rep).exists()


# --- Addenda ------------------------------------------------------------------------------


def approved(world):
    minutes = circulated(world)
    return approve_minutes(world.police_chair, meeting=world.meeting, version=minutes.version)


def test_an_addendum_corrects_approved_minutes_and_is_audited(world):
    recorded_meeting(world)
    minutes = approved(world)
    section = sections_of(minutes)[2]

    addendum = add_addendum(
        world.la_chair, minutes=minutes, section=section, text="Fictional: the date was wrong."
    )

    assert addendum.by == world.la_chair and addendum.section == section
    event = AuditEvent.objects.get(verb="created", object_type="meetings.minutesaddendum")
    assert event.object_id == str(addendum.pk)
    assert event.changes == {"minutes": minutes.pk, "section": section.pk}
    assert event.case_reference == section.item.case.reference
    section.refresh_from_db()
    assert "the date was wrong" not in section.text


def test_addenda_are_for_approved_minutes_by_coordinators_or_chairs(world):
    minutes = circulated(world)
    with pytest.raises(ValidationError, match="approved minutes"):
        add_addendum(world.coordinator, minutes=minutes, text="Fictional.")
    minutes = approve_minutes(world.police_chair, meeting=world.meeting, version=minutes.version)
    for refused in (world.police_rep, world.health_lead, auditor()):
        with pytest.raises(PermissionDenied):
            add_addendum(refused, minutes=minutes, text="Fictional.")
    with pytest.raises(ValidationError, match="Enter the correction"):
        add_addendum(world.coordinator, minutes=minutes, text="  ")
    assert (
        add_addendum(world.coordinator, minutes=minutes, text="Fictional: whole.").section is None
    )


def _raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_to_change_or_delete_an_addendum(world):
    minutes = approved(world)
    addendum = add_addendum(world.coordinator, minutes=minutes, text="Fictional: correction.")

    with pytest.raises(DatabaseError, match=REFUSED):
        _raw("UPDATE meetings_minutesaddendum SET text = 'x' WHERE id = %s", [addendum.pk])
    with pytest.raises(DatabaseError, match=REFUSED):
        _raw("DELETE FROM meetings_minutesaddendum WHERE id = %s", [addendum.pk])
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        MinutesAddendum.objects.filter(pk=addendum.pk).update(text="x")
    addendum.refresh_from_db()
    assert addendum.text == "Fictional: correction."


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_the_database_refuses_to_truncate_addenda(world):
    minutes = approved(world)
    add_addendum(world.coordinator, minutes=minutes, text="Fictional: correction.")

    with (
        pytest.raises(DatabaseError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE meetings_minutesaddendum")

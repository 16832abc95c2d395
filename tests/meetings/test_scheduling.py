"""Scheduling, changing and cancelling a meeting, and its membership: who may, what is
refused, what the audit trail and the notifications say (never a case)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from meetings.models import AgendaItem, Meeting, MeetingMember, MeetingStatus, StandingMember
from meetings.services import scheduling
from meetings.workflow import InvalidMeetingTransition
from notifications.models import Notification
from panel.errors import Conflict
from tests.factories import (
    AgendaItemFactory,
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    referrer,
    staffordshire,
    stoke,
)
from tests.meetings.sched_helpers import area_agency, in_days, person_of, scheduled

pytestmark = pytest.mark.django_db


def _events(verb, model="meetings.meeting"):
    return AuditEvent.objects.filter(verb=verb, object_type=model)


# --- scheduling ------------------------------------------------------------------------------


def test_a_coordinator_schedules_a_meeting_with_the_standing_members_copied():
    area = staffordshire()
    boss = coordinator(area)
    police = area_agency(area, "police")
    health = area_agency(area, "health")
    rep = person_of(police)
    scheduling.add_standing_member(boss, area=area, agency=police, representative=rep)
    scheduling.add_standing_member(boss, area=area, agency=health)

    meeting = scheduled(boss, area, venue="Test Venue Room 2")

    assert meeting.status == MeetingStatus.SCHEDULED
    assert meeting.venue == "Test Venue Room 2"
    members = set(meeting.members.values_list("agency_id", "representative_id"))
    assert members == {(police.pk, rep.pk), (health.pk, None)}
    event = _events("created").get(object_id=str(meeting.pk))
    assert event.changes["members"] == [None, 2]
    assert event.case_reference == ""


@pytest.mark.parametrize(
    "who",
    [
        lambda: coordinator(stoke()),
        lambda: agency_lead(area_agency()),
        auditor,
        referrer,
        lambda: UserFactory(is_staff=True),
    ],
    ids=["coordinator of another area", "agency lead", "auditor", "referrer", "staff"],
)
def test_only_the_areas_coordinators_may_schedule(who):
    with pytest.raises(PermissionDenied):
        scheduled(who(), staffordshire())
    assert not Meeting.objects.exists()


def test_an_auditor_who_also_coordinates_still_may_not_schedule():
    both = coordinator(staffordshire())
    both.role_assignments.create(role="auditor")
    both = type(both).objects.get(pk=both.pk)

    with pytest.raises(PermissionDenied):
        scheduled(both)


def test_the_date_is_today_or_later_and_the_meeting_has_a_place():
    with pytest.raises(ValidationError) as refused:
        scheduled(days=-1, venue="", online=False)

    assert set(refused.value.message_dict) == {"date", "venue"}
    assert not Meeting.objects.exists()
    assert scheduled(days=0).date == in_days(0)
    online = scheduled(venue="", online=True, online_details="Test link")
    assert online.online and online.online_details == "Test link"


def test_joining_details_are_kept_only_for_an_online_meeting():
    meeting = scheduled(online=False, online_details="Test link")
    assert meeting.online_details == ""


@pytest.mark.parametrize(
    ("field", "make"),
    [
        ("police_chair", lambda: person_of(area_agency(kind="social_care"))),
        ("police_chair", lambda: person_of(area_agency(kind="police"), is_active=False)),
        ("police_chair", lambda: person_of(area_agency(kind="police"), is_staff=True)),
        ("local_authority_chair", lambda: person_of(area_agency(kind="police"))),
        ("local_authority_chair", lambda: UserFactory(agency=None)),
    ],
    ids=["police chair not police", "inactive", "staff", "LA chair police", "no agency"],
)
def test_chairs_must_be_active_members_of_the_right_kind_of_agency(field, make):
    with pytest.raises(ValidationError) as refused:
        scheduled(**{field: make()})
    assert field in refused.value.message_dict


def test_chairs_need_no_panel_role():
    police = person_of(area_agency(kind="police"))
    social = person_of(area_agency(kind="social_care"))

    meeting = scheduled(police_chair=police, local_authority_chair=social)

    assert meeting.chairs() == [police, social]


def test_scheduling_notifies_members_chairs_and_coordinators_with_the_link_only():
    area = staffordshire()
    boss = coordinator(area)
    other_boss = coordinator(area)
    police = area_agency(area, "police")
    rep = person_of(police)
    moved_on = person_of(police)
    scheduling.add_standing_member(boss, area=area, agency=police, representative=rep)
    scheduling.add_standing_member(boss, area=area, agency=police, representative=moved_on)
    moved_on.agency = area_agency(area, "health")  # left the agency: no longer its seat
    moved_on.save()
    chair = person_of(area_agency(area, "social_care"))

    meeting = scheduled(boss, area, local_authority_chair=chair)

    notes = Notification.objects.filter(kind="meeting_scheduled")
    assert set(notes.values_list("recipient_id", flat=True)) == {
        rep.pk,
        chair.pk,
        boss.pk,
        other_boss.pk,
    }
    link = reverse("meetings:meeting-detail", args=[meeting.pk])
    assert set(notes.values_list("link", "case_reference")) == {(link, "")}


# --- rescheduling ----------------------------------------------------------------------------


def _arrangements(meeting, **changes):
    fields = {
        "version": meeting.version,
        "date": meeting.date,
        "start_time": meeting.start_time,
        "venue": meeting.venue,
        "online": meeting.online,
        "online_details": meeting.online_details,
        "police_chair": meeting.police_chair,
        "local_authority_chair": meeting.local_authority_chair,
    }
    return {**fields, **changes}


def test_rescheduling_records_each_change_and_notifies_each_time():
    boss = coordinator()
    meeting = scheduled(boss)
    first = in_days(21)

    changed = scheduling.reschedule_meeting(
        boss, meeting=meeting, reason="Room unavailable", **_arrangements(meeting, date=first)
    )
    again = scheduling.reschedule_meeting(
        boss,
        meeting=changed,
        **_arrangements(changed, start_time=dt.time(14, 30), venue="Test Venue Room 9"),
    )

    assert (again.date, again.start_time, again.venue) == (
        first,
        dt.time(14, 30),
        "Test Venue Room 9",
    )
    assert again.version == meeting.version + 2
    updates = list(_events("updated").filter(object_id=str(meeting.pk)).order_by("id"))
    assert updates[0].changes == {
        "date": [meeting.date.isoformat(), first.isoformat()],
        "reason": "changed",
    }
    assert updates[1].changes == {
        "start_time": ["10:00", "14:30"],
        "venue": ["Test Venue Room 1", "Test Venue Room 9"],
    }
    assert Notification.objects.filter(kind="meeting_changed", recipient=boss).count() == 2


def test_rescheduling_with_nothing_changed_records_and_sends_nothing():
    boss = coordinator()
    meeting = scheduled(boss)

    same = scheduling.reschedule_meeting(boss, meeting=meeting, **_arrangements(meeting))

    assert same.version == meeting.version
    assert not _events("updated").exists()
    assert not Notification.objects.filter(kind="meeting_changed").exists()


def test_a_stale_reschedule_is_a_conflict():
    boss = coordinator()
    meeting = scheduled(boss)
    scheduling.reschedule_meeting(boss, meeting=meeting, **_arrangements(meeting, venue="New"))

    with pytest.raises(Conflict):
        scheduling.reschedule_meeting(
            boss, meeting=meeting, **_arrangements(meeting, venue="Other")
        )
    meeting.refresh_from_db()
    assert meeting.venue == "New"


@pytest.mark.parametrize("status", [MeetingStatus.HELD, MeetingStatus.APPROVED])
def test_a_held_meeting_cannot_be_rescheduled(status):
    boss = coordinator()
    meeting = scheduled(boss)
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    meeting.refresh_from_db()

    with pytest.raises(Conflict):
        scheduling.reschedule_meeting(
            boss, meeting=meeting, **_arrangements(meeting, date=in_days(30))
        )


def test_a_published_meeting_can_still_be_rescheduled():
    boss = coordinator()
    meeting = scheduled(boss)
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.PUBLISHED)
    meeting.refresh_from_db()

    moved = scheduling.reschedule_meeting(
        boss, meeting=meeting, **_arrangements(meeting, date=in_days(30))
    )
    assert moved.date == in_days(30)


def test_only_the_areas_coordinators_may_reschedule():
    meeting = scheduled()
    with pytest.raises(PermissionDenied):
        scheduling.reschedule_meeting(
            coordinator(stoke()), meeting=meeting, **_arrangements(meeting, venue="X")
        )


# --- cancelling ------------------------------------------------------------------------------


def test_cancelling_needs_a_reason():
    boss = coordinator()
    meeting = scheduled(boss)

    with pytest.raises(ValidationError) as refused:
        scheduling.cancel_meeting(boss, meeting=meeting, version=meeting.version, reason=" ")

    assert "reason" in refused.value.message_dict
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED


def test_cancelling_moves_pending_items_to_the_end_of_another_meetings_agenda():
    area = staffordshire()
    boss = coordinator(area)
    meeting = scheduled(boss, area)
    target = scheduled(boss, area, days=28)
    already = AgendaItemFactory(meeting=target, order=4)
    first = AgendaItemFactory(meeting=meeting, order=1)
    general = AgendaItemFactory(
        meeting=meeting, order=2, kind="general", case=None, title="Test business"
    )
    heard = AgendaItemFactory(meeting=meeting, order=3, status="heard")
    duplicate = AgendaItemFactory(meeting=meeting, order=5, case=already.case)

    cancelled = scheduling.cancel_meeting(
        boss, meeting=meeting, version=meeting.version, reason="Chair unwell", move_to=target
    )

    assert cancelled.status == MeetingStatus.CANCELLED
    assert cancelled.cancel_reason == "Chair unwell"
    on_target = list(AgendaItem.objects.filter(meeting=target).order_by("order"))
    assert [(i.order, i.moved_from_id) for i in on_target] == [
        (4, None),
        (5, first.pk),
        (6, general.pk),
    ]
    assert on_target[1].case_id == first.case_id and not on_target[1].late
    statuses = dict(AgendaItem.objects.filter(meeting=meeting).values_list("pk", "status"))
    assert statuses == {
        first.pk: "moved",
        general.pk: "moved",
        heard.pk: "heard",
        duplicate.pk: "moved",
    }
    event = _events("transitioned").get(object_id=str(meeting.pk))
    assert event.changes["status"] == ["scheduled", "cancelled"]
    assert event.changes["items_moved"] == 3
    assert (
        _events("created", "meetings.agendaitem")
        .filter(case_reference=first.case.reference)
        .exists()
    )


def test_items_moved_to_a_published_agenda_are_late_with_a_reason():
    boss = coordinator()
    meeting = scheduled(boss)
    target = scheduled(boss, days=3)
    Meeting.objects.filter(pk=target.pk).update(status=MeetingStatus.PUBLISHED)
    item = AgendaItemFactory(meeting=meeting)

    scheduling.cancel_meeting(
        boss, meeting=meeting, version=meeting.version, reason="Test", move_to=target
    )

    moved = AgendaItem.objects.get(moved_from=item)
    assert moved.late and moved.meeting_id == target.pk
    assert moved.reason_detail.startswith("Moved from the cancelled meeting of")


def test_without_a_target_items_go_to_the_areas_to_be_scheduled_list():
    boss = coordinator()
    meeting = scheduled(boss)
    item = AgendaItemFactory(meeting=meeting)

    scheduling.cancel_meeting(boss, meeting=meeting, version=meeting.version, reason="Test")

    waiting = AgendaItem.objects.get(moved_from=item)
    assert waiting.meeting is None and waiting.area_id == meeting.area_id
    assert waiting.status == "pending" and waiting.case_id == item.case_id


def test_the_target_must_be_a_meeting_of_the_area_not_yet_held():
    boss = coordinator(staffordshire())
    boss.role_assignments.create(role="coordinator", area=stoke())
    boss = type(boss).objects.get(pk=boss.pk)
    meeting = scheduled(boss)
    elsewhere = scheduled(boss, stoke())
    held = scheduled(boss, days=2)
    Meeting.objects.filter(pk=held.pk).update(status=MeetingStatus.HELD)
    held.refresh_from_db()

    for target in (elsewhere, held, meeting):
        with pytest.raises(ValidationError) as refused:
            scheduling.cancel_meeting(
                boss, meeting=meeting, version=meeting.version, reason="Test", move_to=target
            )
        assert "move_to" in refused.value.message_dict


def test_a_held_meeting_cannot_be_cancelled():
    boss = coordinator()
    meeting = scheduled(boss)
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)
    meeting.refresh_from_db()

    with pytest.raises(InvalidMeetingTransition):
        scheduling.cancel_meeting(boss, meeting=meeting, version=meeting.version, reason="X")


def test_cancelling_notifies_with_the_link_only_and_never_a_case():
    area = staffordshire()
    boss = coordinator(area)
    police = area_agency(area)
    rep = person_of(police)
    scheduling.add_standing_member(boss, area=area, agency=police, representative=rep)
    meeting = scheduled(boss, area)
    AgendaItemFactory(
        meeting=meeting, case=make_case(area=area, agencies=[police], coordinator_user=boss)
    )

    scheduling.cancel_meeting(boss, meeting=meeting, version=meeting.version, reason="Test")

    notes = Notification.objects.filter(kind="meeting_changed")
    assert set(notes.values_list("recipient_id", flat=True)) == {boss.pk, rep.pk}
    assert set(notes.values_list("case_reference", "link")) == {
        ("", reverse("meetings:meeting-detail", args=[meeting.pk]))
    }


# --- membership ------------------------------------------------------------------------------


def test_any_active_member_of_the_agency_may_represent_it():
    boss = coordinator()
    police = area_agency()
    plain = person_of(police)

    member = scheduling.add_standing_member(
        boss, area=staffordshire(), agency=police, representative=plain
    )

    assert member.representative == plain
    event = _events("created", "meetings.standingmember").get()
    assert event.changes["representative"] == [None, plain.pk]


@pytest.mark.parametrize(
    ("field", "agency", "person"),
    [
        ("agency", lambda: area_agency(stoke()), lambda a: None),
        ("representative", area_agency, lambda a: person_of(area_agency())),
        ("representative", area_agency, lambda a: person_of(a, is_active=False)),
        ("representative", area_agency, lambda a: person_of(a, is_staff=True)),
    ],
    ids=["agency not of the area", "person of another agency", "inactive", "staff"],
)
def test_a_member_must_be_an_agency_of_the_area_and_its_own_active_person(field, agency, person):
    boss = coordinator()
    chosen = agency()
    with pytest.raises(ValidationError) as refused:
        scheduling.add_standing_member(
            boss, area=staffordshire(), agency=chosen, representative=person(chosen)
        )
    assert field in refused.value.message_dict
    assert not StandingMember.objects.exists()


def test_the_same_member_is_not_added_twice():
    boss = coordinator()
    police = area_agency()
    scheduling.add_standing_member(boss, area=staffordshire(), agency=police)

    with pytest.raises(ValidationError):
        scheduling.add_standing_member(boss, area=staffordshire(), agency=police)


def test_standing_membership_is_for_the_areas_coordinators():
    police = area_agency()
    for who in (coordinator(stoke()), agency_lead(police), auditor()):
        with pytest.raises(PermissionDenied):
            scheduling.add_standing_member(who, area=staffordshire(), agency=police)
    member = scheduling.add_standing_member(coordinator(), area=staffordshire(), agency=police)
    with pytest.raises(PermissionDenied):
        scheduling.remove_standing_member(coordinator(stoke()), member=member)


def test_removing_a_standing_member_is_audited_and_keeps_scheduled_meetings():
    boss = coordinator()
    police = area_agency()
    member = scheduling.add_standing_member(boss, area=staffordshire(), agency=police)
    meeting = scheduled(boss)

    scheduling.remove_standing_member(boss, member=member)

    assert not StandingMember.objects.exists()
    assert meeting.members.filter(agency=police).exists()
    event = _events("updated", "meetings.standingmember").get()
    assert event.changes["removed"] is True


def test_a_meetings_members_change_until_it_is_held():
    boss = coordinator()
    meeting = scheduled(boss)
    police = area_agency()
    rep = person_of(police)

    member = scheduling.add_meeting_member(boss, meeting=meeting, agency=police, representative=rep)

    assert Notification.objects.filter(recipient=rep, kind="meeting_scheduled").exists()
    scheduling.remove_meeting_member(boss, member=member)
    assert not meeting.members.exists()
    assert _events("created", "meetings.meetingmember").count() == 1
    assert _events("updated", "meetings.meetingmember").count() == 1

    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)
    meeting.refresh_from_db()
    with pytest.raises(Conflict):
        scheduling.add_meeting_member(boss, meeting=meeting, agency=police)


def test_a_member_with_attendance_recorded_is_kept():
    boss = coordinator()
    meeting = scheduled(boss)
    member = scheduling.add_meeting_member(boss, meeting=meeting, agency=area_agency())
    MeetingMember.objects.filter(pk=member.pk).update(attendance="apologies")

    with pytest.raises(ValidationError):
        scheduling.remove_meeting_member(boss, member=member)
    assert meeting.members.count() == 1


def test_meeting_membership_is_for_the_areas_coordinators():
    meeting = scheduled()
    police = area_agency()
    with pytest.raises(PermissionDenied):
        scheduling.add_meeting_member(coordinator(stoke()), meeting=meeting, agency=police)

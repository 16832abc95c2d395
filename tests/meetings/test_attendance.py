"""Recording who is at the meeting: attendance by agency (and the quorum as it changes),
observers and guests, the confidentiality statement, declarations of interest. Who may do
each, when, and what the audit trail keeps."""

import datetime as dt
import inspect
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from meetings.models import Declaration, MeetingGuest, MeetingMember, MeetingStatus
from meetings.services import attendance as service
from meetings.services.quorum import quorum_state
from panel.dates import london_today
from panel.errors import Conflict
from tests.factories import (
    AgendaItemFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    staffordshire,
    stoke,
)
from tests.meetings.attendance_helpers import meeting_today, member, quorum_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return coordinator(staffordshire())


@pytest.fixture
def meeting():
    return meeting_today()


def events(verb: str, object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb, object_type=object_type).order_by("id"))


# --- attendance ---------------------------------------------------------------------------


def test_a_coordinator_records_a_member_present_and_the_change_is_audited(boss, meeting):
    seat = member(meeting, "police")

    service.record_attendance(boss, member=seat, attendance="present")

    seat.refresh_from_db()
    assert seat.attendance == "present"
    assert seat.recorded_at is not None
    [event] = events("updated", "meetings.meetingmember")
    assert event.actor == boss
    assert event.object_id == str(seat.pk)
    assert event.changes["attendance"] == ["expected", "present"]
    assert event.changes["agency"] == seat.agency.name


def test_a_deputy_who_came_instead_of_the_named_representative_is_recorded(boss, meeting):
    seat = member(meeting, "health")

    service.record_attendance(
        boss, member=seat, attendance="present", attended_by="  Dee Deputy-Test "
    )

    seat.refresh_from_db()
    assert seat.attended_by == "Dee Deputy-Test"
    [event] = events("updated", "meetings.meetingmember")
    assert event.changes["attended_by"] == ["", "Dee Deputy-Test"]


def test_the_quorum_flips_as_attendance_is_recorded(boss, meeting):
    seats = quorum_members(meeting)
    for kind in ("police", "social_care", "health"):
        service.record_attendance(boss, member=seats[kind], attendance="present")
    assert quorum_state(meeting).missing == ("education",)

    service.record_attendance(boss, member=seats["education"], attendance="present")
    assert quorum_state(meeting).quorate

    service.record_attendance(boss, member=seats["health"], attendance="apologies")
    state = quorum_state(meeting)
    assert not state.quorate
    assert service.quorum_text(state) == (
        "Not quorate: health is not present. Decisions other than closures take effect and "
        "are marked to be ratified; closures wait for ratification."
    )


def test_the_banner_names_the_missing_agencies_in_the_usual_order(meeting):
    seats = quorum_members(meeting)
    for kind in ("social_care", "education"):
        MeetingMember.objects.filter(pk=seats[kind].pk).update(attendance="present")

    assert service.quorum_headline(quorum_state(meeting)) == (
        "Not quorate: police and health are not present."
    )


@pytest.mark.parametrize("kind", ["auditor", "other_area", "agency_lead", "representative"])
def test_only_a_coordinator_of_the_area_records_attendance(meeting, kind):
    seat = member(meeting, "police")
    actor = {
        "auditor": lambda: auditor(),
        "other_area": lambda: coordinator(stoke()),
        "agency_lead": lambda: agency_lead(seat.agency),
        "representative": lambda: seat.representative,
    }[kind]()

    with pytest.raises(PermissionDenied):
        service.record_attendance(actor, member=seat, attendance="present")

    seat.refresh_from_db()
    assert seat.attendance == "expected"
    assert not events("updated", "meetings.meetingmember")


@pytest.mark.parametrize(
    ("status", "days_ahead", "is_open"),
    [
        (MeetingStatus.SCHEDULED, 0, False),
        (MeetingStatus.PUBLISHED, 3, False),
        (MeetingStatus.PUBLISHED, 0, True),
        (MeetingStatus.PUBLISHED, -1, True),
        (MeetingStatus.HELD, -2, True),
        (MeetingStatus.APPROVED, -20, False),
    ],
)
def test_attendance_is_recorded_from_the_day_of_the_meeting_until_minutes_are_approved(
    boss, status, days_ahead, is_open
):
    meeting = meeting_today(status=status, date=london_today() + dt.timedelta(days=days_ahead))
    seat = member(meeting, "police")

    if is_open:
        service.record_attendance(boss, member=seat, attendance="absent")
        seat.refresh_from_db()
        assert seat.attendance == "absent"
    else:
        with pytest.raises(Conflict, match="from the day of the meeting"):
            service.record_attendance(boss, member=seat, attendance="absent")
        assert not events("updated", "meetings.meetingmember")


@pytest.mark.parametrize(
    ("attendance", "attended_by", "field"),
    [
        ("expected", "", "attendance"),
        ("late", "", "attendance"),
        ("apologies", "Dee Deputy-Test", "attended_by"),
        ("present", "x" * 151, "attended_by"),
    ],
)
def test_bad_attendance_is_refused_and_changes_nothing(
    boss, meeting, attendance, attended_by, field
):
    seat = member(meeting, "police")

    with pytest.raises(ValidationError) as refused:
        service.record_attendance(boss, member=seat, attendance=attendance, attended_by=attended_by)

    assert field in refused.value.message_dict
    seat.refresh_from_db()
    assert seat.attendance == "expected"


def test_recording_what_is_already_recorded_leaves_no_event(boss, meeting):
    seat = member(meeting, "police")
    service.record_attendance(boss, member=seat, attendance="present")

    service.record_attendance(boss, member=seat, attendance="present")

    assert len(events("updated", "meetings.meetingmember")) == 1


def test_the_whole_form_is_saved_together_and_only_changes_are_audited(boss, meeting):
    seats = quorum_members(meeting)
    MeetingMember.objects.filter(pk=seats["police"].pk).update(attendance="present")

    changed = service.record_attendance_all(
        boss,
        meeting=meeting,
        rows=[
            {"member": seats["police"], "attendance": "present"},
            {"member": seats["health"].pk, "attendance": "sent_information"},
            {"member": seats["education"], "attendance": "present", "attended_by": "Dep-Test"},
        ],
    )

    assert {m.pk for m in changed} == {seats["health"].pk, seats["education"].pk}
    assert len(events("updated", "meetings.meetingmember")) == 2
    assert MeetingMember.objects.get(pk=seats["health"].pk).attendance == "sent_information"


def test_one_bad_row_saves_nothing_and_names_its_member(boss, meeting):
    seats = quorum_members(meeting)

    with pytest.raises(ValidationError) as refused:
        service.record_attendance_all(
            boss,
            meeting=meeting,
            rows=[
                {"member": seats["police"], "attendance": "present"},
                {"member": seats["health"], "attendance": "maybe"},
            ],
        )

    assert f"member_{seats['health'].pk}_attendance" in refused.value.message_dict
    assert not MeetingMember.objects.filter(meeting=meeting, attendance="present").exists()


def test_a_member_of_another_meeting_cannot_be_recorded_in_this_one(boss, meeting):
    other = member(meeting_today(), "police")

    with pytest.raises(ValidationError, match="Not members of this meeting"):
        service.record_attendance_all(
            boss, meeting=meeting, rows=[{"member": other, "attendance": "present"}]
        )

    other.refresh_from_db()
    assert other.attendance == "expected"


# --- observers and guests ------------------------------------------------------------------


def test_an_observer_is_added_and_removed_with_both_audited(boss, meeting):
    guest = service.add_guest(
        boss, meeting=meeting, name="Obi Observer-Test", organisation="Test Trust", kind="observer"
    )

    assert list(meeting.guests.values_list("name", "organisation", "kind")) == [
        ("Obi Observer-Test", "Test Trust", "observer")
    ]
    [created] = events("created", "meetings.meetingguest")
    assert created.changes["organisation"] == "Test Trust"

    service.remove_guest(boss, guest=guest)

    assert not MeetingGuest.objects.exists()
    [removed] = events("updated", "meetings.meetingguest")
    assert removed.object_id == str(guest.pk)
    assert removed.changes["deleted"] is True


@pytest.mark.parametrize(
    ("name", "organisation", "kind", "field"),
    [
        ("", "Test Trust", "guest", "name"),
        ("Gus Guest-Test", "  ", "guest", "organisation"),
        ("Gus Guest-Test", "Test Trust", "speaker", "kind"),
    ],
)
def test_a_guest_needs_a_name_an_organisation_and_a_kind(
    boss, meeting, name, organisation, kind, field
):
    with pytest.raises(ValidationError) as refused:
        service.add_guest(boss, meeting=meeting, name=name, organisation=organisation, kind=kind)

    assert field in refused.value.message_dict
    assert not MeetingGuest.objects.exists()


def test_an_agency_lead_cannot_add_a_guest(meeting):
    seat = member(meeting, "police")

    with pytest.raises(PermissionDenied):
        service.add_guest(
            agency_lead(seat.agency), meeting=meeting, name="Gus Guest-Test",
            organisation="Test Trust", kind="guest",
        )  # fmt: skip

    assert not MeetingGuest.objects.exists()


def test_guests_are_not_recorded_before_the_day_of_the_meeting(boss):
    meeting = meeting_today(date=london_today() + dt.timedelta(days=2))

    with pytest.raises(Conflict):
        service.add_guest(
            boss, meeting=meeting, name="Gus Guest-Test", organisation="Test Trust", kind="guest"
        )


# --- the confidentiality statement ---------------------------------------------------------


def test_the_confidentiality_statement_is_recorded_with_who_read_it(boss, meeting):
    service.record_confidentiality(
        boss, meeting=meeting, read_by="Chair Person-Test", version=meeting.version
    )

    meeting.refresh_from_db()
    assert meeting.confidentiality_read
    assert meeting.confidentiality_read_by == "Chair Person-Test"
    assert meeting.version == 2
    [event] = events("updated", "meetings.meeting")
    assert event.changes["confidentiality_read"] == [False, True]


def test_a_stale_confidentiality_form_is_a_conflict(boss, meeting):
    stale = meeting.version
    service.record_confidentiality(boss, meeting=meeting, read_by="First-Test", version=stale)

    with pytest.raises(Conflict):
        service.record_confidentiality(boss, meeting=meeting, read_by="Second-Test", version=stale)

    meeting.refresh_from_db()
    assert meeting.confidentiality_read_by == "First-Test"


def test_the_statement_needs_the_name_of_who_read_it(boss, meeting):
    with pytest.raises(ValidationError) as refused:
        service.record_confidentiality(boss, meeting=meeting, read_by=" ", version=1)

    assert "read_by" in refused.value.message_dict


def test_an_auditor_cannot_record_the_statement(meeting):
    with pytest.raises(PermissionDenied):
        service.record_confidentiality(auditor(), meeting=meeting, read_by="A-Test", version=1)


# --- declarations of interest ---------------------------------------------------------------


@pytest.fixture
def police_seat(meeting):
    seat = member(meeting, "police")
    seat.representative = agency_lead(seat.agency)
    seat.save()
    return seat


@pytest.fixture
def item(meeting, police_seat):
    case = make_case(area=meeting.area, agencies=[police_seat.agency])
    return AgendaItemFactory(meeting=meeting, case=case)


def test_a_coordinator_records_a_declaration_and_the_audit_keeps_no_interest_text(
    boss, item, police_seat
):
    declaration = service.record_declaration(
        boss, item=item, member=police_seat, interest="Fictional: knows the family socially."
    )

    assert declaration.interest == "Fictional: knows the family socially."
    [event] = events("created", "meetings.declaration")
    assert event.case_reference == item.case.reference
    assert "knows the family" not in str(event.changes)
    assert event.changes["member"] == police_seat.pk


def test_a_representative_declares_for_their_own_seat_on_a_case_they_may_see(item, police_seat):
    service.record_declaration(
        police_seat.representative, item=item, member=police_seat, interest="Fictional interest."
    )

    assert Declaration.objects.get().recorded_by == police_seat.representative


def test_a_representative_cannot_declare_for_another_seat(meeting, item, police_seat):
    health = member(meeting, "health")

    with pytest.raises(PermissionDenied):
        service.record_declaration(
            police_seat.representative, item=item, member=health, interest="Fictional."
        )
    assert not Declaration.objects.exists()


def test_a_representative_cannot_declare_on_a_case_they_may_not_see(meeting, boss):
    seat = member(meeting, "health")
    seat.representative = agency_lead(seat.agency)
    seat.save()
    unseen = AgendaItemFactory(meeting=meeting, case=make_case(area=meeting.area))

    with pytest.raises(PermissionDenied):
        service.record_declaration(
            seat.representative, item=unseen, member=seat, interest="Fictional."
        )
    assert not Declaration.objects.exists()


@pytest.mark.parametrize("who", ["auditor", "other_area"])
def test_auditors_and_other_areas_cannot_record_declarations(item, police_seat, who):
    actor = auditor() if who == "auditor" else coordinator(stoke())

    with pytest.raises(PermissionDenied):
        service.record_declaration(actor, item=item, member=police_seat, interest="Fictional.")


def test_a_declaration_needs_its_interest(boss, item, police_seat):
    with pytest.raises(ValidationError) as refused:
        service.record_declaration(boss, item=item, member=police_seat, interest="  ")

    assert "interest" in refused.value.message_dict


def test_a_declaration_is_about_a_case_item(boss, meeting, police_seat):
    general = AgendaItemFactory(meeting=meeting, kind="general", case=None, title="Test AOB")

    with pytest.raises(ValidationError) as refused:
        service.record_declaration(boss, item=general, member=police_seat, interest="Fictional.")

    assert "item" in refused.value.message_dict


def test_no_declarations_once_the_minutes_are_approved(boss, item, police_seat, meeting):
    meeting.status = MeetingStatus.APPROVED
    meeting.approved_at = timezone.now()
    meeting.save()

    with pytest.raises(Conflict):
        service.record_declaration(boss, item=item, member=police_seat, interest="Fictional.")


# --- audit completeness: every write in this module, and exactly its events -----------------


def _seat_today():
    meeting = meeting_today()
    return coordinator(meeting.area), meeting, member(meeting, "police")


def _record_attendance():
    boss, _, seat = _seat_today()
    return lambda: service.record_attendance(boss, member=seat, attendance="present")


def _record_attendance_all():
    boss, meeting, seat = _seat_today()
    other = member(meeting, "health")
    rows = [{"member": seat, "attendance": "present"}, {"member": other, "attendance": "absent"}]
    return lambda: service.record_attendance_all(boss, meeting=meeting, rows=rows)


def _add_guest():
    boss, meeting, _ = _seat_today()
    return lambda: service.add_guest(
        boss, meeting=meeting, name="G-Test", organisation="Test", kind="guest"
    )


def _remove_guest():
    boss, meeting, _ = _seat_today()
    guest = service.add_guest(boss, meeting=meeting, name="G-Test", organisation="T", kind="guest")
    return lambda: service.remove_guest(boss, guest=guest)


def _record_confidentiality():
    boss, meeting, _ = _seat_today()
    return lambda: service.record_confidentiality(
        boss, meeting=meeting, read_by="Chair-Test", version=meeting.version
    )


def _record_declaration():
    boss, meeting, seat = _seat_today()
    item = AgendaItemFactory(meeting=meeting)
    return lambda: service.record_declaration(boss, item=item, member=seat, interest="Fictional.")


AUDITED = {
    "record_attendance": (_record_attendance, {("updated", "meetings.meetingmember"): 1}),
    "record_attendance_all": (_record_attendance_all, {("updated", "meetings.meetingmember"): 2}),
    "add_guest": (_add_guest, {("created", "meetings.meetingguest"): 1}),
    "remove_guest": (_remove_guest, {("updated", "meetings.meetingguest"): 1}),
    "record_confidentiality": (_record_confidentiality, {("updated", "meetings.meeting"): 1}),
    "record_declaration": (_record_declaration, {("created", "meetings.declaration"): 1}),
}


def test_every_write_in_the_attendance_services_is_in_the_audit_table():
    writes = {
        name
        for name, fn in inspect.getmembers(service, inspect.isfunction)
        if fn.__module__ == service.__name__
        and not name.startswith("_")
        and next(iter(inspect.signature(fn).parameters), None) == "actor"
    }
    assert writes == set(AUDITED)


@pytest.mark.parametrize("name", sorted(AUDITED))
def test_each_attendance_service_records_exactly_its_events(name):
    arrange, expected = AUDITED[name]
    action = arrange()
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    action()

    made = AuditEvent.objects.filter(id__gt=before).values_list("verb", "object_type")
    assert Counter(made) == Counter(expected)

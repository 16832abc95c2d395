"""The attendance and declarations pages: what each reader sees, the quorum banner as
attendance is saved (with and without JavaScript), who may record, and constant queries."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from meetings.models import Declaration, MeetingGuest, MeetingMember
from meetings.services import attendance as service
from panel.dates import london_today
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
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

NOT_QUORATE_END = (
    "Decisions other than closures take effect and are marked to be ratified; closures wait "
    "for ratification."
)


@pytest.fixture
def boss():
    return coordinator(staffordshire())


@pytest.fixture
def meeting():
    return meeting_today()


def url(meeting, name="attendance"):
    return reverse(f"meetings:{name}", args=[meeting.pk])


def text(response) -> str:
    return " ".join(response.content.decode().split())


def form_data(seats: dict[str, MeetingMember], **attendance: str) -> dict[str, str]:
    """The attendance form as loaded (each row's ``initial-`` value) with ``attendance``
    chosen for the members of those kinds."""
    data = {}
    for kind, seat in seats.items():
        data[f"initial-member_{seat.pk}_attendance"] = ""
        data[f"initial-member_{seat.pk}_attended_by"] = ""
        data[f"member_{seat.pk}_attended_by"] = ""
        if kind in attendance:
            data[f"member_{seat.pk}_attendance"] = attendance[kind]
    return data


def test_the_page_lists_every_member_with_a_radio_group_and_the_banner(client, boss, meeting):
    seats = quorum_members(meeting)
    client.force_login(boss)

    page = text(client.get(url(meeting)))

    for seat in seats.values():
        assert seat.agency.name in page
        assert str(seat.representative) in page
        assert f'name="member_{seat.pk}_attendance"' in page
    assert "Sent information only" in page
    assert (
        "This area's panel is quorate when police, children's social care, health "
        "and education are present."
    ) in page.replace("&#x27;", "'")
    assert "Attended by (a deputy" in page
    assert (
        "Not quorate: police, children's social care, health and education are not present. "
        + NOT_QUORATE_END
    ) in page.replace("&#x27;", "'")
    assert settings_statement() in page.replace("&#x27;", "'")


def settings_statement() -> str:
    from django.conf import settings

    return " ".join(settings.MEETING_CONFIDENTIALITY_STATEMENT.split())


def test_saving_the_form_without_javascript_records_attendance_and_the_banner_flips(
    client, boss, meeting
):
    seats = quorum_members(meeting)
    client.force_login(boss)

    response = client.post(
        url(meeting),
        form_data(seats, police="present", health="present", social_care="apologies"),
    )
    assert response.status_code == 302
    page = text(client.get(url(meeting)))
    assert "Attendance saved: 3 members updated." in page
    assert "Not quorate: children&#x27;s social care and education are not present." in page

    everyone = form_data(seats, police="present", health="present", social_care="present")
    everyone |= {
        f"initial-member_{seats[k].pk}_attendance": "present" for k in ("police", "health")
    }
    everyone[f"initial-member_{seats['social_care'].pk}_attendance"] = "apologies"
    everyone[f"member_{seats['education'].pk}_attendance"] = "present"
    client.post(url(meeting), everyone)

    page = text(client.get(url(meeting)))
    assert "Quorate" in page
    assert "Not quorate" not in page
    assert set(meeting.members.values_list("attendance", flat=True)) == {"present"}


def test_with_htmx_each_change_is_saved_and_answered_with_the_banner(client, boss, meeting):
    seats = quorum_members(meeting)
    client.force_login(boss)

    response = client.post(
        url(meeting),
        form_data(
            seats, police="present", social_care="present", health="present", education="present"
        ),
        HTTP_HX_REQUEST="true",
    )

    page = text(response)
    assert response.status_code == 200
    assert "Quorate" in page
    assert "Quorate" in page and "Not quorate" not in page
    # Each saved row's "as loaded" value moves on, out of band.
    assert (
        f'id="initial-id_member_{seats["police"].pk}_attendance" '
        f'name="initial-member_{seats["police"].pk}_attendance" value="present" hx-swap-oob="true"'
    ) in page
    assert "<html" not in page


def test_a_row_changed_by_someone_else_is_not_overwritten_by_a_stale_page(client, boss, meeting):
    seats = quorum_members(meeting)
    loaded = form_data(seats, police="present")
    # Someone else records health's apologies after this page was loaded.
    service.record_attendance(boss, member=seats["health"], attendance="apologies")
    client.force_login(boss)

    client.post(url(meeting), loaded)

    assert MeetingMember.objects.get(pk=seats["health"].pk).attendance == "apologies"
    assert MeetingMember.objects.get(pk=seats["police"].pk).attendance == "present"


def test_a_deputy_for_an_absent_agency_is_shown_as_an_error_and_nothing_is_saved(
    client, boss, meeting
):
    seats = quorum_members(meeting)
    data = form_data(seats, police="present", health="apologies")
    data[f"member_{seats['health'].pk}_attended_by"] = "Dee Deputy-Test"
    client.force_login(boss)

    response = client.post(url(meeting), data)

    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert "Name a deputy only for an agency that was present." in page
    assert not meeting.members.filter(attendance="present").exists()


def test_an_agency_lead_of_a_member_sees_attendance_but_no_form(client, meeting):
    seats = quorum_members(meeting)
    service.record_attendance(coordinator(), member=seats["police"], attendance="present")
    lead = agency_lead(seats["police"].agency)
    client.force_login(lead)

    page = text(client.get(url(meeting)))

    assert "Present" in page
    assert 'name="member_' not in page
    assert "Add an observer or guest" not in page
    assert client.post(url(meeting), form_data(seats, health="present")).status_code == 403
    assert not meeting.members.filter(attendance="present").exclude(pk=seats["police"].pk).exists()


@pytest.mark.parametrize("who", ["auditor", "other_area"])
def test_auditors_read_and_other_areas_get_404(client, meeting, who):
    member(meeting, "police")
    client.force_login(auditor() if who == "auditor" else coordinator(stoke()))

    response = client.get(url(meeting))

    if who == "auditor":
        assert response.status_code == 200
        assert 'name="member_' not in text(response)
        assert client.post(url(meeting), {}).status_code == 403
    else:
        assert response.status_code == 404
        assert client.post(url(meeting), {}).status_code == 404


def test_before_the_day_the_page_says_when_attendance_is_recorded(client, boss):
    meeting = meeting_today(date=london_today() + dt.timedelta(days=3))
    member(meeting, "police")
    client.force_login(boss)

    page = text(client.get(url(meeting)))

    assert "Attendance is recorded at the meeting" in page
    assert 'name="member_' not in page


def test_an_observer_is_added_and_removed_on_the_page(client, boss, meeting):
    client.force_login(boss)

    response = client.post(
        url(meeting, "attendance-guest-add"),
        {
            "guest-name": "Obi Observer-Test",
            "guest-organisation": "Test Trust",
            "guest-kind": "observer",
        },
    )
    assert response.status_code == 302
    page = text(client.get(url(meeting)))
    assert "Obi Observer-Test, Test Trust (observer)" in page

    guest = MeetingGuest.objects.get()
    client.post(reverse("meetings:attendance-guest-remove", args=[meeting.pk, guest.pk]))
    assert not MeetingGuest.objects.exists()


def test_a_guest_without_an_organisation_is_asked_for_one(client, boss, meeting):
    client.force_login(boss)

    response = client.post(
        url(meeting, "attendance-guest-add"),
        {"guest-name": "Obi Observer-Test", "guest-organisation": "", "guest-kind": "guest"},
    )

    assert response.status_code == 400
    assert "Enter the organisation they are from" in text(response)


def test_the_confidentiality_statement_is_recorded_on_the_page(client, boss, meeting):
    client.force_login(boss)

    client.post(
        url(meeting, "attendance-confidentiality"),
        {
            "statement-read": "on",
            "statement-read_by": "Chair Person-Test",
            "statement-version": meeting.version,
        },
    )

    page = text(client.get(url(meeting)))
    assert "Read to the meeting by <strong>Chair Person-Test</strong>" in page
    assert AuditEvent.objects.filter(verb="updated", object_type="meetings.meeting").count() == 1


def test_the_statement_needs_the_box_ticked(client, boss, meeting):
    client.force_login(boss)

    response = client.post(
        url(meeting, "attendance-confidentiality"),
        {"statement-read_by": "Chair Person-Test", "statement-version": meeting.version},
    )

    assert response.status_code == 400
    assert "Tick the box once the statement has been read" in text(response)


@pytest.mark.parametrize("count", [1, 15])
def test_the_attendance_page_runs_a_fixed_number_of_queries(
    client, boss, meeting, count, django_assert_num_queries
):
    for index in range(count):
        member(meeting, ["police", "health", "education", "voluntary"][index % 4])
    service.add_guest(boss, meeting=meeting, name="Obi-Test", organisation="Test", kind="guest")
    client.force_login(boss)

    # Session, user, roles; the meeting; its members; its guests; the area's quorum and who
    # is present; the unread-notifications badge.
    with django_assert_num_queries(3 + 1 + 1 + 1 + 2 + 1):
        response = client.get(url(meeting))

    assert response.status_code == 200


# --- declarations ---------------------------------------------------------------------------


@pytest.fixture
def police_seat(meeting):
    seat = member(meeting, "police")
    seat.representative = agency_lead(seat.agency, first_name="Rep", last_name="Police-Test")
    seat.save()
    return seat


def test_declarations_show_only_the_cases_the_reader_may_see(client, boss, meeting, police_seat):
    seen = AgendaItemFactory(
        meeting=meeting, case=make_case(area=meeting.area, agencies=[police_seat.agency])
    )
    unseen = AgendaItemFactory(meeting=meeting, case=make_case(area=meeting.area))
    service.record_declaration(
        boss, item=seen, member=police_seat, interest="Fictional: neighbour."
    )
    service.record_declaration(boss, item=unseen, member=police_seat, interest="Fictional: cousin.")
    client.force_login(police_seat.representative)

    page = text(client.get(url(meeting, "declarations")))

    assert seen.case.reference in page
    assert "Fictional: neighbour." in page
    assert unseen.case.reference not in page
    assert "Fictional: cousin." not in page
    assert "1 other case on the agenda is not shown." in page
    listed = AuditEvent.objects.get(verb="listed", actor=police_seat.representative)
    assert set(listed.listed_objects.values_list("object_type", "object_id")) >= {
        ("meetings.agendaitem", seen.pk),
        ("cases.case", seen.case_id),
    }


def test_a_representative_declares_for_their_own_seat_on_the_page(client, meeting, police_seat):
    item = AgendaItemFactory(
        meeting=meeting, case=make_case(area=meeting.area, agencies=[police_seat.agency])
    )
    other = member(meeting, "health")
    client.force_login(police_seat.representative)

    page = text(client.get(url(meeting, "declarations")))
    assert "Record a declaration" in page
    assert other.agency.name not in page.split("Record a declaration")[1]

    response = client.post(
        url(meeting, "declarations"),
        {"item": item.pk, "member": police_seat.pk, "interest": "Fictional: taught the child."},
    )
    assert response.status_code == 302
    assert Declaration.objects.get().member == police_seat


def test_someone_without_a_seat_cannot_declare(client, meeting, police_seat):
    item = AgendaItemFactory(
        meeting=meeting, case=make_case(area=meeting.area, agencies=[police_seat.agency])
    )
    colleague = agency_lead(police_seat.agency)
    client.force_login(colleague)

    assert "Record a declaration" not in text(client.get(url(meeting, "declarations")))
    response = client.post(
        url(meeting, "declarations"),
        {"item": item.pk, "member": police_seat.pk, "interest": "Fictional."},
    )
    assert response.status_code == 403
    assert not Declaration.objects.exists()


def test_a_declaration_without_an_interest_is_asked_for_it(client, boss, meeting, police_seat):
    item = AgendaItemFactory(meeting=meeting)
    client.force_login(boss)

    response = client.post(
        url(meeting, "declarations"), {"item": item.pk, "member": police_seat.pk, "interest": ""}
    )

    assert response.status_code == 400
    assert "Enter the interest being declared" in text(response)


@pytest.mark.parametrize("count", [1, 40])
def test_the_declarations_page_runs_a_fixed_number_of_queries(
    client, boss, meeting, police_seat, count, django_assert_num_queries
):
    for _ in range(count):
        item = AgendaItemFactory(meeting=meeting)
        service.record_declaration(boss, item=item, member=police_seat, interest="Fictional.")
    client.force_login(boss)

    # Session, user, roles; the meeting; the visible case items with their cases, and their
    # declarations with who made them (prefetch); the "listed" event; the count of all the
    # agenda's case items; the form's items and members; the unread-notifications badge.
    expected = 3 + 1 + 2 + audit_event_queries(agency=False, listed_rows=True) + 1 + 2 + 1
    with django_assert_num_queries(expected):
        response = client.get(url(meeting, "declarations"))

    assert response.status_code == 200

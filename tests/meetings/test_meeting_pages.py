"""The meetings list and a meeting's page, scheduling, changing and cancelling from the
web, membership pages, the calendar file, the navigation and the admin."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from meetings import calendar
from meetings.models import AgendaItem, Meeting, MeetingMember, MeetingStatus
from meetings.services import scheduling
from panel.navigation import items_for
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


def detail(meeting) -> str:
    return reverse("meetings:meeting-detail", args=[meeting.pk])


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_upcoming_meetings_soonest_first_then_past_ones(client):
    boss = coordinator()
    later = scheduled(boss, days=30)
    sooner = scheduled(boss, days=2)
    past = scheduled(boss, days=0)
    older = scheduled(boss, days=0)
    Meeting.objects.filter(pk=past.pk).update(date=in_days(-7))
    Meeting.objects.filter(pk=older.pk).update(date=in_days(-40))
    client.force_login(boss)

    page = client.get(reverse("meetings:meeting-list"))

    assert [m.pk for m in page.context["page"]] == [sooner.pk, later.pk, past.pk, older.pk]
    assert "Schedule a meeting" in text(page)
    listed = AuditEvent.objects.get(verb="listed", object_type="meetings.meeting")
    assert listed.changes["listed_count"] == 4


def test_the_list_shows_only_meetings_the_user_may_see(client):
    police = area_agency()
    lead = agency_lead(police)
    boss = coordinator()
    theirs = scheduled(boss)
    scheduling.add_meeting_member(boss, meeting=theirs, agency=police)
    scheduled(boss, days=20)
    scheduled(coordinator(stoke()), stoke())
    client.force_login(lead)

    page = client.get(reverse("meetings:meeting-list"))

    assert [m.pk for m in page.context["page"]] == [theirs.pk]
    assert "Schedule a meeting" not in text(page)


# --- a meeting's page ------------------------------------------------------------------------


def test_the_page_shows_arrangements_members_and_the_publish_by_date(client):
    area = staffordshire()
    boss = coordinator(area)
    police = area_agency(area, "police", name="Test Police Force")
    rep = person_of(police, first_name="Testrep", last_name="Police-01")
    chair = person_of(area_agency(area, "social_care"), first_name="Testchair", last_name="LA")
    scheduling.add_standing_member(boss, area=area, agency=police, representative=rep)
    meeting = scheduled(boss, area, local_authority_chair=chair, online=True)
    client.force_login(boss)

    page = text(client.get(detail(meeting)))

    assert "Test Venue Room 1" in page and "Members can also join online" in page
    assert "Testchair LA" in page and "Testrep Police-01" in page
    assert "Test Police Force" in page and "Expected" in page
    assert f"published by {meeting.publish_by():%-d %B %Y}" in page
    assert "Download calendar file (.ics)" in page
    assert "Cancel the meeting" in page


def test_the_page_counts_cases_the_viewer_cannot_see_without_naming_them(client):
    area = staffordshire()
    boss = coordinator(area)
    police = area_agency(area)
    lead = agency_lead(police)
    meeting = scheduled(boss, area)
    scheduling.add_meeting_member(boss, meeting=meeting, agency=police)
    theirs = AgendaItemFactory(meeting=meeting, case=make_case(area=area, agencies=[police]))
    others = [AgendaItemFactory(meeting=meeting) for _ in range(2)]
    AgendaItemFactory(meeting=meeting, kind="general", case=None, title="Test business")
    client.force_login(lead)

    page = text(client.get(detail(meeting)))

    assert "1 case you may see, 2 other cases, 1 item of general business" in page
    for item in others:
        assert item.case.reference not in page
    assert theirs.case.reference not in page  # counts only, on this page
    assert "Cancel the meeting" not in page
    assert not AuditEvent.objects.filter(verb="viewed").exists()


@pytest.mark.parametrize(
    "who",
    [
        lambda area: coordinator(stoke()),
        lambda area: agency_lead(area_agency(area)),
        lambda area: referrer(),
        lambda area: UserFactory(is_staff=True, is_superuser=True, agency=None),
    ],
    ids=["coordinator of another area", "agency lead not a member", "referrer", "staff"],
)
def test_a_meeting_out_of_scope_is_not_found_on_every_page(client, who):
    area = staffordshire()
    meeting = scheduled(area=area)
    client.force_login(who(area))

    for name in ["meeting-detail", "meeting-ics", "meeting-reschedule", "meeting-cancel"]:
        url = reverse(f"meetings:{name}", args=[meeting.pk])
        assert client.get(url).status_code == 404, name
    assert client.get(reverse("meetings:meeting-members", args=[meeting.pk])).status_code == 404
    # An area is no secret: its scheduling and membership pages are refused by role.
    assert client.get(reverse("meetings:standing-members", args=[area.pk])).status_code == 403
    assert client.get(reverse("meetings:meeting-schedule", args=[area.pk])).status_code == 403
    assert AuditEvent.objects.filter(
        verb="denied", object_type="meetings.meeting", object_id=str(meeting.pk)
    ).exists()


def test_a_member_who_may_see_the_meeting_may_not_change_it(client):
    boss = coordinator()
    police = area_agency()
    lead = agency_lead(police)
    meeting = scheduled(boss)
    scheduling.add_meeting_member(boss, meeting=meeting, agency=police)
    client.force_login(lead)

    assert client.get(detail(meeting)).status_code == 200
    for name in ["meeting-reschedule", "meeting-cancel", "meeting-members"]:
        assert client.get(reverse(f"meetings:{name}", args=[meeting.pk])).status_code == 403


def _page_queries(client, meeting) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(detail(meeting)).status_code == 200
    return len(queries)


def test_the_page_reads_the_same_number_of_queries_for_1_or_40_agenda_items(client):
    area = staffordshire()
    boss = coordinator(area)
    police = area_agency(area)
    one = scheduled(boss, area)
    many = scheduled(boss, area, days=21)
    for meeting in (one, many):
        scheduling.add_meeting_member(boss, meeting=meeting, agency=police)
    case = make_case(area=area, coordinator_user=boss)
    AgendaItemFactory(meeting=one, case=case)
    cases = [case] + [make_case(area=area, coordinator_user=boss) for _ in range(39)]
    AgendaItem.objects.bulk_create(
        AgendaItem(area=area, meeting=many, case=c, order=n, added_by=boss)
        for n, c in enumerate(cases)
    )
    client.force_login(boss)
    _page_queries(client, one)  # session and roles warmed as on any later page

    # Session, user, their roles, the unread count, the meeting (with area and chairs), its
    # members, the agenda counted in one aggregate, the area's "to be scheduled" count.
    assert _page_queries(client, one) == _page_queries(client, many) == 8


def test_the_coordinator_is_told_of_items_waiting_to_be_scheduled_with_links(client):
    area = staffordshire()
    boss = coordinator(area)
    waiting = [make_case(area=area, coordinator_user=boss) for _ in range(2)]
    for case in waiting:
        AgendaItem.objects.create(
            area=area,
            meeting=None,
            case=case,
            reason="carried_over",
            reason_detail="Not reached at the 1 March meeting.",
            added_by=boss,
        )
    AgendaItem.objects.create(
        area=stoke(), meeting=None, kind="general", title="Elsewhere", added_by=boss
    )
    meeting = scheduled(boss, area)
    client.force_login(boss)

    page = text(client.get(detail(meeting)))

    assert '2 items are waiting on the area\'s "to be scheduled" list' in page
    assert reverse("meetings:agenda-build", args=[meeting.pk]) in page
    assert reverse("meetings:to-be-scheduled", args=[area.pk]) in page
    # Not a child's reference: a count and links.
    assert all(case.reference not in page for case in waiting)


def test_others_and_a_meeting_already_held_do_not_show_the_waiting_list(client):
    area = staffordshire()
    boss = coordinator(area)
    AgendaItem.objects.create(
        area=area, meeting=None, kind="general", title="Waiting", added_by=boss
    )
    meeting = scheduled(boss, area)
    client.force_login(auditor())
    assert "to be scheduled" not in text(client.get(detail(meeting)))
    client.force_login(boss)
    assert "1 item is waiting" in text(client.get(detail(meeting)))
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)
    assert "to be scheduled" not in text(client.get(detail(meeting)))


# --- scheduling, changing, cancelling from the web -------------------------------------------


def _form(date: dt.date, **fields) -> dict:
    return {
        "date_day": date.day,
        "date_month": date.month,
        "date_year": date.year,
        "start_time": "2pm",
        "venue": "Test Venue Room 3",
        **fields,
    }


def test_a_coordinator_schedules_from_the_form(client):
    area = staffordshire()
    boss = coordinator(area)
    client.force_login(boss)
    url = reverse("meetings:meeting-schedule", args=[area.pk])

    response = client.post(url, _form(in_days(10)))

    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == detail(meeting)
    assert (meeting.date, meeting.start_time) == (in_days(10), dt.time(14, 0))


def test_the_schedule_form_shows_errors_and_saves_nothing(client):
    area = staffordshire()
    client.force_login(coordinator(area))

    response = client.post(
        reverse("meetings:meeting-schedule", args=[area.pk]), _form(in_days(-1), venue="")
    )

    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "The date of the meeting must be today or in the future." in page
    assert not Meeting.objects.exists()


def test_a_coordinator_reschedules_and_a_stale_form_is_refused(client):
    boss = coordinator()
    meeting = scheduled(boss)
    client.force_login(boss)
    url = reverse("meetings:meeting-reschedule", args=[meeting.pk])
    assert client.get(url).status_code == 200

    client.post(url, _form(in_days(20), version=meeting.version))
    stale = client.post(url, _form(in_days(25), version=meeting.version), follow=True)

    meeting.refresh_from_db()
    assert meeting.date == in_days(20)
    assert "Someone else changed this meeting" in text(stale)


def test_a_coordinator_cancels_and_moves_the_agenda(client):
    boss = coordinator()
    meeting = scheduled(boss)
    target = scheduled(boss, days=28)
    item = AgendaItemFactory(meeting=meeting)
    client.force_login(boss)
    url = reverse("meetings:meeting-cancel", args=[meeting.pk])
    form = client.get(url)
    assert target in form.context["form"].fields["move_to"].queryset

    client.post(url, {"version": meeting.version, "reason": "Test", "move_to": target.pk})

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert AgendaItem.objects.get(moved_from=item).meeting == target
    page = text(client.get(detail(meeting)))
    assert "This meeting was cancelled" in page
    assert "Cancel the meeting" not in page


def test_standing_and_meeting_members_are_kept_from_their_pages(client):
    area = staffordshire()
    boss = coordinator(area)
    police = area_agency(area, name="Test Police Standing")
    rep = person_of(police)
    client.force_login(boss)
    standing_url = reverse("meetings:standing-members", args=[area.pk])

    client.post(standing_url, {"agency": police.pk, "representative": rep.pk})
    meeting = scheduled(boss, area)
    members_url = reverse("meetings:meeting-members", args=[meeting.pk])
    page = text(client.get(members_url))
    member = MeetingMember.objects.get(meeting=meeting)

    assert "Test Police Standing" in page
    client.post(reverse("meetings:meeting-member-remove", args=[meeting.pk, member.pk]))
    assert not meeting.members.exists()
    refused = client.post(standing_url, {"agency": police.pk, "representative": rep.pk})
    assert "already members" in text(refused)


# --- the calendar file -----------------------------------------------------------------------


def unfold(body: str) -> dict[str, str]:
    """Content lines of an iCalendar body, unfolded (RFC 5545 3.1), by property name."""
    assert "\n" not in body.replace("\r\n", "")
    lines = body.replace("\r\n ", "").split("\r\n")
    assert lines[-1] == ""
    return dict(line.split(":", 1) for line in lines[:-1] if not line.startswith("BEGIN"))


def test_the_calendar_file_says_when_and_where_and_nothing_of_any_case(client):
    boss = coordinator()
    meeting = scheduled(boss, venue="Test Venue, Room 4; Floor 2")
    item = AgendaItemFactory(meeting=meeting)
    client.force_login(boss)

    response = client.get(reverse("meetings:meeting-ics", args=[meeting.pk]))

    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    fields = unfold(body)
    assert fields["UID"] == f"meeting-{meeting.pk}@safeguard-panel"
    assert fields["SUMMARY"] == "Staffordshire CSE panel meeting"
    assert fields["LOCATION"] == "Test Venue\\, Room 4\\; Floor 2"
    assert fields["STATUS"] == "CONFIRMED"
    assert fields["SEQUENCE"] == str(meeting.version)
    assert fields["URL"] == f"http://testserver{detail(meeting)}"
    start = dt.datetime.combine(meeting.date, dt.time(10, 0), tzinfo=calendar.LONDON)
    assert fields["DTSTART"] == start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert fields["DTEND"] > fields["DTSTART"]
    assert item.case.reference not in body and item.case.child.last_name not in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_a_cancelled_meetings_calendar_file_cancels_the_event(client):
    boss = coordinator()
    meeting = scheduled(boss, venue="", online=True, online_details="Test secret link")
    scheduling.cancel_meeting(boss, meeting=meeting, version=meeting.version, reason="Test")
    client.force_login(boss)

    body = client.get(reverse("meetings:meeting-ics", args=[meeting.pk])).content.decode()

    fields = unfold(body)
    assert fields["STATUS"] == "CANCELLED"
    assert fields["SEQUENCE"] == str(meeting.version + 1)
    assert fields["LOCATION"] == "Online (joining details on the meeting page)"
    assert "Test secret link" not in body


def test_long_lines_fold_without_splitting_a_character():
    line = "LOCATION:" + "é" * 80
    folded = calendar.fold(line)
    pieces = folded.split("\r\n ")
    assert all(len(piece.encode()) <= 75 for piece in pieces)
    assert "".join(pieces) == line
    assert calendar.escape("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


# --- navigation and admin --------------------------------------------------------------------


def _has_meetings(user) -> bool:
    return "Meetings" in [item["label"] for item in items_for(user, "/")]


def test_meetings_is_in_the_navigation_of_those_who_may_see_one(client):
    boss = coordinator()
    assert _has_meetings(boss) and _has_meetings(agency_lead()) and _has_meetings(auditor())
    assert not _has_meetings(referrer())
    police = area_agency()
    rep = person_of(police)
    meeting = scheduled(boss)
    scheduling.add_meeting_member(boss, meeting=meeting, agency=police, representative=rep)
    client.force_login(rep)

    page = text(client.get(reverse("meetings:meeting-list")))

    assert 'aria-current="page"' in page and ">Meetings<" in page.replace("</strong>", "<")
    assert client.get(detail(meeting)).status_code == 200


def test_the_admin_has_quorum_kinds_but_nothing_carrying_case_data(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, agency=None))
    page = client.get("/admin/").content.decode()
    assert "/admin/meetings/quorumkind/" in page
    for model in [
        "meeting",
        "meetingmember",
        "agendaitem",
        "researchlistentry",
        "researchreturn",
        "casedecision",
        "declaration",
        "minutes",
        "minutessection",
        "meetingdocument",
    ]:
        assert f"/admin/meetings/{model}/" not in page


def test_only_the_coordinator_is_offered_the_hearing_in_the_meetings_navigation(client):
    area = staffordshire()
    boss = coordinator(area)
    police = area_agency(area)
    meeting = scheduled(boss, area)
    lead = agency_lead(police)
    case = make_case(area=area, agencies=[police], coordinator_user=boss)
    AgendaItemFactory(meeting=meeting, case=case)
    hearing = reverse("meetings:hearing", args=[meeting.pk])

    for user in (lead, auditor()):
        client.force_login(user)
        assert hearing not in text(client.get(detail(meeting)))
    client.force_login(boss)
    assert hearing in text(client.get(detail(meeting)))

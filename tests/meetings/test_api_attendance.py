"""Attendance over the API: the members list and the quorum for anyone who may see the
meeting, recording one member's attendance for coordinators, 404 outside the scope."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from meetings.models import MeetingMember
from panel.dates import london_today
from tests.cases.test_api import NOT_FOUND, client_for
from tests.factories import agency_lead, auditor, coordinator, staffordshire, stoke
from tests.meetings.attendance_helpers import meeting_today, member, quorum_members
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return coordinator(staffordshire())


@pytest.fixture
def meeting():
    return meeting_today()


def members_url(meeting, pk=None) -> str:
    base = f"/api/v1/meetings/{meeting.pk}/attendance/"
    return f"{base}{pk}/" if pk else base


def quorum_url(meeting) -> str:
    return f"/api/v1/meetings/{meeting.pk}/quorum/"


def test_the_list_gives_each_member_with_agency_representative_and_attendance(boss, meeting):
    seat = member(meeting, "police", attendance="present", attended_by="Dee Deputy-Test")

    response = client_for(boss).get(members_url(meeting))

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == seat.pk
    assert row["agency"] == {"id": seat.agency_id, "name": seat.agency.name, "kind": "police"}
    assert row["representative"]["name"] == str(seat.representative)
    assert row["attendance"] == "present"
    assert row["attended_by"] == "Dee Deputy-Test"


def test_a_coordinator_records_attendance_and_the_quorum_follows(boss, meeting):
    seats = quorum_members(meeting)
    api = client_for(boss)
    for kind in ("police", "social_care", "health"):
        response = api.patch(
            members_url(meeting, seats[kind].pk), {"attendance": "present"}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["attendance"] == "present"

    quorum = api.get(quorum_url(meeting)).json()
    assert quorum["quorate"] is False
    assert quorum["missing"] == ["education"]
    assert quorum["text"].startswith("Not quorate: education is not present.")

    api.patch(members_url(meeting, seats["education"].pk), {"attendance": "present"}, format="json")
    quorum = api.get(quorum_url(meeting)).json()
    assert quorum == {
        "quorate": True,
        "required": ["education", "health", "police", "social_care"],
        "present": ["education", "health", "police", "social_care"],
        "missing": [],
        "text": "Quorate",
    }
    assert (
        AuditEvent.objects.filter(verb="updated", object_type="meetings.meetingmember").count() == 4
    )


@pytest.mark.parametrize("who", ["auditor", "agency_lead", "representative"])
def test_only_coordinators_record_attendance(meeting, who):
    seat = member(meeting, "police")
    actor = {
        "auditor": auditor,
        "agency_lead": lambda: agency_lead(seat.agency),
        "representative": lambda: seat.representative,
    }[who]()

    response = client_for(actor).patch(
        members_url(meeting, seat.pk), {"attendance": "present"}, format="json"
    )

    assert response.status_code == 403
    assert MeetingMember.objects.get(pk=seat.pk).attendance == "expected"


def test_a_meeting_out_of_scope_is_404_everywhere(meeting):
    seat = member(meeting, "police")
    api = client_for(coordinator(stoke()))

    assert api.get(members_url(meeting)).json() == NOT_FOUND
    assert api.get(members_url(meeting, seat.pk)).status_code == 404
    assert api.get(quorum_url(meeting)).status_code == 404
    assert (
        api.patch(
            members_url(meeting, seat.pk), {"attendance": "present"}, format="json"
        ).status_code
        == 404
    )


def test_a_member_of_another_meeting_is_404(boss, meeting):
    other = member(meeting_today(), "police")

    response = client_for(boss).patch(
        members_url(meeting, other.pk), {"attendance": "present"}, format="json"
    )

    assert response.status_code == 404
    assert MeetingMember.objects.get(pk=other.pk).attendance == "expected"


def test_a_member_agencys_lead_reads_the_attendance(meeting):
    seat = member(meeting, "health")

    response = client_for(agency_lead(seat.agency)).get(members_url(meeting))

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [seat.pk]


def test_bad_attendance_is_400_by_field(boss, meeting):
    seat = member(meeting, "police")
    api = client_for(boss)

    unknown = api.patch(members_url(meeting, seat.pk), {"attendance": "expected"}, format="json")
    deputy = api.patch(
        members_url(meeting, seat.pk),
        {"attendance": "absent", "attended_by": "Dee Deputy-Test"},
        format="json",
    )

    assert unknown.status_code == 400 and "attendance" in unknown.json()
    assert deputy.status_code == 400 and "attended_by" in deputy.json()


def test_recording_before_the_day_of_the_meeting_is_409(boss):
    meeting = meeting_today(date=london_today() + dt.timedelta(days=4))
    seat = member(meeting, "police")

    response = client_for(boss).patch(
        members_url(meeting, seat.pk), {"attendance": "present"}, format="json"
    )

    assert response.status_code == 409
    assert "from the day of the meeting" in response.json()["detail"]


@pytest.mark.parametrize("count", [1, 15])
def test_the_list_takes_the_same_queries_for_1_or_15_members(
    boss, meeting, count, django_assert_num_queries
):
    for index in range(count):
        member(meeting, ["police", "health", "education"][index % 3])
    api = client_for(boss)

    # The user's roles; the meeting; the page's count and rows (with agency and
    # representative); the "listed" event (boss's agency read for it).
    with django_assert_num_queries(1 + 3 + audit_event_queries(listed_rows=True)):
        response = api.get(members_url(meeting))

    assert len(response.json()["results"]) == count

"""Quorum rules, table-driven: only members recorded present count, per the area's data."""

import pytest

from audit.models import AuditEvent
from meetings.models import AttendanceStatus, QuorumKind
from meetings.services.quorum import quorum_state
from panel.models import AgencyKind
from tests.factories import (
    AgencyFactory,
    MeetingFactory,
    MeetingMemberFactory,
    UserFactory,
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db

FOUR = ["police", "social_care", "health", "education"]


@pytest.mark.parametrize(
    ("attending", "quorate", "missing"),
    [
        ({k: "present" for k in FOUR}, True, []),
        ({**{k: "present" for k in FOUR}, "voluntary": "present"}, True, []),
        (
            {"police": "present", "social_care": "present", "health": "present"},
            False,
            ["education"],
        ),
        ({**{k: "present" for k in FOUR}, "education": "apologies"}, False, ["education"]),
        ({**{k: "present" for k in FOUR}, "health": "sent_information"}, False, ["health"]),
        ({**{k: "present" for k in FOUR}, "police": "absent"}, False, ["police"]),
        ({**{k: "present" for k in FOUR}, "police": "expected"}, False, ["police"]),
        ({}, False, FOUR),
    ],
)
def test_quorum_needs_each_required_kind_present(attending, quorate, missing):
    meeting = MeetingFactory()
    for kind, attendance in attending.items():
        MeetingMemberFactory(
            meeting=meeting, agency=AgencyFactory(kind=kind), attendance=attendance
        )

    state = quorum_state(meeting)

    assert state.quorate is quorate
    assert sorted(state.missing) == sorted(missing)


def test_an_areas_own_quorum_rows_replace_the_default():
    meeting = MeetingFactory()
    QuorumKind.objects.filter(area=meeting.area).delete()
    QuorumKind.objects.create(area=meeting.area, kind=AgencyKind.POLICE)
    MeetingMemberFactory(
        meeting=meeting,
        agency=AgencyFactory(kind=AgencyKind.POLICE),
        attendance=AttendanceStatus.PRESENT,
    )

    assert quorum_state(meeting).quorate is True


def test_two_members_of_one_kind_still_leave_the_others_missing():
    meeting = MeetingFactory()
    for _ in range(2):
        MeetingMemberFactory(
            meeting=meeting, agency=AgencyFactory(kind="police"), attendance="present"
        )

    state = quorum_state(meeting)

    assert not state.quorate
    assert sorted(state.missing_labels()) == ["Children's social care", "Education", "Health"]


def test_an_area_without_rows_uses_the_default_quorum_setting(settings):
    settings.MEETING_DEFAULT_QUORUM = ["health"]
    meeting = MeetingFactory()
    QuorumKind.objects.filter(area=meeting.area).delete()
    MeetingMemberFactory(meeting=meeting, agency=AgencyFactory(kind="health"), attendance="present")

    state = quorum_state(meeting)

    assert state.required == ("health",)
    assert state.quorate


def test_another_areas_quorum_rows_do_not_change_this_areas_quorum():
    meeting = MeetingFactory()
    QuorumKind.objects.filter(area=meeting.area).delete()
    QuorumKind.objects.create(area=meeting.area, kind=AgencyKind.POLICE)
    QuorumKind.objects.get_or_create(area=stoke(), kind=AgencyKind.HOUSING)
    MeetingMemberFactory(meeting=meeting, agency=AgencyFactory(kind="police"), attendance="present")

    assert quorum_state(meeting).required == ("police",)
    assert quorum_state(meeting).quorate


def test_an_administrator_adds_a_quorum_kind_in_the_admin_and_it_is_audited(client):
    area = staffordshire()
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.post(
        "/admin/meetings/quorumkind/add/", {"area": area.pk, "kind": AgencyKind.YOUTH_JUSTICE}
    )

    assert response.status_code == 302
    assert QuorumKind.objects.filter(area=area, kind="youth_justice").exists()
    assert AuditEvent.objects.filter(
        verb="created", object_type="meetings.quorumkind", actor=admin
    ).exists()

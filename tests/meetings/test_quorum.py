"""Quorum rules, table-driven: only members recorded present count, per the area's data."""

import pytest

from meetings.models import AttendanceStatus, QuorumKind
from meetings.services.quorum import quorum_state
from panel.models import AgencyKind
from tests.factories import AgencyFactory, MeetingFactory, MeetingMemberFactory

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

"""The meeting's states, table-driven: every pair of states is allowed or refused by
meetings.workflow.check_transition, as the state table in its docstring says."""

import itertools

import pytest

from meetings.models import MeetingStatus
from meetings.workflow import InvalidMeetingTransition, allowed_targets, check_transition
from panel.errors import Conflict
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

S = MeetingStatus
ALLOWED = {
    (S.SCHEDULED, S.PUBLISHED): "publish",
    (S.PUBLISHED, S.HELD): "hold",
    (S.HELD, S.APPROVED): "approve",
    (S.SCHEDULED, S.CANCELLED): "cancel",
    (S.PUBLISHED, S.CANCELLED): "cancel",
}
PAIRS = list(itertools.product(S.values, S.values))


@pytest.mark.parametrize(("from_status", "to_status"), PAIRS)
def test_each_move_is_allowed_or_refused(from_status, to_status):
    meeting = MeetingFactory.build(status=from_status, version=3)

    if (from_status, to_status) in ALLOWED:
        assert check_transition(meeting, to_status) == ALLOWED[(from_status, to_status)]
    else:
        with pytest.raises(InvalidMeetingTransition) as refused:
            check_transition(meeting, to_status)
        assert isinstance(refused.value, Conflict)
        assert refused.value.current_version == 3


def test_a_cancelled_or_approved_meeting_goes_nowhere():
    assert allowed_targets(MeetingFactory.build(status=S.CANCELLED)) == []
    assert allowed_targets(MeetingFactory.build(status=S.APPROVED)) == []
    assert sorted(allowed_targets(MeetingFactory.build(status=S.SCHEDULED))) == [
        S.CANCELLED,
        S.PUBLISHED,
    ]

"""flag_case: a rule (three missing episodes in 90 days) puts a case on the area's next
agenda, or on its "to be scheduled" list, once (meetings/services/agenda.py)."""

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from meetings.models import AgendaItem
from meetings.services.agenda import flag_case
from tests.factories import MeetingFactory, auditor, coordinator, make_case

pytestmark = pytest.mark.django_db

DETAIL = "Reported missing 3 or more times in 90 days."


def test_flagging_puts_the_case_on_the_next_agenda_once_and_audits_it():
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    meeting = MeetingFactory(area=case.area)
    before = AuditEvent.objects.count()

    item = flag_case(boss, case=case, reason="repeat_missing", reason_detail=DETAIL)
    again = flag_case(boss, case=case, reason="repeat_missing", reason_detail=DETAIL)

    assert (item.meeting, item.reason, item.reason_detail) == (meeting, "repeat_missing", DETAIL)
    assert again is None
    assert AgendaItem.objects.filter(case=case).count() == 1
    assert list(AuditEvent.objects.order_by("id")[before:].values_list("verb", "object_type")) == [
        ("created", "meetings.agendaitem")
    ]


def test_with_no_meeting_to_come_the_case_is_to_be_scheduled_then_moves_onto_a_meeting():
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    listed = flag_case(boss, case=case, reason="repeat_missing", reason_detail=DETAIL)
    assert listed.meeting is None

    meeting = MeetingFactory(area=case.area)
    item = flag_case(boss, case=case, reason="repeat_missing", reason_detail=DETAIL)
    listed.refresh_from_db()
    assert (item.meeting, item.moved_from, listed.status) == (meeting, listed, "moved")


def test_an_auditor_flags_nothing():
    case = make_case()
    with pytest.raises(PermissionDenied):
        flag_case(auditor(), case=case, reason="repeat_missing", reason_detail=DETAIL)
    assert not AgendaItem.objects.exists()

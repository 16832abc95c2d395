"""The agenda: what it proposes and why, building it, editing it, late items, members'
requests, moving items, and publishing it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Action, Case
from meetings.models import AgendaItem, AgendaItemStatus, AgendaReason, MeetingStatus
from meetings.services import agenda
from meetings.workflow import InvalidMeetingTransition
from notifications.models import Notification
from panel.dates import london_today
from panel.errors import Conflict
from tests.factories import MeetingFactory, UserFactory, auditor, coordinator, stoke
from tests.meetings.agenda_helpers import action_due, awaiting, close, make_panel, open_case

pytestmark = pytest.mark.django_db

Reason = AgendaReason
TODAY = london_today


def reasons_by_case(meeting):
    return {c.case.pk: c.reasons for c in agenda.agenda_candidates(meeting) if c.case}


# --- what is proposed, one rule at a time ---------------------------------------------------


def test_a_case_awaiting_panel_is_proposed():
    panel = make_panel()
    case = awaiting(panel)

    assert reasons_by_case(panel.meeting) == {case.pk: [Reason.AWAITING_PANEL]}


def test_an_open_case_whose_review_falls_due_by_the_next_meeting_is_proposed():
    panel = make_panel(days_ahead=14)
    MeetingFactory(area=panel.area, date=panel.meeting.date + dt.timedelta(days=28))
    due_by_next = open_case(panel, review_in_days=14 + 28)
    due_after_next = open_case(panel, review_in_days=14 + 29)

    found = reasons_by_case(panel.meeting)

    assert found == {due_by_next.pk: [Reason.REVIEW_DUE]}
    assert due_after_next.pk not in found


def test_without_a_next_meeting_reviews_due_within_the_high_risk_cadence_are_proposed(settings):
    settings.REVIEW_CADENCE_DAYS = {"high": 14, "medium": 28, "low": 42}
    panel = make_panel(days_ahead=10)
    inside = open_case(panel, review_in_days=24)
    outside = open_case(panel, review_in_days=25)

    found = reasons_by_case(panel.meeting)

    assert found == {inside.pk: [Reason.REVIEW_DUE]}
    assert outside.pk not in found


def test_a_cancelled_next_meeting_does_not_set_the_review_horizon(settings):
    settings.REVIEW_CADENCE_DAYS = {"high": 14, "medium": 28, "low": 42}
    panel = make_panel(days_ahead=10)
    MeetingFactory(
        area=panel.area,
        date=panel.meeting.date + dt.timedelta(days=60),
        status=MeetingStatus.CANCELLED,
        cancel_reason="Fictional.",
    )
    later = open_case(panel, review_in_days=40)

    assert later.pk not in reasons_by_case(panel.meeting)


def test_an_open_case_with_an_action_overdue_is_proposed():
    panel = make_panel()
    late = open_case(panel)
    action_due(late, TODAY() - dt.timedelta(days=1))
    due_today = open_case(panel)
    action_due(due_today, TODAY())
    done = open_case(panel)
    action_due(done, TODAY() - dt.timedelta(days=5), status=Action.Status.DONE)

    assert reasons_by_case(panel.meeting) == {late.pk: [Reason.ACTIONS_OVERDUE]}


@time_machine.travel(dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC), tick=False)
def test_a_case_open_365_days_is_flagged_for_a_step_down_or_escalation_discussion():
    panel = make_panel()
    year = open_case(panel, opened_days_ago=365)
    day_short = open_case(panel, opened_days_ago=364)

    found = reasons_by_case(panel.meeting)

    assert found == {year.pk: [Reason.OPEN_12_MONTHS]}
    assert day_short.pk not in found


def test_an_item_on_the_to_be_scheduled_list_is_carried_over():
    panel = make_panel()
    case = open_case(panel)
    AgendaItem.objects.create(
        area=panel.area,
        meeting=None,
        case=case,
        reason=Reason.REVIEW_DUE,
        reason_detail="Not reached on 1 March.",
        added_by=panel.coordinator,
    )

    [candidate] = agenda.agenda_candidates(panel.meeting)

    assert candidate.case == case
    assert candidate.reasons == [Reason.CARRIED_OVER]
    assert "Not reached on 1 March." in candidate.reason_detail


def test_a_closed_case_is_never_proposed_whatever_else_is_true():
    panel = make_panel()
    case = open_case(panel, review_in_days=1, opened_days_ago=800)
    action_due(case, TODAY() - dt.timedelta(days=3))
    AgendaItem.objects.create(area=panel.area, meeting=None, case=case, added_by=panel.coordinator)
    close(case)

    assert agenda.agenda_candidates(panel.meeting) == []


def test_a_case_matching_several_rules_is_proposed_once_with_every_reason():
    panel = make_panel()
    case = open_case(panel, review_in_days=3, opened_days_ago=400)
    action_due(case, TODAY() - dt.timedelta(days=2))

    [candidate] = agenda.agenda_candidates(panel.meeting)

    assert candidate.reasons == [
        Reason.REVIEW_DUE,
        Reason.ACTIONS_OVERDUE,
        Reason.OPEN_12_MONTHS,
    ]
    assert candidate.reason == Reason.REVIEW_DUE
    assert "Actions overdue" in candidate.reason_detail


def test_cases_already_on_the_agenda_and_other_areas_cases_are_not_proposed():
    panel = make_panel()
    on_it = awaiting(panel)
    agenda.add_case_item(panel.coordinator, meeting=panel.meeting, case=on_it)
    from tests.factories import make_case

    make_case(area=stoke())

    assert agenda.agenda_candidates(panel.meeting) == []


def test_candidates_take_the_same_queries_for_one_case_or_forty(django_assert_num_queries):
    panel = make_panel()
    awaiting(panel)
    with django_assert_num_queries(3):
        agenda.agenda_candidates(panel.meeting)
    for _ in range(5):
        awaiting(panel)
        action_due(open_case(panel), TODAY() - dt.timedelta(days=1))
    with django_assert_num_queries(3):
        assert len(agenda.agenda_candidates(panel.meeting)) == 11


# --- building ---------------------------------------------------------------------------------


def test_building_puts_awaiting_panel_first_then_by_risk_level_and_records_each_item():
    panel = make_panel()
    low = open_case(panel, review_in_days=3, risk="low")
    high = open_case(panel, review_in_days=3, risk="high")
    new = awaiting(panel, risk="medium")

    made = agenda.build_agenda(panel.coordinator, meeting=panel.meeting)

    assert [item.case for item in made] == [new, high, low]
    assert [item.order for item in made] == [1, 2, 3]
    events = AuditEvent.objects.filter(verb="created", object_type="meetings.agendaitem")
    assert sorted(events.values_list("case_reference", flat=True)) == sorted(
        [low.reference, high.reference, new.reference]
    )


def test_building_twice_adds_nothing_the_second_time():
    panel = make_panel()
    awaiting(panel)
    agenda.build_agenda(panel.coordinator, meeting=panel.meeting)

    assert agenda.build_agenda(panel.coordinator, meeting=panel.meeting) == []
    assert panel.meeting.items.count() == 1


def test_building_moves_to_be_scheduled_items_onto_the_meeting():
    panel = make_panel()
    case = open_case(panel)
    listed = AgendaItem.objects.create(
        area=panel.area, meeting=None, case=case, added_by=panel.coordinator
    )
    general = AgendaItem.objects.create(
        area=panel.area,
        meeting=None,
        kind="general",
        title="Training update",
        added_by=panel.coordinator,
    )

    made = agenda.build_agenda(panel.coordinator, meeting=panel.meeting)

    assert [(item.moved_from, item.reason) for item in made] == [
        (listed, Reason.CARRIED_OVER),
        (general, Reason.CARRIED_OVER),
    ]
    assert made[1].title == "Training update"
    listed.refresh_from_db()
    assert listed.status == AgendaItemStatus.MOVED
    assert not agenda.to_be_scheduled(panel.area.pk).exists()


@pytest.mark.parametrize("who", ["agency_lead", "auditor", "other_coordinator"])
def test_only_the_areas_coordinators_build_the_agenda(who):
    panel = make_panel()
    awaiting(panel)
    user = {
        "agency_lead": lambda: panel.health_lead,
        "auditor": auditor,
        "other_coordinator": lambda: coordinator(stoke()),
    }[who]()

    with pytest.raises(PermissionDenied):
        agenda.build_agenda(user, meeting=panel.meeting)
    assert not AgendaItem.objects.exists()


# --- late items ---------------------------------------------------------------------------


def test_after_publication_an_addition_needs_a_reason_and_is_marked_late():
    panel = make_panel()
    agenda.publish_agenda(panel.coordinator, meeting=panel.meeting, version=1)
    case = awaiting(panel)

    with pytest.raises(ValidationError) as refused:
        agenda.add_case_item(panel.coordinator, meeting=panel.meeting, case=case)
    assert "reason_detail" in refused.value.message_dict
    assert not AgendaItem.objects.exists()

    item = agenda.add_case_item(
        panel.coordinator, meeting=panel.meeting, case=case, reason_detail="New disclosure."
    )
    assert item.late is True


def test_past_the_publish_by_day_an_addition_is_late_even_unpublished(settings):
    settings.MEETING_PUBLISH_DAYS_BEFORE = 5
    panel = make_panel(days_ahead=4)

    with pytest.raises(ValidationError):
        agenda.add_general_item(panel.coordinator, meeting=panel.meeting, title="Budget")
    item = agenda.add_general_item(
        panel.coordinator, meeting=panel.meeting, title="Budget", reason_detail="Urgent."
    )
    assert item.late is True


def test_on_the_publish_by_day_an_addition_is_not_late(settings):
    settings.MEETING_PUBLISH_DAYS_BEFORE = 5
    panel = make_panel(days_ahead=5)

    item = agenda.add_general_item(panel.coordinator, meeting=panel.meeting, title="Budget")

    assert item.late is False


# --- adding, requests, general business ------------------------------------------------------


def test_a_closed_case_or_one_already_on_the_agenda_cannot_be_added():
    panel = make_panel()
    closed = open_case(panel)
    close(closed)
    case = awaiting(panel)
    agenda.add_case_item(panel.coordinator, meeting=panel.meeting, case=case)

    for which in (closed, case):
        with pytest.raises(ValidationError) as refused:
            agenda.add_case_item(panel.coordinator, meeting=panel.meeting, case=which)
        assert "case" in refused.value.message_dict


def test_a_member_asks_for_a_case_they_work_on_with_a_reason():
    panel = make_panel()
    case = open_case(panel, agencies=[panel.police])
    from tests.factories import agency_lead

    lead = agency_lead(panel.police)

    item = agenda.request_case(
        lead, meeting=panel.meeting, case=case, reason_detail="Missing twice this month."
    )

    assert item.reason == Reason.MEMBER_REQUEST
    assert item.requested_by == lead
    assert AuditEvent.objects.filter(verb="created", case_reference=case.reference).exists()


def test_a_member_cannot_ask_for_a_case_they_may_not_see_or_without_a_reason():
    panel = make_panel()
    theirs = open_case(panel, agencies=[panel.health])
    not_theirs = open_case(panel, agencies=[panel.police])

    with pytest.raises(ValidationError) as hidden:
        agenda.request_case(
            panel.health_lead, meeting=panel.meeting, case=not_theirs, reason_detail="Why."
        )
    assert "case" in hidden.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        agenda.request_case(
            panel.health_lead, meeting=panel.meeting, case=theirs, reason_detail=" "
        )
    assert "reason_detail" in no_reason.value.message_dict


def test_someone_without_a_seat_cannot_ask_for_a_case():
    panel = make_panel()
    case = open_case(panel)
    stranger = UserFactory()

    with pytest.raises(PermissionDenied):
        agenda.request_case(stranger, meeting=panel.meeting, case=case, reason_detail="Why.")


def test_a_representative_who_moved_agency_loses_their_seat():
    panel = make_panel()
    rep = panel.police_rep
    assert agenda.may_request_case(rep, panel.meeting)
    rep.agency = panel.health
    rep.save()

    assert not agenda.may_request_case(rep, panel.meeting)


# --- withdrawing, ordering, moving --------------------------------------------------------------


def test_withdrawing_takes_an_item_off_and_is_recorded():
    panel = make_panel()
    item = agenda.add_general_item(panel.coordinator, meeting=panel.meeting, title="Budget")

    agenda.withdraw_item(panel.coordinator, item=item, reason="Dealt with by email.")

    item.refresh_from_db()
    assert item.status == AgendaItemStatus.WITHDRAWN
    event = AuditEvent.objects.get(verb="transitioned", object_type="meetings.agendaitem")
    assert event.changes["withdraw_reason"] == [None, "Dealt with by email."]


def test_reordering_and_moving_up_and_down():
    panel = make_panel()
    a, b, c = (
        agenda.add_general_item(panel.coordinator, meeting=panel.meeting, title=t)
        for t in ("A", "B", "C")
    )

    agenda.reorder_items(panel.coordinator, meeting=panel.meeting, order=[c.pk, a.pk, b.pk])
    assert list(panel.meeting.items.values_list("title", flat=True)) == ["C", "A", "B"]
    agenda.shift_item(panel.coordinator, item=b, by=-1)
    assert list(panel.meeting.items.values_list("title", flat=True)) == ["C", "B", "A"]
    with pytest.raises(ValidationError):
        agenda.reorder_items(panel.coordinator, meeting=panel.meeting, order=[a.pk, b.pk])
    assert AuditEvent.objects.filter(verb="updated", object_type="meetings.meeting").count() == 2


def test_moving_an_item_to_another_meeting_or_to_be_scheduled():
    panel = make_panel()
    later = MeetingFactory(area=panel.area, date=panel.meeting.date + dt.timedelta(days=28))
    case = awaiting(panel)
    item = agenda.add_case_item(panel.coordinator, meeting=panel.meeting, case=case)

    moved = agenda.move_item(panel.coordinator, item=item, to_meeting=later)
    assert (moved.meeting, moved.moved_from, moved.reason) == (later, item, Reason.CARRIED_OVER)
    item.refresh_from_db()
    assert item.status == AgendaItemStatus.MOVED

    listed = agenda.move_item(panel.coordinator, item=moved)
    assert listed.meeting is None
    assert list(agenda.to_be_scheduled(panel.area.pk)) == [listed]


def test_an_item_cannot_move_to_a_held_meeting_or_another_area():
    panel = make_panel()
    held = MeetingFactory(area=panel.area, status=MeetingStatus.HELD)
    elsewhere = MeetingFactory(area=stoke())
    item = agenda.add_general_item(panel.coordinator, meeting=panel.meeting, title="Budget")

    for target in (held, elsewhere, panel.meeting):
        with pytest.raises(ValidationError):
            agenda.move_item(panel.coordinator, item=item, to_meeting=target)


# --- publishing ---------------------------------------------------------------------------


def test_publishing_locks_the_agenda_and_tells_the_members_without_a_case_reference():
    panel = make_panel()
    police_chair = UserFactory()
    panel.meeting.police_chair = police_chair
    panel.meeting.save()
    case = awaiting(panel)
    agenda.build_agenda(panel.coordinator, meeting=panel.meeting)

    published = agenda.publish_agenda(panel.coordinator, meeting=panel.meeting, version=1)

    assert published.status == MeetingStatus.PUBLISHED
    assert published.published_by == panel.coordinator
    event = AuditEvent.objects.get(verb="transitioned", object_type="meetings.meeting")
    assert event.changes == {"status": ["scheduled", "published"]}
    told = Notification.objects.filter(kind="agenda_published")
    assert set(told.values_list("recipient", flat=True)) >= {
        panel.police_rep.pk,
        panel.health_lead.pk,
        police_chair.pk,
        panel.coordinator.pk,
    }
    for notice in told:
        assert notice.case_reference == ""
        assert case.reference not in notice.link
        assert str(panel.meeting.pk) in notice.link


def test_a_representative_who_left_the_agency_is_not_told():
    panel = make_panel()
    gone = panel.police_rep
    gone.agency = panel.health
    gone.save()

    agenda.publish_agenda(panel.coordinator, meeting=panel.meeting, version=1)

    assert not Notification.objects.filter(recipient=gone).exists()


def test_publishing_a_stale_version_or_twice_is_refused():
    panel = make_panel()
    with pytest.raises(Conflict):
        agenda.publish_agenda(panel.coordinator, meeting=panel.meeting, version=7)
    agenda.publish_agenda(panel.coordinator, meeting=panel.meeting, version=1)
    with pytest.raises(InvalidMeetingTransition):
        agenda.publish_agenda(panel.coordinator, meeting=panel.meeting, version=2)


def test_only_a_coordinator_publishes():
    panel = make_panel()
    with pytest.raises(PermissionDenied):
        agenda.publish_agenda(panel.health_lead, meeting=panel.meeting, version=1)
    panel.meeting.refresh_from_db()
    assert panel.meeting.status == MeetingStatus.SCHEDULED


def test_the_agenda_of_a_held_meeting_cannot_change():
    panel = make_panel()
    panel.meeting.status = MeetingStatus.HELD
    panel.meeting.save()
    case = awaiting(panel)

    with pytest.raises(ValidationError):
        agenda.add_case_item(panel.coordinator, meeting=panel.meeting, case=case)
    with pytest.raises(ValidationError):
        agenda.build_agenda(panel.coordinator, meeting=panel.meeting)
    assert Case.objects.count() == 1
    assert timezone.now()


# --- audit: each write leaves exactly its events -------------------------------------------


def _events_of(action):
    from collections import Counter

    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    action()
    return Counter(AuditEvent.objects.filter(id__gt=before).values_list("verb", "object_type"))


ITEM = "meetings.agendaitem"
MEETING = "meetings.meeting"


def _setups():
    def build(panel):
        awaiting(panel)
        awaiting(panel)
        return lambda: agenda.build_agenda(panel.coordinator, meeting=panel.meeting)

    def add_case(panel):
        case = awaiting(panel)
        return lambda: agenda.add_case_item(panel.coordinator, meeting=panel.meeting, case=case)

    def request(panel):
        case = open_case(panel, agencies=[panel.health])
        return lambda: agenda.request_case(
            panel.health_lead, meeting=panel.meeting, case=case, reason_detail="Why."
        )

    def general(panel):
        return lambda: agenda.add_general_item(
            panel.coordinator, meeting=panel.meeting, title="Budget"
        )

    def withdraw(panel):
        item = agenda.add_general_item(panel.coordinator, meeting=panel.meeting, title="B")
        return lambda: agenda.withdraw_item(panel.coordinator, item=item)

    def reorder(panel):
        a = agenda.add_general_item(panel.coordinator, meeting=panel.meeting, title="A")
        b = agenda.add_general_item(panel.coordinator, meeting=panel.meeting, title="B")
        return lambda: agenda.reorder_items(
            panel.coordinator, meeting=panel.meeting, order=[b.pk, a.pk]
        )

    def move(panel):
        item = agenda.add_general_item(panel.coordinator, meeting=panel.meeting, title="B")
        return lambda: agenda.move_item(panel.coordinator, item=item)

    def publish(panel):
        return lambda: agenda.publish_agenda(panel.coordinator, meeting=panel.meeting, version=1)

    return {
        "build_agenda": (build, {("created", ITEM): 2}),
        "add_case_item": (add_case, {("created", ITEM): 1}),
        "request_case": (request, {("created", ITEM): 1}),
        "add_general_item": (general, {("created", ITEM): 1}),
        "withdraw_item": (withdraw, {("transitioned", ITEM): 1}),
        "reorder_items": (reorder, {("updated", MEETING): 1}),
        "move_item": (move, {("transitioned", ITEM): 1, ("created", ITEM): 1}),
        "publish_agenda": (publish, {("transitioned", MEETING): 1}),
    }


@pytest.mark.parametrize("name", list(_setups()))
def test_each_agenda_write_records_exactly_its_events(name):
    arrange, expected = _setups()[name]
    action = arrange(make_panel())

    assert _events_of(action) == expected

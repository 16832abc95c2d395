"""Hearing each case at the meeting: the decisions and what each does to the case, the
quorum rules, ratification, last meeting's actions reviewed, and carry-over when the
meeting record is closed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from cases import services
from cases.models import Action, Case, CaseTransition, Review
from meetings.models import (
    ActionReview,
    AgendaItem,
    CaseDecision,
    DecisionState,
    MeetingStatus,
)
from meetings.services import hearing
from meetings.services.ratification import decline_ratification, ratify_decision
from meetings.workflow import InvalidMeetingTransition
from notifications.models import Notification
from panel.dates import london_today
from panel.errors import Conflict
from tests.factories import (
    AgendaItemFactory,
    MeetingFactory,
    auditor,
    coordinator,
    matrix_tool,
    stoke,
)
from tests.meetings.hearing_helpers import panel, published_meeting

pytestmark = pytest.mark.django_db

HIGH = {"disclosure": services.AnswerInput("present", "Fictional: disclosed to a teacher.")}


def cadence(level: str) -> dt.timedelta:
    return dt.timedelta(days=settings.REVIEW_CADENCE_DAYS[level])


def decide(p, item, kind="continue", **kwargs):
    kwargs.setdefault("reason", "The plan is working (test).")
    kwargs.setdefault("risk_decision", "confirmed")
    return hearing.record_decision(p.coordinator, item=item, kind=kind, **kwargs)


def escalation(p, **kwargs):
    return {
        "forum": "marac",
        "escalation_person": "DS Test Person",
        "escalation_agency": p.agencies["police"],
        "escalation_due": london_today() + dt.timedelta(days=7),
        **kwargs,
    }


def events(verb, obj):
    return AuditEvent.objects.filter(
        verb=verb, object_type=obj._meta.label_lower, object_id=str(obj.pk)
    )


# --- continue ------------------------------------------------------------------------------


def test_continue_holds_the_review_at_the_meeting_with_the_present_involved_agencies():
    p = panel()
    case = p.case(agencies=("police", "health"))
    item = p.item(case)

    decision = decide(p, item)

    review = decision.review
    assert review.status == Review.Status.HELD
    assert review.held_on == p.meeting.date
    assert review.meeting == p.meeting
    # Education is present but not involved in the case; police and health are both.
    assert set(review.attending_agencies.all()) == {p.agencies["police"], p.agencies["health"]}
    upcoming = case.reviews.get(status=Review.Status.UPCOMING)
    assert upcoming.due_date == p.meeting.date + cadence(case.risk_level)
    item.refresh_from_db()
    assert item.status == "heard"
    assert decision.state == DecisionState.EFFECTIVE and decision.quorate
    assert events("created", decision).count() == 1
    assert events("updated", item).filter(changes__status=["pending", "heard"]).count() == 1


def test_the_next_review_runs_from_the_meeting_date_when_recorded_days_later():
    p = panel(date=london_today() - dt.timedelta(days=3))
    case = p.case()

    decide(p, p.item(case))

    upcoming = case.reviews.get(status=Review.Status.UPCOMING)
    assert upcoming.due_date == p.meeting.date + cadence(case.risk_level)


def test_an_absent_involved_agency_does_not_attend_the_review():
    p = panel(absent=("health",))
    case = p.case(agencies=("police", "health"))

    decision = decide(p, p.item(case))

    assert list(decision.review.attending_agencies.all()) == [p.agencies["police"]]


def test_continue_is_refused_for_a_case_awaiting_panel():
    p = panel()
    item = p.item(p.case(status="awaiting_panel"))

    with pytest.raises(ValidationError) as error:
        decide(p, item, kind="continue")

    assert "kind" in error.value.message_dict
    assert not CaseDecision.objects.exists()


# --- open ------------------------------------------------------------------------------------


def test_open_opens_the_case_at_the_meeting_with_its_first_review_from_the_meeting_date():
    p = panel(date=london_today() - dt.timedelta(days=1))
    case = p.case(status="awaiting_panel")

    decision = decide(p, p.item(case), kind="open", reason="Meets the threshold (test).")

    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    assert decision.transition.meeting == p.meeting
    assert decision.transition.to_status == "open"
    assert decision.review.due_date == p.meeting.date + cadence(case.risk_level)
    assert case.reviews.filter(status=Review.Status.UPCOMING).count() == 1


def test_open_needs_a_lead_professional_and_changes_nothing_without_one():
    p = panel()
    case = p.case(status="awaiting_panel")
    Case.objects.filter(pk=case.pk).update(lead_professional=None)
    item = p.item(case)

    with pytest.raises(ValidationError) as error:
        decide(p, item, kind="open")

    assert "lead_professional" in error.value.message_dict
    case.refresh_from_db()
    item.refresh_from_db()
    assert case.status == "awaiting_panel" and item.status == "pending"


# --- close ------------------------------------------------------------------------------------


def close_fields(**kwargs):
    return {
        "closure_reason": "stepped_down",
        "closure_summary": "Stepped down to early help with the LST (test).",
        **kwargs,
    }


def test_close_at_a_quorate_meeting_holds_the_review_then_closes_the_case():
    p = panel()
    case = p.case()

    decision = decide(p, p.item(case), kind="close", **close_fields())

    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert case.closure_reason == "stepped_down"
    assert decision.transition.meeting == p.meeting
    assert decision.review.status == Review.Status.HELD
    assert not case.reviews.filter(status=Review.Status.UPCOMING).exists()


def test_close_is_refused_while_an_action_is_open_and_nothing_changes():
    p = panel()
    case = p.case()
    services.add_action(
        p.coordinator,
        case=case,
        description="Fictional action.",
        owning_agency=p.agencies["police"],
        due_date=london_today() + dt.timedelta(days=5),
    )
    item = p.item(case)

    with pytest.raises(ValidationError) as error:
        decide(p, item, kind="close", **close_fields())

    assert "actions" in error.value.message_dict
    case.refresh_from_db()
    assert case.status == "open"
    assert case.reviews.filter(status="upcoming").exists()
    assert not case.reviews.filter(status="held").exists()


def test_closing_as_risk_reduced_needs_a_current_assessment_that_is_not_high():
    p = panel()
    case = p.case()
    services.record_assessment(p.coordinator, case=case, answers=HIGH)

    with pytest.raises(ValidationError) as error:
        decide(p, p.item(case), kind="close", **close_fields(closure_reason="risk_reduced"))

    assert "closure_reason" in error.value.message_dict


def test_close_needs_its_reason_and_summary():
    p = panel()
    with pytest.raises(ValidationError) as error:
        decide(p, p.item(p.case()), kind="close")

    assert {"closure_reason", "closure_summary"} <= set(error.value.message_dict)


# --- escalate --------------------------------------------------------------------------------


def test_escalate_changes_no_status_and_creates_the_referral_action():
    p = panel()
    case = p.case()
    due = london_today() + dt.timedelta(days=7)

    decision = decide(p, p.item(case), kind="escalate", **escalation(p, escalation_due=due))

    case.refresh_from_db()
    assert case.status == "open"
    action = decision.escalation_action
    assert action.owning_agency == p.agencies["police"]
    assert action.due_date == due
    assert "MARAC" in action.description and "DS Test Person" in action.description
    assert decision.forum == "marac" and decision.escalation_person == "DS Test Person"
    assert decision.review.status == "held"
    assert events("created", action).exists()


def test_escalate_needs_forum_person_agency_and_date():
    p = panel()
    with pytest.raises(ValidationError) as error:
        decide(p, p.item(p.case()), kind="escalate")

    assert {"forum", "escalation_person", "escalation_agency", "escalation_due"} <= set(
        error.value.message_dict
    )


def test_escalation_agency_must_be_involved_in_the_case():
    p = panel()
    case = p.case(agencies=("police",))
    with pytest.raises(ValidationError) as error:
        decide(
            p,
            p.item(case),
            kind="escalate",
            **escalation(p, escalation_agency=p.agencies["health"]),
        )

    assert "escalation_agency" in error.value.message_dict
    assert not Action.objects.filter(case=case).exists()


# --- risk ------------------------------------------------------------------------------------


def test_a_changed_risk_level_needs_a_new_assessment_first():
    p = panel()
    item = p.item(p.case())

    with pytest.raises(ValidationError) as error:
        decide(p, item, risk_decision="changed")

    assert "risk_decision" in error.value.message_dict


def test_a_changed_risk_level_links_the_assessment_made_at_the_meeting():
    p = panel()
    case = p.case()
    assessment = services.record_assessment(p.coordinator, case=case, answers=HIGH)

    decision = decide(p, p.item(case), risk_decision="changed")

    assert decision.assessment == assessment
    assert decision.risk_level == "high"
    assert decision.review.risk_level_after == "high"
    upcoming = case.reviews.get(status="upcoming")
    assert upcoming.due_date == p.meeting.date + cadence("high")


def test_an_assessment_made_before_the_meeting_does_not_count_as_changed():
    p = panel()
    case = p.case()
    services.record_assessment(
        p.coordinator,
        case=case,
        answers=HIGH,
        now=timezone.now() - dt.timedelta(days=3),
    )

    with pytest.raises(ValidationError):
        decide(p, p.item(case), risk_decision="changed")


# --- quorum ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quorate", "kind", "state", "status_after"),
    [
        (True, "open", "effective", "open"),
        (True, "continue", "effective", "open"),
        (True, "close", "effective", "closed"),
        (True, "escalate", "effective", "open"),
        (False, "open", "to_ratify", "open"),
        (False, "continue", "to_ratify", "open"),
        (False, "close", "awaiting", "open"),
        (False, "escalate", "to_ratify", "open"),
    ],
)
def test_quorum_decides_whether_a_decision_takes_effect(quorate, kind, state, status_after):
    p = panel(absent=() if quorate else ("education",))
    case = p.case(status="awaiting_panel" if kind == "open" else "open")
    extra = close_fields() if kind == "close" else escalation(p) if kind == "escalate" else {}

    decision = decide(p, p.item(case), kind=kind, **extra)

    case.refresh_from_db()
    assert decision.quorate is quorate
    assert decision.state == state
    assert case.status == status_after
    if kind == "close" and not quorate:
        assert decision.transition is None
        assert decision.closure_summary.startswith("Stepped down")


def test_not_quorate_tells_coordinators_and_both_chairs_with_no_case_reference():
    p = panel(absent=("health",))
    other = coordinator(p.area)
    case = p.case()

    decide(p, p.item(case))
    decide(p, p.item(p.case()))

    told = Notification.objects.filter(kind="ratification_needed")
    assert {n.recipient for n in told} == {other, p.police_chair, p.la_chair}
    assert told.count() == 3  # once per person and meeting, not per decision
    for notice in told:
        assert notice.case_reference == ""
        assert notice.link == f"/meetings/{p.meeting.pk}/ratify/"


# --- ratification ------------------------------------------------------------------------------


def awaiting_closure(p):
    case = p.case()
    return decide(p, p.item(case), kind="close", **close_fields()), case


def test_a_chair_ratifying_a_waiting_closure_closes_the_case_then():
    p = panel(absent=("police",))
    decision, case = awaiting_closure(p)

    ratified = ratify_decision(p.police_chair, decision=decision)

    case.refresh_from_db()
    assert case.status == "closed"
    assert ratified.state == "ratified" and ratified.ratified_by == p.police_chair
    assert ratified.transition.meeting == p.meeting
    assert events("updated", ratified).filter(changes__state=["awaiting", "ratified"]).exists()


def test_someone_who_does_not_chair_the_meeting_cannot_ratify():
    p = panel(absent=("police",))
    decision, _ = awaiting_closure(p)

    with pytest.raises(PermissionDenied):
        ratify_decision(p.coordinator, decision=decision)


def test_a_later_quorate_meeting_ratifies_through_a_coordinator():
    p = panel(absent=("police",), date=london_today() - dt.timedelta(days=14))
    decision, case = awaiting_closure(p)
    later = panel_meeting_like(p, quorate=True)

    ratified = ratify_decision(p.coordinator, decision=decision, at_meeting=later)

    case.refresh_from_db()
    assert case.status == "closed"
    assert ratified.ratified_at_meeting == later


def test_a_later_meeting_that_is_not_quorate_cannot_ratify():
    p = panel(absent=("police",), date=london_today() - dt.timedelta(days=14))
    decision, case = awaiting_closure(p)
    later = panel_meeting_like(p, quorate=False)

    with pytest.raises(ValidationError) as error:
        ratify_decision(p.coordinator, decision=decision, at_meeting=later)

    assert "at_meeting" in error.value.message_dict
    case.refresh_from_db()
    assert case.status == "open"


def test_ratifying_a_closure_rechecks_the_rules_and_changes_nothing_if_they_fail():
    p = panel(absent=("police",))
    decision, case = awaiting_closure(p)
    services.add_action(
        p.coordinator,
        case=case,
        description="Fictional action agreed since.",
        owning_agency=p.agencies["police"],
        due_date=london_today() + dt.timedelta(days=5),
    )

    with pytest.raises(ValidationError) as error:
        ratify_decision(p.police_chair, decision=decision)

    assert "actions" in error.value.message_dict
    decision.refresh_from_db()
    case.refresh_from_db()
    assert decision.state == "awaiting" and case.status == "open"


def test_ratifying_a_protective_decision_marks_it_ratified():
    p = panel(absent=("police",))
    decision = decide(p, p.item(p.case()))

    assert ratify_decision(p.la_chair, decision=decision).state == "ratified"


def test_a_chair_may_decline_a_waiting_closure_and_the_case_stays_open():
    p = panel(absent=("police",))
    decision, case = awaiting_closure(p)

    declined = decline_ratification(p.la_chair, decision=decision, note="Risk persists (test).")

    case.refresh_from_db()
    assert declined.state == "not_ratified" and case.status == "open"
    assert events("updated", declined).filter(changes__state=["awaiting", "not_ratified"]).exists()


def test_a_decision_in_effect_is_not_declined_and_a_ratified_one_not_ratified_twice():
    p = panel(absent=("police",))
    decision = decide(p, p.item(p.case()))

    with pytest.raises(ValidationError):
        decline_ratification(p.la_chair, decision=decision, note="No (test).")
    ratify_decision(p.la_chair, decision=decision)
    with pytest.raises(Conflict):
        ratify_decision(p.la_chair, decision=decision)


def panel_meeting_like(p, *, quorate: bool):
    """A later meeting of the same area being held today, with the same member agencies."""
    from meetings.models import MeetingMember

    later = published_meeting(p.area, created_by=p.coordinator)
    for kind, agency in p.agencies.items():
        MeetingMember.objects.create(
            meeting=later,
            agency=agency,
            attendance="present" if quorate or kind != "health" else "absent",
        )
    return later


# --- illegal states -----------------------------------------------------------------------------


def test_only_a_coordinator_of_the_area_records_decisions():
    p = panel()
    item = p.item(p.case())
    for outsider in (auditor(), p.police_chair, coordinator(stoke())):
        with pytest.raises(PermissionDenied):
            hearing.record_decision(
                outsider, item=item, kind="continue", reason="x", risk_decision="confirmed"
            )


def test_decisions_are_refused_before_the_meeting_day_and_on_an_unpublished_agenda():
    p = panel(date=london_today() + dt.timedelta(days=2))
    with pytest.raises(Conflict):
        decide(p, p.item(p.case()))
    scheduled = MeetingFactory(area=p.area, date=london_today(), created_by=p.coordinator)
    item = AgendaItemFactory(meeting=scheduled, case=p.case())
    with pytest.raises(Conflict):
        hearing.record_decision(
            p.coordinator, item=item, kind="continue", reason="x", risk_decision="confirmed"
        )


def test_a_case_is_decided_once_per_meeting():
    p = panel()
    item = p.item(p.case())
    decide(p, item)

    with pytest.raises(Conflict):
        decide(p, item)
    assert CaseDecision.objects.count() == 1


# --- last meeting's actions --------------------------------------------------------------------


def an_action(p, case, **kwargs):
    return services.add_action(
        p.coordinator,
        case=case,
        description="Fictional action from last meeting.",
        owning_agency=p.agencies["police"],
        due_date=london_today() + dt.timedelta(days=3),
        **kwargs,
    )


def test_reviewing_an_action_done_completes_it_through_the_action_service():
    p = panel()
    case = p.case()
    action = an_action(p, case)
    item = p.item(case)

    reviewed = hearing.review_action(
        p.coordinator, item=item, action=action, outcome="done", note="Visit made (test)."
    )

    action.refresh_from_db()
    assert action.status == "done" and action.completion_note == "Visit made (test)."
    assert reviewed.outcome == "done"
    assert events("created", reviewed).exists()
    assert events("updated", action).exists()


def test_circumstances_changed_cancels_it_and_not_done_by_the_agency_leaves_it_open():
    p = panel()
    case = p.case()
    changed, owed = an_action(p, case), an_action(p, case)
    item = p.item(case)

    hearing.review_action(
        p.coordinator, item=item, action=changed, outcome="circumstances", note="Moved (test)."
    )
    hearing.review_action(p.coordinator, item=item, action=owed, outcome="not_done")

    changed.refresh_from_db()
    owed.refresh_from_db()
    assert changed.status == "cancelled" and changed.cancel_reason == "Moved (test)."
    assert owed.status == "open"
    assert ActionReview.objects.filter(item=item).count() == 2


def test_done_needs_a_note_and_another_cases_action_is_refused():
    p = panel()
    case = p.case()
    action = an_action(p, case)
    item = p.item(case)
    other = an_action(p, p.case())

    with pytest.raises(ValidationError) as error:
        hearing.review_action(p.coordinator, item=item, action=action, outcome="done")
    assert "note" in error.value.message_dict
    with pytest.raises(ValidationError):
        hearing.review_action(p.coordinator, item=item, action=other, outcome="ongoing")
    assert not ActionReview.objects.exists()


def test_reviewing_again_replaces_the_outcome():
    p = panel()
    case = p.case()
    action = an_action(p, case)
    item = p.item(case)
    hearing.review_action(p.coordinator, item=item, action=action, outcome="ongoing")

    again = hearing.review_action(p.coordinator, item=item, action=action, outcome="not_done")

    assert ActionReview.objects.get().outcome == "not_done"
    assert events("updated", again).filter(changes__outcome=["ongoing", "not_done"]).exists()


def test_an_action_agreed_at_the_hearing_is_listed_on_the_item_not_reviewed():
    p = panel()
    case = p.case()
    item = p.item(case)

    action = hearing.agree_action(
        p.coordinator,
        item=item,
        description="Fictional new action.",
        owning_agency=p.agencies["health"],
        due_date=london_today() + dt.timedelta(days=10),
        four_p="protect",
    )

    assert list(item.agreed_actions.all()) == [action]
    assert action not in hearing.actions_to_review(item)
    assert events("updated", item).filter(changes__agreed_actions=[None, str(action.pk)]).exists()


# --- closing the meeting record ---------------------------------------------------------------


def test_closing_the_record_marks_the_meeting_held_and_carries_cases_to_the_next_meeting():
    p = panel()
    heard, missed = p.case(), p.case()
    decide(p, p.item(heard))
    missed_item = p.item(missed)
    following = MeetingFactory(
        area=p.area, date=london_today() + dt.timedelta(days=28), created_by=p.coordinator
    )

    held = hearing.close_hearing(p.coordinator, meeting=p.meeting, version=p.meeting.version)

    assert held.status == MeetingStatus.HELD and held.held_at is not None
    missed_item.refresh_from_db()
    assert missed_item.status == "not_reached"
    carried = AgendaItem.objects.get(meeting=following, case=missed)
    assert carried.reason == "carried_over"
    assert carried.moved_from == missed_item
    assert carried.reason_detail == f"Not reached at the {p.meeting.date:%-d %B %Y} meeting."
    assert carried.late is False
    assert not AgendaItem.objects.filter(meeting=following, case=heard).exists()
    assert events("transitioned", held).filter(changes__status=["published", "held"]).exists()
    assert events("updated", missed_item).exists()
    assert events("created", carried).exists()


def test_with_no_next_meeting_cases_go_to_the_to_be_scheduled_list():
    p = panel()
    case = p.case()
    p.item(case)

    hearing.close_hearing(p.coordinator, meeting=p.meeting, version=p.meeting.version)

    carried = AgendaItem.objects.get(meeting=None, case=case)
    assert carried.area == p.area and carried.status == "pending"


def test_carried_to_a_published_agenda_the_item_is_marked_late():
    p = panel()
    case = p.case()
    p.item(case)
    following = published_meeting(
        p.area, date=london_today() + dt.timedelta(days=3), created_by=p.coordinator
    )

    hearing.close_hearing(p.coordinator, meeting=p.meeting, version=p.meeting.version)

    assert AgendaItem.objects.get(meeting=following, case=case).late is True


def test_closing_the_record_refuses_a_stale_version_an_early_day_and_a_held_meeting():
    p = panel()
    with pytest.raises(Conflict):
        hearing.close_hearing(p.coordinator, meeting=p.meeting, version=p.meeting.version + 1)
    early = panel(date=london_today() + dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        hearing.close_hearing(early.coordinator, meeting=early.meeting, version=1)
    hearing.close_hearing(p.coordinator, meeting=p.meeting, version=p.meeting.version)
    p.meeting.refresh_from_db()
    with pytest.raises(InvalidMeetingTransition):
        hearing.close_hearing(p.coordinator, meeting=p.meeting, version=p.meeting.version)


def test_nothing_is_decided_at_a_held_meeting():
    p = panel()
    item = p.item(p.case())
    hearing.close_hearing(p.coordinator, meeting=p.meeting, version=p.meeting.version)

    with pytest.raises(Conflict):
        decide(p, item)


def test_transitions_and_reviews_outside_a_meeting_keep_working_without_one():
    p = panel()
    case = p.case(status="awaiting_panel")
    services.transition_case(p.coordinator, case=case, to_status="open")

    assert CaseTransition.objects.filter(case=case, to_status="open").get().meeting is None
    matrix_tool()


# --- audit: every service leaves exactly its events ----------------------------------------------


def events_during(action) -> dict:
    from collections import Counter

    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    action()
    return Counter(AuditEvent.objects.filter(id__gt=before).values_list("verb", "object_type"))


def test_each_hearing_service_records_exactly_its_events():
    p = panel(absent=("police",))
    case = p.case()
    old = an_action(p, case)
    item = p.item(case)
    later = p.item(p.case())

    assert events_during(
        lambda: hearing.review_action(
            p.coordinator, item=item, action=old, outcome="done", note="Done (test)."
        )
    ) == {("created", "meetings.actionreview"): 1, ("updated", "cases.action"): 1}
    assert events_during(
        lambda: hearing.agree_action(
            p.coordinator,
            item=item,
            description="Fictional.",
            owning_agency=p.agencies["police"],
            due_date=london_today() + dt.timedelta(days=9),
        )
    ) == {("created", "cases.action"): 1, ("updated", "meetings.agendaitem"): 1}
    decision = None

    def continue_it():
        nonlocal decision
        decision = decide(p, item)

    assert events_during(continue_it) == {
        ("updated", "cases.review"): 1,
        ("created", "cases.review"): 1,
        ("created", "meetings.casedecision"): 1,
        ("updated", "meetings.agendaitem"): 1,
    }
    assert events_during(lambda: ratify_decision(p.police_chair, decision=decision)) == {
        ("updated", "meetings.casedecision"): 1
    }
    p.meeting.refresh_from_db()
    assert events_during(
        lambda: hearing.close_hearing(p.coordinator, meeting=p.meeting, version=p.meeting.version)
    ) == {
        ("transitioned", "meetings.meeting"): 1,
        ("updated", "meetings.agendaitem"): 1,  # ``later`` not reached
        ("created", "meetings.agendaitem"): 1,  # and carried to the to-be-scheduled list
    }
    assert AgendaItem.objects.filter(moved_from=later).exists()


def test_a_refused_decision_leaves_no_event_and_no_change():
    p = panel()
    case = p.case()
    item = p.item(case)
    before = AuditEvent.objects.count()

    with pytest.raises(ValidationError):
        decide(p, item, kind="close", closure_reason="bogus")

    assert AuditEvent.objects.count() == before
    case.refresh_from_db()
    assert case.status == "open" and not case.reviews.filter(status="held").exists()

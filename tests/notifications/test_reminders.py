"""The reminder and escalation rules, scan by scan, with the clock moved across due dates,
week boundaries and the clock changes (DESIGN rules 4 and 5)."""

import datetime as dt

import pytest

from cases.models import Action, Case, CaseAgency, Review
from notifications.models import Notification
from notifications.reminders import scan_actions, scan_reviews
from tests.factories import AgencyFactory, agency_lead, coordinator
from tests.notifications.conftest import at, keys, told, utc
from tests.notifications.data import action_due, close, review_due

pytestmark = pytest.mark.django_db

REVIEW_DUE = Notification.Kind.REVIEW_DUE
REVIEW_OVERDUE = Notification.Kind.REVIEW_OVERDUE
ACTION_DUE = Notification.Kind.ACTION_DUE
ACTION_OVERDUE = Notification.Kind.ACTION_OVERDUE


# --- reviews -----------------------------------------------------------------------------


def test_a_review_due_in_7_days_reminds_the_lead_professional_and_coordinators(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    review = review_due(team.case(), dt.date(2026, 5, 11))

    created = scan_reviews()

    assert told(REVIEW_DUE) == {team.coordinator.pk, team.lead.pk}
    assert created == 2
    assert keys() == sorted(
        f"review_due:{user.pk}:review:{review.pk}:2026-05-11"
        for user in (team.coordinator, team.lead)
    )


def test_a_review_due_in_8_days_reminds_nobody_yet(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    review_due(team.case(), dt.date(2026, 5, 12))

    assert scan_reviews() == 0
    assert keys() == []


def test_a_review_due_today_is_due_not_overdue(team, time_machine):
    time_machine.move_to(at(2026, 5, 4, 23, 59), tick=False)
    review_due(team.case(), dt.date(2026, 5, 4))

    scan_reviews()

    assert told(REVIEW_DUE) == {team.coordinator.pk, team.lead.pk}
    assert told(REVIEW_OVERDUE) == set()


def test_an_overdue_review_escalates_to_coordinators_each_week_it_stays_overdue(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    review = review_due(team.case(), dt.date(2026, 5, 4))
    prefix = f"review_overdue:{team.coordinator.pk}:review:{review.pk}:2026-05-04"
    seen = {}

    for day, days_overdue in ((5, 1), (10, 6), (11, 7), (12, 8), (17, 13), (18, 14)):
        time_machine.move_to(at(2026, 5, day), tick=False)
        scan_reviews()
        seen[days_overdue] = [k for k in keys() if k.startswith("review_overdue")]

    assert seen[1] == seen[6] == [f"{prefix}:week0"]
    assert seen[7] == seen[8] == seen[13] == [f"{prefix}:week0", f"{prefix}:week1"]
    assert seen[14] == [f"{prefix}:week0", f"{prefix}:week1", f"{prefix}:week2"]
    assert told(REVIEW_OVERDUE) == {team.coordinator.pk}


def test_reviews_of_closed_cases_and_held_reviews_are_never_reminded(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    closed = team.case()
    review_due(closed, dt.date(2026, 5, 1))
    close(closed)
    held = review_due(team.case(), dt.date(2026, 5, 1))
    Review.objects.filter(pk=held.pk).update(
        status=Review.Status.HELD,
        held_on=dt.date(2026, 5, 1),
        outcome="Held.",
        risk_level_after="medium",
    )

    assert scan_reviews() == 0


def test_a_review_of_a_case_awaiting_panel_is_reminded(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    review_due(team.case(status=Case.Status.AWAITING_PANEL), dt.date(2026, 5, 6))

    scan_reviews()

    assert told(REVIEW_DUE) == {team.coordinator.pk, team.lead.pk}


def test_a_lead_professional_no_longer_with_an_involved_agency_is_not_told(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    case = team.case()
    review_due(case, dt.date(2026, 5, 6))
    team.lead.agency = AgencyFactory()
    team.lead.save()
    retired = coordinator(team.area, is_active=False)

    scan_reviews()

    assert told(REVIEW_DUE) == {team.coordinator.pk}
    assert retired.pk not in told(REVIEW_DUE)


def test_a_moved_due_date_is_a_new_reminder(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    case = team.case()
    review_due(case, dt.date(2026, 5, 6))
    scan_reviews()

    review_due(case, dt.date(2026, 5, 8))

    assert scan_reviews() == 2
    assert len(keys()) == 4


def test_a_scan_run_twice_creates_nothing_more(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    review_due(team.case(), dt.date(2026, 5, 6))
    review_due(team.case(), dt.date(2026, 4, 20))
    action_due(team.case(), dt.date(2026, 4, 20), agency=team.agency, owner=team.owner)
    first = (scan_reviews(), scan_actions(), keys())

    second = (scan_reviews(), scan_actions(), keys())

    assert first[0] > 0 and first[1] > 0
    assert second == (0, 0, first[2])


# --- actions -----------------------------------------------------------------------------


def test_an_action_due_in_3_days_reminds_its_owner_and_the_agency_leads(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    action = action_due(team.case(), dt.date(2026, 5, 7), agency=team.agency, owner=team.owner)

    scan_actions()

    assert told(ACTION_DUE) == {team.owner.pk, team.lead.pk}
    assert f"action_due:{team.owner.pk}:action:{action.pk}:2026-05-07" in keys()
    # The reminder opens the action itself, which checks access again.
    reminders = Notification.objects.filter(kind=ACTION_DUE)
    assert set(reminders.values_list("link", flat=True)) == {f"/actions/{action.pk}/"}


def test_an_action_due_in_4_days_reminds_nobody_yet(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    action_due(team.case(), dt.date(2026, 5, 8), agency=team.agency, owner=team.owner)

    assert scan_actions() == 0


def test_an_overdue_action_tells_owner_and_leads_once_and_coordinators_from_7_days(
    team, time_machine
):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    action = action_due(team.case(), dt.date(2026, 5, 4), agency=team.agency, owner=team.owner)
    about = f"action:{action.pk}:2026-05-04"
    seen = {}

    for day, days_overdue in ((5, 1), (10, 6), (11, 7), (12, 8), (18, 14)):
        time_machine.move_to(at(2026, 5, day), tick=False)
        scan_actions()
        seen[days_overdue] = [k for k in keys() if k.startswith("action_overdue")]

    told_overdue = sorted(f"action_overdue:{user.pk}:{about}" for user in (team.owner, team.lead))
    escalation = f"action_overdue:{team.coordinator.pk}:{about}:escalated"
    assert seen[1] == seen[6] == told_overdue
    assert seen[7] == seen[8] == seen[14] == sorted([*told_overdue, escalation])


def test_a_coordinator_told_as_agency_lead_is_not_told_again_at_escalation(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    lead_and_coordinator = coordinator(team.area, agency=team.agency)
    lead_and_coordinator.role_assignments.create(role="agency_lead")
    action_due(team.case(), dt.date(2026, 4, 20), agency=team.agency, owner=team.owner)

    scan_actions()

    mine = Notification.objects.filter(recipient=lead_and_coordinator, kind=ACTION_OVERDUE)
    assert mine.count() == 1
    assert told(ACTION_OVERDUE) == {
        team.owner.pk,
        team.lead.pk,
        lead_and_coordinator.pk,
        team.coordinator.pk,
    }


def test_done_and_cancelled_actions_and_closed_cases_are_never_reminded(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    case = team.case()
    for status in (Action.Status.DONE, Action.Status.CANCELLED):
        action_due(case, dt.date(2026, 4, 1), agency=team.agency, owner=team.owner, status=status)
    closed = team.case()
    action_due(closed, dt.date(2026, 4, 1), agency=team.agency, owner=team.owner)
    close(closed)

    assert scan_actions() == 0


def test_an_in_progress_action_is_reminded(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    action_due(
        team.case(),
        dt.date(2026, 5, 5),
        agency=team.agency,
        owner=team.owner,
        status=Action.Status.IN_PROGRESS,
    )

    scan_actions()

    assert told(ACTION_DUE) == {team.owner.pk, team.lead.pk}


def test_people_no_longer_linked_to_the_action_are_not_told(team, time_machine):
    time_machine.move_to(at(2026, 5, 4), tick=False)
    moved_owner = action_due(team.case(), dt.date(2026, 5, 5), agency=team.agency, owner=team.owner)
    team.owner.agency = AgencyFactory()
    team.owner.save()
    dropped = team.case()
    other_agency = AgencyFactory()
    CaseAgency.objects.create(case=dropped, agency=other_agency)
    other_lead = agency_lead(other_agency)
    action_due(dropped, dt.date(2026, 5, 5), agency=other_agency)
    CaseAgency.objects.filter(case=dropped, agency=other_agency).delete()

    scan_actions()

    assert told(ACTION_DUE) == {team.lead.pk}
    assert other_lead.pk not in told(ACTION_DUE)
    assert moved_owner.owner_id not in told(ACTION_DUE)


# --- the clock changes -------------------------------------------------------------------
# Clocks go forward at 01:00 UTC on Sunday 29 March 2026 and back at 01:00 UTC on Sunday
# 25 October 2026. In summer 23:30 UTC is already tomorrow (00:30) in London, and "today"
# is London's: a review due on the Monday after the change is overdue from 23:00 UTC that
# Monday in March, but from midnight UTC in October.


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(utc(2026, 3, 28, 23, 30), {REVIEW_DUE}, id="sat-23:30-gmt"),
        pytest.param(utc(2026, 3, 29, 0, 30), {REVIEW_DUE}, id="sun-00:30-gmt-before-change"),
        pytest.param(utc(2026, 3, 29, 23, 30), {REVIEW_DUE}, id="mon-00:30-bst"),
        pytest.param(utc(2026, 3, 30, 22, 59), {REVIEW_DUE}, id="mon-23:59-bst"),
        pytest.param(utc(2026, 3, 30, 23, 30), {REVIEW_OVERDUE}, id="tue-00:30-bst"),
    ],
)
def test_a_review_due_the_day_after_the_march_clock_change(team, time_machine, moment, expected):
    time_machine.move_to(moment, tick=False)
    review_due(team.case(), dt.date(2026, 3, 30))

    scan_reviews()

    assert {kind for kind in (REVIEW_DUE, REVIEW_OVERDUE) if told(kind)} == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(utc(2026, 10, 24, 23, 30), {REVIEW_DUE}, id="sun-00:30-bst"),
        pytest.param(utc(2026, 10, 25, 23, 30), {REVIEW_DUE}, id="sun-23:30-gmt"),
        pytest.param(utc(2026, 10, 26, 23, 30), {REVIEW_DUE}, id="mon-23:30-gmt"),
        pytest.param(utc(2026, 10, 27, 0, 30), {REVIEW_OVERDUE}, id="tue-00:30-gmt"),
    ],
)
def test_a_review_due_the_day_after_the_october_clock_change(team, time_machine, moment, expected):
    time_machine.move_to(moment, tick=False)
    review_due(team.case(), dt.date(2026, 10, 26))

    scan_reviews()

    assert {kind for kind in (REVIEW_DUE, REVIEW_OVERDUE) if told(kind)} == expected


def test_a_week_overdue_is_counted_in_london_days_across_the_clock_change(team, time_machine):
    time_machine.move_to(utc(2026, 3, 29, 22, 59), tick=False)  # Sunday 23:59 BST
    review = review_due(team.case(), dt.date(2026, 3, 23))
    scan_reviews()
    six_days = keys()

    time_machine.move_to(utc(2026, 3, 29, 23, 30), tick=False)  # Monday 00:30 BST
    scan_reviews()

    prefix = f"review_overdue:{team.coordinator.pk}:review:{review.pk}:2026-03-23"
    assert six_days == [f"{prefix}:week0"]
    assert keys() == [f"{prefix}:week0", f"{prefix}:week1"]


def test_an_action_escalates_at_london_midnight_in_summer(team, time_machine):
    time_machine.move_to(utc(2026, 7, 7, 22, 30), tick=False)  # Tuesday 23:30 BST
    action_due(team.case(), dt.date(2026, 7, 1), agency=team.agency, owner=team.owner)
    scan_actions()
    before = told(ACTION_OVERDUE)

    time_machine.move_to(utc(2026, 7, 7, 23, 30), tick=False)  # Wednesday 00:30 BST
    scan_actions()

    assert team.coordinator.pk not in before
    assert team.coordinator.pk in told(ACTION_OVERDUE)

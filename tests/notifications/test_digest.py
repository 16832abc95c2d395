"""The coordinators' weekly digest: counts for their own areas and links, one a week."""

import datetime as dt

import pytest

from cases.models import Action
from notifications.models import Notification
from notifications.reminders import weekly_digest
from tests.factories import coordinator, make_referral, stoke
from tests.notifications.conftest import Team, at, keys
from tests.notifications.data import action_due, review_due

pytestmark = pytest.mark.django_db


def digest_of(user) -> Notification:
    return Notification.objects.get(recipient=user, kind=Notification.Kind.WEEKLY_DIGEST)


def test_a_coordinator_gets_the_counts_for_their_areas_only(team, time_machine):
    time_machine.move_to(at(2026, 5, 4, 7), tick=False)
    review_due(team.case(), dt.date(2026, 5, 6))  # due soon
    overdue = team.case()
    review_due(overdue, dt.date(2026, 4, 27))
    action_due(overdue, dt.date(2026, 5, 1), agency=team.agency, owner=team.owner)
    action_due(overdue, dt.date(2026, 5, 5), agency=team.agency, owner=team.owner)
    action_due(overdue, dt.date(2026, 4, 1), agency=team.agency, status=Action.Status.CANCELLED)
    make_referral()  # awaiting triage in Staffordshire
    elsewhere = Team(
        area=stoke(),
        coordinator=coordinator(stoke()),
        agency=team.agency,
        lead=team.lead,
        owner=team.owner,
    )
    review_due(elsewhere.case(), dt.date(2026, 4, 1))
    both = coordinator(team.area)
    both.role_assignments.create(role="coordinator", area=elsewhere.area)

    assert weekly_digest() == 3

    assert digest_of(team.coordinator).counts == {
        "referrals_to_triage": 1,
        "active_cases": 2,
        "reviews_due_soon": 1,
        "reviews_overdue": 1,
        "actions_due_soon": 1,
        "actions_overdue": 1,
    }
    assert digest_of(elsewhere.coordinator).counts["reviews_overdue"] == 1
    assert digest_of(elsewhere.coordinator).counts["active_cases"] == 1
    assert digest_of(both).counts["reviews_overdue"] == 2
    assert digest_of(both).counts["active_cases"] == 3
    digest = digest_of(team.coordinator)
    assert digest.case_reference == ""
    assert digest.link == "/cases/"


def test_one_digest_a_coordinator_each_iso_week(team, time_machine):
    prefix = f"weekly_digest:{team.coordinator.pk}:digest"
    for moment in (at(2026, 5, 4, 7), at(2026, 5, 6), at(2026, 5, 10, 23, 59)):
        time_machine.move_to(moment, tick=False)
        weekly_digest()
    assert keys() == [f"{prefix}:2026-W19"]

    time_machine.move_to(at(2026, 5, 11, 7), tick=False)
    weekly_digest()

    assert keys() == [f"{prefix}:2026-W19", f"{prefix}:2026-W20"]


def test_the_digest_week_follows_iso_weeks_over_new_year(team, time_machine):
    prefix = f"weekly_digest:{team.coordinator.pk}:digest"
    for moment in (at(2026, 12, 28, 7), at(2027, 1, 3, 23), at(2027, 1, 4, 7)):
        time_machine.move_to(moment, tick=False)
        weekly_digest()

    assert keys() == [f"{prefix}:2026-W53", f"{prefix}:2027-W01"]


def test_inactive_coordinators_and_other_roles_get_no_digest(team, time_machine):
    time_machine.move_to(at(2026, 5, 4, 7), tick=False)
    retired = coordinator(team.area, is_active=False)

    weekly_digest()

    recipients = set(
        Notification.objects.filter(kind=Notification.Kind.WEEKLY_DIGEST).values_list(
            "recipient_id", flat=True
        )
    )
    assert recipients == {team.coordinator.pk}
    assert retired.pk not in recipients

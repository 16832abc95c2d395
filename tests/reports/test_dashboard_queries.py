"""The home page's queries, per role, are exact and the same for 1 row as for 200: every
figure is one aggregate, never a row fetched per case, action, review, referral or
research entry (DESIGN rule 7)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.services import record
from cases.models import Action, Case, Review
from meetings.models import MeetingMember, ResearchOutcome, ResearchReturn
from panel.dates import LONDON, london_today
from panel.models import Role
from tests.factories import (
    AgencyFactory,
    AgendaItemFactory,
    UserFactory,
    auditor,
    coordinator,
    make_case,
    make_referral,
    referrer,
    staffordshire,
)
from tests.meetings.research_helpers import published_meeting
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

# Every page: the session, the user, their roles, the unread notifications (header) and the
# areas (the numbers to call).
PAGE = 5
# Anyone with an agency and no auditor role: the research lists they hold a seat on.
SEAT = 1
EXPECTED = {
    # triage, awaiting panel, reviews overdue, reviews this week, actions overdue, overdue by
    # agency, the next meeting, its agenda counts, its research returns missing; and SEAT.
    "coordinator": PAGE + 9 + SEAT,
    # actions overdue, due soon, cases led open, cases led awaiting panel; each of the two
    # "cases led" figures checks its lead_professional value against the case list's
    # choices, as the list itself does (+2); and SEAT.
    "lead": PAGE + 4 + 2 + SEAT,
    # denied, exported, the last verification run.
    "auditor": PAGE + 3,
    # the counts, the latest referrals and their listed event (the agency is the signed-in
    # user's, read already); SEAT; cases worked on (none);
    # the navigation asks whether they work on a case or sit on a meeting.
    "referrer": PAGE + 2 + audit_event_queries(agency=False, listed_rows=True) + SEAT + 1 + 1,
    # SEAT (a seat: the figure), cases worked on, the navigation's question.
    "representative": PAGE + SEAT + 1 + 1,
}


def _world(rows: int) -> dict:
    area = staffordshire()
    police = AgencyFactory(name="Test Police")
    police.areas.add(area)
    boss = coordinator(area)
    lead = UserFactory(roles=[Role.AGENCY_LEAD], agency=police)
    sender = referrer()
    rep = UserFactory(agency=police)
    meeting = published_meeting(area=area, days_from_today=4)
    MeetingMember.objects.create(meeting=meeting, agency=police, representative=rep)
    today = london_today()
    for n in range(rows):
        case = make_case(
            area=area, coordinator_user=boss, agencies=[police], lead_professional=lead
        )
        if n % 2:
            Case.objects.filter(pk=case.pk).update(status=Case.Status.OPEN)
        Review.objects.filter(case=case).update(due_date=today + dt.timedelta(days=n % 9 - 3))
        for days in (-2, 3):
            Action.objects.create(
                case=case,
                description="Fictional action for a test.",
                owning_agency=police,
                due_date=today + dt.timedelta(days=days),
                created_by=boss,
            )
        item = AgendaItemFactory(meeting=meeting, case=case, added_by=meeting.created_by)
        if n % 3 == 0:
            ResearchReturn.objects.create(
                item=item,
                agency=police,
                outcome=ResearchOutcome.NOTHING_HELD,
                recorded_by=rep,
                recorded_at=timezone.now(),
            )
        make_referral(by=sender, immediate_risk=False)
        noon = dt.datetime.combine(today, dt.time(12), tzinfo=LONDON)
        with time_machine.travel(noon - dt.timedelta(days=n % 10), tick=False):
            record(actor=lead, verb="denied", object_type="cases.case", object_id=case.pk)
            record(actor=lead, verb="exported", object_type="cases.case", object_id=case.pk)
    return {
        "coordinator": boss,
        "lead": lead,
        "auditor": auditor(),
        "referrer": sender,
        "representative": rep,
    }


def _queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("rows", [1, 200])
def test_the_home_page_runs_a_fixed_number_of_queries_per_role(client, rows):
    users = _world(rows)

    counts = {role: _queries(client, user) for role, user in users.items()}

    assert counts == EXPECTED

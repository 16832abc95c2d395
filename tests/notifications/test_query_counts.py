"""The scans and the email sender make the same queries for 1 case as for 200 (DESIGN
rule 7): due objects and recipients are read in a fixed number of queries and the
notifications written in one statement. The action and review scans stream due rows by
one query and handle them in batches (tests/notifications/test_scan_batches.py: a fixed
number of queries per batch); 200 rows are one batch at the default size. They hold no
transaction of their own (each batch's insert commits by itself), so no SAVEPOINT; the
digest is one transaction (SAVEPOINT and RELEASE counted)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import email
from notifications.models import Notification
from notifications.reminders import scan_actions, scan_reviews, weekly_digest
from tests.notifications.conftest import at
from tests.notifications.data import many_cases

pytestmark = pytest.mark.django_db


def build(team, count: int, start: int) -> None:
    many_cases(
        count,
        start=start,
        area=team.area,
        agency=team.agency,
        lead=team.lead,
        owner=team.owner,
        review_due_on=dt.date(2026, 5, 6),
        action_due_on=dt.date(2026, 4, 26),  # 8 days overdue: coordinators told too
    )


@pytest.mark.parametrize(
    ("scan", "queries", "per_case"),
    [
        # reviews, coordinators by area, which keys exist, insert
        pytest.param(scan_reviews, 4, 2, id="reviews"),
        # actions, leads by agency, coordinators by area, which keys exist, insert
        pytest.param(scan_actions, 5, 3, id="actions"),
        # savepoint, coordinators, referrals, cases, reviews, actions by area, insert, release
        pytest.param(weekly_digest, 8, 0, id="digest"),
    ],
)
def test_a_scan_makes_the_same_queries_for_1_case_as_for_200(
    team, time_machine, scan, queries, per_case
):
    time_machine.move_to(at(2026, 5, 4, 7), tick=False)
    build(team, 1, start=1)
    with CaptureQueriesContext(connection) as one:
        created_for_one = scan()
    Notification.objects.all().delete()
    build(team, 199, start=2)

    with CaptureQueriesContext(connection) as two_hundred:
        created_for_200 = scan()

    assert len(one) == len(two_hundred) == queries, [q["sql"] for q in two_hundred]
    if per_case:
        assert (created_for_one, created_for_200) == (per_case, 200 * per_case)
    else:
        assert created_for_one == created_for_200 == 1
        digest = Notification.objects.get(kind="weekly_digest")
        assert digest.counts["reviews_due_soon"] == digest.counts["actions_overdue"] == 200


def test_the_email_sender_makes_the_same_queries_for_1_email_as_for_a_full_batch(
    team, time_machine
):
    time_machine.move_to(at(2026, 5, 4, 7), tick=False)
    build(team, 1, start=1)
    scan_reviews()
    Notification.objects.exclude(kind="review_due").update(emailed_at=at(2026, 5, 4))
    Notification.objects.filter(recipient=team.lead).update(emailed_at=at(2026, 5, 4))
    with CaptureQueriesContext(connection) as one:
        assert email.send_batch() == 1
    build(team, email.BATCH_SIZE + 10, start=2)
    scan_reviews()

    with CaptureQueriesContext(connection) as full:
        sent = email.send_batch()

    # savepoint, claim (with the recipient), mark emailed, release
    assert len(one) == len(full) == 4, [q["sql"] for q in full]
    assert sent == email.BATCH_SIZE

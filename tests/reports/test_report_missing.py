"""The partnership report's missing episodes table: counted in the period reported, scoped
to the report's areas, repeat children at exactly 3 in 90 days, interviews within 72
hours, one query, and suppressed in exports (reports/missing_episodes.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from intelligence.models import MissingEpisode
from reports.missing_episodes import missing_episodes
from reports.partnership import build_report
from reports.periods import financial_quarter, previous_period
from reports.suppression import suppress_table
from reports.tables import SUPPRESSED
from tests.factories import UserFactory, stoke
from tests.reports.world import World, london

pytestmark = pytest.mark.django_db

Q2 = financial_quarter(dt.date(2026, 8, 1))  # 1 July to 30 September 2026
Q1 = previous_period(Q2)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


def episode(case, reported, *, back_after=None, offered_after=None, held_after=None):
    returned = reported + back_after if back_after else None
    return MissingEpisode.objects.create(
        case=case,
        reported_missing_at=reported,
        returned_at=returned,
        interview="held" if held_after else ("offered" if offered_after else "not_yet"),
        interview_offered_at=returned + offered_after if offered_after else None,
        interview_held_at=returned + held_after if held_after else None,
        interview_by="Test Worker (fictional)" if held_after else "",
        recorded_by=UserFactory(),
    )


def cells(table):
    return {row.label: row.cells for row in table.rows}


def test_the_table_counts_episodes_children_repeats_and_interviews():
    world = World()
    repeat = world.case(london(2026, 1, 5))
    start = london(2026, 7, 1)
    for days in (0, 45, 90):  # exactly 90 days from first to third: a repeat
        episode(repeat, start + days * D, back_after=2 * H, held_after=72 * H)
    spread = world.case(london(2026, 1, 5))
    for days in (0, 45, 91):  # 91 days: not one
        episode(spread, start + days * D, back_after=H, offered_after=73 * H)
    earlier = world.case(london(2026, 1, 5))
    episode(earlier, london(2026, 5, 1), back_after=H, held_after=73 * H)
    elsewhere = World(area=stoke(), agency=world.agency).case(london(2026, 1, 5))
    episode(elsewhere, london(2026, 7, 2))

    table = missing_episodes([world.area], Q2, Q1)

    assert cells(table) == {
        "Missing episodes reported": (6, 1),
        "Children with a missing episode": (2, 1),
        "Children missing 3 or more times in 90 days": (1, 0),
        "Returns (found or returned)": (6, 1),
        "Return interviews offered within 72 hours": (3, 0),
        "Return interviews held within 72 hours": (3, 0),
    }
    assert table.totals_row is None


def test_a_child_with_two_cases_counts_once_and_their_episodes_together():
    world = World()
    child = world.child()
    first, second = (
        world.case(london(2026, 1, 5), child=child),
        world.case(london(2026, 2, 5), child=child),
    )
    for case, day in ((first, 1), (second, 10), (first, 20)):
        episode(case, london(2026, 8, day))
    table = cells(missing_episodes([world.area], Q2, Q1))
    assert table["Children with a missing episode"] == (1, 0)
    assert table["Children missing 3 or more times in 90 days"] == (1, 0)


def test_the_table_is_one_query_in_the_report(django_assert_num_queries):
    world = World()
    case = world.case(london(2026, 1, 5))
    for day in range(1, 20):
        episode(case, london(2026, 8, day), back_after=H)
    with django_assert_num_queries(1):
        missing_episodes([world.area], Q2, Q1)
    assert build_report([world.area], Q2, Q1).table("missing-episodes").title == (
        "Missing episodes"
    )


def test_exports_hide_small_counts():
    world = World()
    case = world.case(london(2026, 1, 5))
    episode(case, london(2026, 8, 1), back_after=H)
    table = suppress_table(missing_episodes([world.area], Q2, Q1), 5)
    assert cells(table)["Missing episodes reported"][0] is SUPPRESSED
    assert cells(table)["Missing episodes reported"][1] == 0

"""The partnership report's figures against a hand-built world (exact numbers), its
boundaries (London days, ages on the day, the re-referral window, on-time rules) and its
query count, which does not grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from cases.models import Action, Case, Child
from panel.models import Agency
from reports.partnership import _pick, build_report
from reports.periods import financial_quarter, previous_period
from reports.tables import Table
from tests.factories import AgencyFactory, stoke
from tests.reports.world import World, london

pytestmark = pytest.mark.django_db

Q2 = financial_quarter(dt.date(2026, 8, 1))  # 1 July to 30 September 2026
Q1 = previous_period(Q2)  # 1 April to 30 June 2026


def cells(table: Table) -> dict[str, tuple]:
    return {row.label: row.cells for row in table.rows}


def report(world: World, period=Q2, previous=Q1):
    return build_report([world.area], period, previous)


def test_the_quarters_are_the_financial_ones():
    assert (Q2.start, Q2.end, Q2.label) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30), "Q2 2026/27")
    assert (Q1.start, Q1.end) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))


def test_a_referral_late_on_the_quarters_last_day_counts_in_that_quarter():
    world = World()
    # 23:30 BST on 30 September is 22:30 UTC: still Q2 in London.
    world.referral(london(2026, 9, 30, 23, 30))
    # 00:30 BST on 1 October is 23:30 UTC on 30 September: Q3 in London, in neither column.
    world.referral(london(2026, 10, 1, 0, 30))
    # 00:10 BST on 1 July is 23:10 UTC on 30 June: Q2, not Q1.
    world.referral(london(2026, 7, 1, 0, 10))
    world.referral(london(2026, 6, 30, 23, 50))
    built = report(world)
    assert cells(built.table("referrals-by-agency-kind"))["Police"] == (2, 1)
    months = cells(built.table("referrals-by-month"))
    assert months["July 2026"] == (1,)
    assert months["September 2026"] == (1,)
    assert months["June 2026 (Q1 2026/27)"] == (1,)
    assert months["April 2026 (Q1 2026/27)"] == (0,)
    assert list(months) == [
        "April 2026 (Q1 2026/27)",
        "May 2026 (Q1 2026/27)",
        "June 2026 (Q1 2026/27)",
        "July 2026",
        "August 2026",
        "September 2026",
    ]
    assert built.table("referrals-by-month").summary.startswith("2 referrals in Q2 2026/27")


def test_only_the_areas_given_are_counted():
    world = World()
    other = World(area=stoke(), agency=world.agency)
    world.referral(london(2026, 8, 1))
    other.referral(london(2026, 8, 1))
    other.referral(london(2026, 8, 2))
    assert cells(report(world).table("referrals-by-agency-kind"))["Police"] == (1, 0)
    both = build_report([world.area, other.area], Q2, Q1)
    assert cells(both.table("by-area")) == {
        "Staffordshire": (1, 0, 0, 0),
        "Stoke-on-Trent": (2, 0, 0, 0),
    }
    assert both.table("by-area").totals_row == (3, 0, 0, 0)
    assert "by-area" not in [table.slug for table in report(world).tables]


def test_agency_kinds():
    world = World()
    school = AgencyFactory(kind=Agency.Kind.EDUCATION)
    world.referral(london(2026, 8, 1), agency=school)
    world.referral(london(2026, 8, 2), agency=school)
    world.referral(london(2026, 5, 2))
    table = report(world).table("referrals-by-agency-kind")
    assert cells(table)["Education"] == (2, 0)
    assert cells(table)["Police"] == (0, 1)
    assert cells(table)["Health"] == (0, 0)
    assert table.summary.endswith("Education rose from 0 to 2.")


def test_age_on_the_day_of_the_referral():
    world = World()
    # 15 until midnight: the birthday is 1 October, the referral 23:30 BST on 30 September.
    world.referral(london(2026, 9, 30, 23, 30), child=world.child(born=dt.date(2010, 10, 1)))
    # 16 on the day (birthday that day): a child, in 16-17.
    world.referral(london(2026, 7, 1, 0, 10), child=world.child(born=dt.date(2010, 7, 1)))
    # 17: still a child.
    world.referral(london(2026, 8, 1), child=world.child(born=dt.date(2009, 1, 1)))
    # 18 the day before: a young adult.
    world.referral(london(2026, 8, 1), child=world.child(born=dt.date(2008, 7, 31)))
    # 12 (13 tomorrow): under 13.
    world.referral(london(2026, 8, 1), child=world.child(born=dt.date(2013, 8, 2)))
    # 13 today.
    world.referral(london(2026, 8, 1), child=world.child(born=dt.date(2013, 8, 1)))
    # Born 29 February 2008: 18 from 1 March 2026, so 18 on 1 August 2026.
    world.referral(london(2026, 8, 1), child=world.child(born=dt.date(2008, 2, 29)))
    assert cells(report(world).table("referrals-by-age")) == {
        "Under 13": (1, 0),
        "13-15": (2, 0),
        "16-17": (2, 0),
        "18+ (young adult)": (2, 0),
    }


def test_age_on_29_february_birthdays():
    world = World()
    leapling = world.child(born=dt.date(2008, 2, 29))
    q4 = financial_quarter(dt.date(2026, 2, 1))
    world.referral(london(2026, 2, 28), child=leapling)  # 17: the birthday is 1 March
    world.referral(london(2026, 3, 1), child=leapling)  # 18
    table = build_report([world.area], q4, previous_period(q4)).table("referrals-by-age")
    assert cells(table)["16-17"] == (1, 0)
    assert cells(table)["18+ (young adult)"] == (1, 0)


def test_gender_ethnicity_and_missing_data():
    world = World()
    world.referral(
        london(2026, 8, 1),
        child=world.child(gender=Child.Gender.NOT_KNOWN, ethnicity_code="not_known"),
        child_aware="unknown",
        parents_agree="unknown",
    )
    world.referral(
        london(2026, 8, 2),
        child=world.child(gender=Child.Gender.MALE, ethnicity_code="white_irish"),
        legal_status="not_known",
    )
    world.referral(london(2026, 8, 3), child=world.child(ethnicity_code="declined"))
    world.referral(london(2026, 8, 4), child=world.child(ethnicity_code="black_african"))
    world.referral(london(2026, 5, 4), child=world.child(ethnicity_code="black_caribbean"))
    built = report(world)
    assert cells(built.table("referrals-by-gender")) == {
        "Female": (2, 1),
        "Male": (1, 0),
        "Non-binary": (0, 0),
        "Other": (0, 0),
        "Not known": (1, 0),
    }
    ethnicity = cells(built.table("referrals-by-ethnicity"))
    assert ethnicity["White"] == (1, 0)
    assert ethnicity["Black, Black British, Black Welsh, Caribbean or African"] == (1, 1)
    assert ethnicity["Declined to say"] == (1, 0)
    assert ethnicity["Not known"] == (1, 0)
    assert ethnicity["Asian, Asian British or Asian Welsh"] == (0, 0)
    assert built.table("referrals-by-ethnicity").totals_row == (4, 1)
    missing = built.table("missing-data")
    assert cells(missing) == {
        "Referrals received": (4, 1),
        "Child's gender not known": (1, 0),
        "Child's ethnic group not known": (1, 0),
        "Legal status not known": (1, 0),
        "Whether known to social care not known": (4, 1),  # the default is "not known"
        "Whether the child is aware not known": (1, 0),
        "Whether the child agrees not known": (0, 0),
        "Whether parents or carers are aware not known": (0, 0),
        "Whether parents or carers agree not known": (1, 0),
    }
    assert missing.totals_row is None  # one referral can miss several fields


def test_triage_outcomes_with_those_still_waiting():
    world = World()
    world.accepted(london(2026, 8, 1))
    world.referral(
        london(2026, 8, 1), triaged_at=london(2026, 8, 2), status="stepped_down", route="eha"
    )
    world.referral(
        london(2026, 8, 1), triaged_at=london(2026, 8, 2), status="redirected", route="s47"
    )
    world.referral(london(2026, 8, 1), triaged_at=london(2026, 8, 2))  # no further action
    world.referral(london(2026, 9, 1))
    world.referral(london(2026, 5, 1))
    assert cells(report(world).table("triage-outcomes")) == {
        "Accepted to panel": (1, 0),
        "Stepped down: Early Help": (1, 0),
        "Stepped down: Local Support Team": (0, 0),
        "Redirected: front door": (0, 0),
        "Redirected: section 47": (1, 0),
        "No further action": (1, 0),
        "Still awaiting triage": (1, 1),
    }


def test_percentile_pick_matches_percentile_cont():
    assert _pick([], 0.5) is None
    assert _pick([4.0], 0.9) == 4.0
    assert _pick([1.0, 2.0, 3.0, 4.0, 10.0], 0.5) == 3.0
    assert _pick([1.0, 2.0, 3.0, 4.0, 10.0], 0.9) == pytest.approx(7.6)
    assert _pick([1.0, 2.0], 0.5) == 1.5


def test_time_to_triage_median_and_90th_percentile():
    world = World()
    for days in (10, 1, 4, 2, 3):  # triaged in Q2
        world.referral(london(2026, 8, 1), triaged_at=london(2026, 8, 1) + dt.timedelta(days=days))
    # Referred in Q1, triaged in Q2 after 36 hours: measured in Q2.
    world.referral(london(2026, 6, 30, 12), triaged_at=london(2026, 7, 2, 0))
    # Triaged in Q1: the previous column.
    world.referral(london(2026, 5, 1), triaged_at=london(2026, 5, 3))
    world.referral(london(2026, 9, 1))  # not triaged: not measured
    table = report(world).table("time-to-triage")
    # Q2 durations: 1, 1.5, 2, 3, 4, 10 -> median 2.5; p90 at 4.5 -> 4 + 0.5 * 6 = 7.
    assert cells(table) == {
        "Median (days)": (2.5, 2.0),
        "90th percentile (days)": (7.0, 2.0),
        "Number of referrals triaged": (6, 1),
    }
    assert table.counts is False and table.unit == "days"
    assert table.summary.startswith("In Q2 2026/27 the median was 2.5 days")


def test_time_to_first_hearing():
    world = World()
    durations = []
    for days in (7, 14, 21, 28, 35):
        referral = world.accepted(london(2026, 7, 1, 9))
        world.decision(world.meeting(dt.date(2026, 7, 1) + dt.timedelta(days=days)), referral.case)
        # A later hearing of the same case is not the first.
        world.decision(world.meeting(dt.date(2026, 9, 29)), referral.case)
        durations.append(days)
    # A referral late on 30 June (BST), heard on 2 July: 2 days, heard in Q2.
    late = world.accepted(london(2026, 6, 30, 23, 30))
    world.decision(world.meeting(dt.date(2026, 7, 2)), late.case)
    # A second referral into an open case: its first hearing is the first on or after it.
    world.referral(
        london(2026, 7, 20), case=late.case, triaged_at=london(2026, 7, 21), status="accepted"
    )
    world.decision(world.meeting(dt.date(2026, 7, 30)), late.case)
    # Accepted but never heard: not measured.
    world.accepted(london(2026, 8, 1))
    table = report(world).table("time-to-hearing")
    # Q2: 2, 7, 10 (20 to 30 July), 14, 21, 28, 35 -> median 14; p90 at 5.4 -> 28 + 0.4*7.
    assert cells(table) == {
        "Median (days)": (14.0, None),
        "90th percentile (days)": (30.8, None),
        "Number of referrals heard": (7, 0),
    }
    assert "nothing to measure in Q1 2026/27" in table.summary


def test_risk_at_entry_and_closure_with_not_assessed():
    world = World()
    # Entry high (first assessment), closed low in Q2.
    first = world.accepted(
        london(2026, 4, 1), risk="low", closed=london(2026, 8, 1), reason="risk_reduced"
    )
    world.assessment(london(2026, 4, 1, 10), "high", referral=first)
    world.assessment(london(2026, 5, 1), "low", case=first.case)
    # First assessment gave no level: "Not assessed" at entry, closed medium.
    second = world.accepted(
        london(2026, 4, 2), risk="medium", closed=london(2026, 9, 30, 23, 30), reason="moved_out"
    )
    world.assessment(london(2026, 4, 2, 10), None, referral=second)
    world.assessment(london(2026, 4, 2, 11), "medium", referral=second)
    # No assessment at all: not assessed at entry too. Closed in Q1.
    world.accepted(london(2026, 4, 3), risk="high", closed=london(2026, 6, 1), reason="other")
    # Closed after the period: not counted.
    world.accepted(london(2026, 4, 3), risk="high", closed=london(2026, 10, 1, 0, 30))
    built = report(world)
    assert cells(built.table("risk-entry-closure")) == {
        "High": (1, 0, 0, 1),
        "Medium": (0, 1, 0, 0),
        "Low": (0, 1, 0, 0),
        "Not assessed": (1, 0, 1, 0),
    }
    assert "risk fell in 1 and rose in 0" in built.table("risk-entry-closure").summary
    assert cells(built.table("closure-reasons")) == {
        "Risk reduced or removed": (1, 0),
        "Moved out of area, with transfer": (1, 0),
        "Stepped down to early help": (0, 0),
        "Turned 18 and handed to adult services": (0, 0),
        "Other": (0, 1),
    }


def test_re_referral_window_edges():
    world = World()

    def again(closed: dt.datetime, opened: dt.datetime) -> Case:
        child = world.child()
        earlier = world.case(closed - dt.timedelta(days=30), child=child, closed=closed)
        return world.case(opened, child=child, previous=earlier)

    # Closed on the same London day a year before: within 12 months.
    again(london(2025, 7, 15, 10), london(2026, 7, 15, 9))
    # Closed the day before that: more than 12 months.
    again(london(2025, 7, 14, 23, 30), london(2026, 7, 15, 9))
    # Closed a month before: within.
    again(london(2026, 6, 1), london(2026, 7, 1, 9))
    world.case(london(2026, 8, 1))  # a first case
    world.case(london(2026, 5, 1))  # a first case, Q1
    # (the earlier case closed on 1 June opened on 2 May: a first case, in Q1 too)
    table = report(world).table("re-referrals")
    assert cells(table) == {
        "First case for the child": (1, 2),
        "Re-referral: previous case closed within 12 months": (2, 0),
        "Previous case closed more than 12 months before": (1, 0),
    }


def test_actions_on_time_by_agency_and_four_p():
    world = World()
    case = world.case(london(2026, 4, 1))
    health = AgencyFactory(kind=Agency.Kind.HEALTH, name="Test Health 001")
    due = dt.date(2026, 8, 10)
    # Done at 23:30 BST on the due date (22:30 UTC): on time.
    world.action(case, due, done=london(2026, 8, 10, 23, 30), four_p=Action.FourP.PROTECT)
    # Done at 00:30 BST the next day: late.
    world.action(case, due, done=london(2026, 8, 11, 0, 30), four_p=Action.FourP.PROTECT)
    world.action(case, due, agency=health)  # not done
    world.action(case, due, cancelled=True)  # cancelled: not counted
    world.action(
        case,
        dt.date(2026, 6, 1),
        done=london(2026, 5, 30),
        agency=health,
        four_p=Action.FourP.PURSUE,
    )
    world.action(case, dt.date(2026, 10, 1))  # due after the period
    built = report(world)
    assert cells(built.table("actions-by-agency")) == {
        "Test Health 001": (0, 0, 1, 1, 0, 0),
        "Test Police 001": (1, 1, 0, 0, 0, 0),
    }
    assert cells(built.table("actions-by-four-p")) == {
        "Prepare": (0, 0, 0, 0, 0, 0),
        "Prevent": (0, 0, 0, 0, 0, 0),
        "Protect": (1, 1, 0, 0, 0, 0),
        "Pursue": (0, 0, 0, 1, 0, 0),
        "Not tagged": (0, 0, 1, 0, 0, 0),
    }
    assert built.table("actions-by-four-p").summary.startswith(
        "1 of 3 actions due in Q2 2026/27 were done on time (33%), against 1 of 1"
    )


def test_reviews_held_on_time():
    world = World()
    cases = [world.case(london(2026, 4, 1)) for _ in range(5)]
    world.review(cases[0], dt.date(2026, 8, 1), held=dt.date(2026, 8, 1))
    world.review(cases[1], dt.date(2026, 8, 1), held=dt.date(2026, 8, 2))
    world.review(cases[2], dt.date(2026, 9, 30))  # not held yet
    world.review(cases[3], dt.date(2026, 8, 1), cancelled=True)
    world.review(cases[4], dt.date(2026, 6, 30), held=dt.date(2026, 6, 1))
    assert cells(report(world).table("reviews-on-time")) == {
        "Held on time": (1, 1),
        "Held late": (1, 0),
        "Not held yet": (1, 0),
    }


def populate(world: World, count: int) -> None:
    """``count`` of everything the report counts, in Q2 and Q1."""
    for index in range(count):
        at = london(2026, 7 - index % 2 * 3, 1 + index % 28)
        referral = world.accepted(
            at,
            risk="low",
            closed=at + dt.timedelta(days=20),
            reason="risk_reduced",
            previous=None,
        )
        world.assessment(at, "high", referral=referral)
        world.decision(world.meeting(at.date() + dt.timedelta(days=7)), referral.case)
        world.action(referral.case, at.date() + dt.timedelta(days=5), four_p="protect")
        world.review(referral.case, at.date() + dt.timedelta(days=10), held=at.date())
        world.referral(at, triaged_at=at + dt.timedelta(hours=5))


def _queries_for(django_assert_num_queries, areas, expected: int) -> None:
    with django_assert_num_queries(expected):
        build_report(areas, Q2, Q1)


@pytest.mark.parametrize("several_areas", [False, True])
def test_the_query_count_does_not_grow_with_the_data(django_assert_num_queries, several_areas):
    world = World()
    other = World(area=stoke(), agency=world.agency)
    areas = [world.area, other.area] if several_areas else [world.area]
    # +1 disruption by kind, +1 the missing episodes table (issue 13: one query each)
    expected = 17 if several_areas else 15
    populate(world, 1)
    _queries_for(django_assert_num_queries, areas, expected)
    populate(world, 199)
    populate(other, 3)
    _queries_for(django_assert_num_queries, areas, expected)
    built = build_report(areas, Q2, Q1)
    assert built.table("referrals-by-agency-kind").totals_row[0] + built.table(
        "referrals-by-agency-kind"
    ).totals_row[1] == 2 * (203 if several_areas else 200)


def test_the_database_works_out_percentiles_on_postgresql():
    """On PostgreSQL the medians come from ``percentile_cont`` (no durations read back)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from django.test.utils import CaptureQueriesContext

    world = World()
    world.referral(london(2026, 8, 1), triaged_at=london(2026, 8, 3))
    with CaptureQueriesContext(connection) as captured:
        table = report(world).table("time-to-triage")
    assert cells(table)["Median (days)"] == (2.0, None)
    assert (
        sum("percentile_cont" in query["sql"].lower() for query in captured.captured_queries) == 2
    )

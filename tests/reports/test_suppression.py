"""Small-number suppression for exports (reports/suppression.py): counts of 1 to
threshold-1 are hidden, with secondary suppression so no hidden count can be worked out
from its row's or column's total; 0 is shown; measures resting on too few cases are hidden;
totals are published only where they reveal nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from reports.suppression import (
    HIDDEN_SUMMARY,
    is_total,
    suppress_report,
    suppress_table,
    threshold,
)
from reports.tables import SUPPRESSED, Period, Report, Row, Table


def table(*rows: tuple[int | float | None, ...], columns=None, counts=True, labels=None) -> Table:
    columns = columns or tuple(f"Column {n}" for n in range(len(rows[0])))
    labels = labels or [f"Row {n}" for n in range(len(rows))]
    return Table(
        slug="t",
        title="A table",
        description="Fictional counts.",
        row_header="Row",
        columns=tuple(columns),
        rows=tuple(Row(label, tuple(cells)) for label, cells in zip(labels, rows, strict=True)),
        counts=counts,
    )


def cells(t: Table) -> list[list]:
    return [list(row.cells) for row in t.rows]


S = SUPPRESSED


# --- primary suppression --------------------------------------------------------------


def test_counts_of_one_to_four_are_hidden_and_zero_and_five_are_shown():
    t = suppress_table(table((0, 1, 12), (4, 5, 0)), below=5)
    # 1 and 4 are small; 5 and 12 go with them (see secondary suppression below).
    assert cells(t) == [[0, S, S], [S, S, 0]]
    t = suppress_table(table((0, 1), (4, 5), (20, 30)), below=5)
    assert cells(t) == [[0, S], [S, S], [S, S]]


def test_zero_is_always_shown():
    t = suppress_table(table((0, 0), (0, 0)), below=5)
    assert cells(t) == [[0, 0], [0, 0]]


def test_a_table_with_nothing_small_is_unchanged():
    original = table((5, 12), (7, 0), (100, 6))
    assert suppress_table(original, below=5) == original


def test_the_threshold_is_configurable():
    # Below 10: 7 is hidden now, and 9 with it (its row's and column's only other
    # non-zero cells).
    assert suppress_table(
        table(
            (7, 20, 30),
        ),
        below=5,
    ) == table(
        (7, 20, 30),
    )
    assert cells(
        suppress_table(
            table(
                (7, 20, 30),
            ),
            below=10,
        )
    ) == [[S, S, 30]]


def test_the_default_threshold_is_the_setting(settings):
    settings.REPORT_SUPPRESS_BELOW = 5
    assert threshold() == 5
    assert cells(
        suppress_table(
            table(
                (3, 20, 30),
            )
        )
    ) == [[S, S, 30]]
    settings.REPORT_SUPPRESS_BELOW = 3
    assert threshold() == 3
    assert cells(
        suppress_table(
            table(
                (3, 20, 30),
            )
        )
    ) == [[3, 20, 30]]


@pytest.mark.parametrize("below", [0, 1])
def test_a_threshold_of_zero_or_one_disables_suppression(below):
    original = table((1, 2), (3, 4))
    assert suppress_table(original, below=below) == original


# --- secondary suppression ------------------------------------------------------------


def test_a_lone_hidden_cell_takes_the_next_smallest_non_zero_cell_of_its_line_with_it():
    # Column 0: [2, 9, 6]. 2 is hidden; a column total (published in another table: every
    # breakdown of the quarter's referrals adds up to the same number) would give it away,
    # so the next smallest non-zero cell of the column (6) goes too, and in the rows those
    # two leave alone hidden, their next smallest (10, then 8) as well.
    t = suppress_table(table((2, 10), (9, 11), (6, 8)), below=5)
    hidden = {(r, c) for r, row in enumerate(cells(t)) for c, v in enumerate(row) if v is S}
    assert (0, 0) in hidden and (2, 0) in hidden
    assert (0, 1) in hidden and (2, 1) in hidden
    assert cells(t)[1] == [9, 11]


def test_secondary_suppression_skips_zeros():
    # Row 0: [3, 0, 7]: the 0 stays, the 7 goes.
    t = suppress_table(table((3, 0, 7), (0, 0, 0)), below=5)
    assert cells(t)[0] == [S, 0, S]


def test_ties_take_the_first_cell():
    t = suppress_table(
        table(
            (3, 8, 8),
        ),
        below=5,
    )
    assert cells(t)[0] == [S, S, 8]


def test_a_line_whose_other_cells_are_all_zero_keeps_its_one_hidden_cell():
    # Nothing else to hide: the row reads [c], 0, 0 (and no total is published for it).
    t = suppress_table(
        table(
            (3, 0, 0),
        ),
        below=5,
    )
    assert cells(t)[0] == [S, 0, 0]


# --- totals ---------------------------------------------------------------------------


def test_total_rows_and_columns_are_recognised_by_their_label():
    assert is_total("Total") and is_total("total") and is_total("Total referrals")
    assert not is_total("Totally fictional") and not is_total("Police")


def test_a_total_is_published_only_where_nothing_it_adds_up_is_hidden():
    t = suppress_table(
        table(
            (3, 8, 11),
            (10, 20, 30),
            (13, 28, 41),
            columns=("Area A", "Area B", "Total"),
            labels=["Police", "Health", "Total"],
        ),
        below=5,
    )
    # 3 is hidden, and with it 8 (its row) and 10 (its column), then 20 (10's row, and 8's
    # column): the totals of every line with a hidden cell, and the grand total, go too.
    assert cells(t) == [[S, S, S], [S, S, S], [S, S, S]]


def test_totals_of_lines_with_nothing_hidden_stay():
    t = suppress_table(
        table(
            (0, 3, 3),
            (0, 8, 8),
            (6, 0, 6),
            (6, 11, 17),
            columns=("Area A", "Area B", "Total"),
            labels=["Police", "Health", "Education", "Total"],
        ),
        below=5,
    )
    # 3 hidden, 8 with it (column B): rows Police and Health lose their totals, column B
    # its total and the grand total; row Education and column A keep theirs.
    assert cells(t) == [[0, S, S], [0, S, S], [6, 0, 6], [6, S, S]]


def test_the_column_total_of_a_suppressed_table_is_withheld():
    original = table((3, 10), (8, 12), (9, 14))
    assert original.column_total(0) == 20
    t = suppress_table(original, below=5)
    assert cells(t) == [[S, S], [S, S], [9, 14]]
    assert t.column_total(0) is None and t.column_total(1) is None


def test_a_summary_quoting_exact_figures_is_replaced_once_a_figure_is_hidden():
    quoting = replace(table((3, 10), (8, 12)), summary="3 referrals from police, up from 10.")
    assert suppress_table(quoting, below=5).summary == HIDDEN_SUMMARY
    clear = replace(table((30, 10), (8, 12)), summary="30 referrals from police.")
    assert suppress_table(clear, below=5).summary == "30 referrals from police."


# --- measures -------------------------------------------------------------------------


def measures(n: tuple[int, int], median: tuple, p90: tuple) -> Table:
    return table(
        median,
        p90,
        n,
        labels=["Median", "90th percentile", "Number of referrals"],
        columns=("This quarter", "Last quarter"),
        counts=False,
    )


def test_a_measure_resting_on_fewer_cases_than_the_threshold_is_hidden():
    t = suppress_table(measures((4, 12), (3.5, 6.0), (9.0, 14.0)), below=5)
    # The 4 is a count (hidden, and the row's other count with it); last quarter's
    # measures rest on 12 referrals and stay.
    assert cells(t) == [[S, 6.0], [S, 14.0], [S, S]]


def test_measures_on_enough_cases_are_shown_exactly():
    original = measures((5, 12), (3.5, 6.0), (9.0, 14.0))
    assert suppress_table(original, below=5) == original


def test_a_measure_on_no_cases_stays_empty_and_its_zero_is_shown():
    t = suppress_table(measures((0, 12), (None, 6.0), (None, 14.0)), below=5)
    assert cells(t) == [[None, 6.0], [None, 14.0], [0, 12]]


def test_a_measure_table_without_its_number_of_cases_is_hidden_whole():
    # Fail closed: without the n it rests on, a measure cannot be shown to be safe.
    t = suppress_table(
        table((3.5, 6.0), labels=["Median"], columns=("Q1", "Q2"), counts=False), below=5
    )
    assert cells(t) == [[S, S]]


def test_the_number_of_cases_behind_a_total_column_does_not_give_a_hidden_one_away():
    t = suppress_table(
        table(
            (3.0, 6.0, 5.0),
            (3, 12, 15),
            labels=["Median", "Number of referrals"],
            columns=("Area A", "Area B", "Total"),
            counts=False,
        ),
        below=5,
    )
    # Area A's median rests on 3 referrals: hidden. Its 3 is hidden, 12 with it (the row's
    # only other count), and the total's 15 (it would give the 3 away); the medians of
    # area B and of the total rest on enough referrals and stay.
    assert cells(t) == [[S, 6.0, 5.0], [S, S, S]]


def test_measures_are_shown_when_suppression_is_off():
    original = table((3.5, 6.0), labels=["Median"], columns=("Q1", "Q2"), counts=False)
    assert suppress_table(original, below=0) == original


# --- the report -----------------------------------------------------------------------


def test_a_report_is_suppressed_table_by_table_and_says_so():
    quarter = Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30), "Q1 2026/27")
    before = Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31), "Q4 2025/26")
    report = Report(
        title="Partnership report",
        areas=("Staffordshire",),
        period=quarter,
        previous=before,
        tables=(table((3, 10), (8, 12)), table((20, 30), (40, 50))),
        generated_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
    )
    suppressed = suppress_report(report, below=5)
    assert cells(suppressed.tables[0])[0][0] is S
    assert suppressed.tables[1] == report.tables[1]
    assert any("[c]" in note and "5" in note for note in suppressed.notes)
    # The original (what the panel sees on screen) is untouched.
    assert cells(report.tables[0])[0][0] == 3


def test_the_note_says_when_suppression_is_off():
    quarter = Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30), "Q1 2026/27")
    report = Report("R", ("A",), quarter, quarter, (), dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    assert any("not suppressed" in note for note in suppress_report(report, below=0).notes)


# --- properties -----------------------------------------------------------------------

small_counts = st.one_of(st.just(0), st.integers(1, 6), st.integers(7, 40))


@st.composite
def count_tables(draw):
    n_rows = draw(st.integers(1, 6))
    n_cols = draw(st.integers(1, 5))
    return [[draw(small_counts) for _ in range(n_cols)] for _ in range(n_rows)]


def lines(grid):
    rows = [[(r, c) for c in range(len(grid[0]))] for r in range(len(grid))]
    cols = [[(r, c) for r in range(len(grid))] for c in range(len(grid[0]))]
    return rows + cols


@hypothesis_settings(max_examples=300, deadline=None)
@given(grid=count_tables(), below=st.integers(2, 8))
def test_no_line_holds_exactly_one_hidden_cell_unless_the_rest_are_zero(grid, below):
    out = cells(suppress_table(table(*map(tuple, grid)), below=below))
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if 0 < value < below:
                assert out[r][c] is S
            elif value == 0:
                assert out[r][c] == 0
            else:
                assert out[r][c] in (value, S)
    for line in lines(grid):
        hidden = [cell for cell in line if out[cell[0]][cell[1]] is S]
        others = [grid[r][c] for r, c in line if out[r][c] is not S]
        assert len(hidden) != 1 or all(value == 0 for value in others)


@hypothesis_settings(max_examples=300, deadline=None)
@given(grid=count_tables(), below=st.integers(2, 8))
def test_a_published_total_never_reveals_a_hidden_cell(grid, below):
    """With a Total column and a Total row: every published total's line holds no hidden
    cell (so 0, never 1), the grand total only when nothing is hidden, and a published
    total is the exact sum."""
    n_cols = len(grid[0])
    full = [[*row, sum(row)] for row in grid]
    full.append([sum(col) for col in zip(*full, strict=True)])
    t = table(
        *map(tuple, full),
        columns=[*(f"Area {n}" for n in range(n_cols)), "Total"],
        labels=[*(f"Kind {n}" for n in range(len(grid))), "Total"],
    )
    out = cells(suppress_table(t, below=below))
    inner = [row[:-1] for row in out[:-1]]
    for r, row in enumerate(inner):
        hidden = sum(cell is S for cell in row)
        if out[r][-1] is not S:
            assert hidden == 0 and out[r][-1] == sum(grid[r])
        assert hidden != 1 or all(v == 0 for v in row if v is not S)
    for c in range(n_cols):
        column = [row[c] for row in inner]
        hidden = sum(cell is S for cell in column)
        if out[-1][c] is not S:
            assert hidden == 0
        assert hidden != 1 or all(v == 0 for v in column if v is not S)
    if out[-1][-1] is not S:
        assert not any(cell is S for row in inner for cell in row)

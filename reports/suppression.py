"""Small-number suppression for the partnership report's exports (CSV, XLSX, PDF).

Exports leave the panel, so a small count could identify a child. On screen, for the
panel, every figure stays exact: only ``reports/exports.py`` calls this module.

The rule (``REPORT_SUPPRESS_BELOW``, default 5; 0 or 1 turns it off):

1. **Primary.** A count from 1 to the threshold - 1 (1-4 by default) becomes
   ``SUPPRESSED`` (printed ``[c]``, the ONS marker). 0 is always shown: it identifies no
   one.
2. **Secondary.** Every breakdown of the same referrals adds up to the same total, and a
   total may be published elsewhere (another table, last quarter's report). So in every
   row and every column of a table's cells holding exactly one hidden cell, the next
   smallest non-zero cell of that line is hidden too (the first on a tie), repeated until
   no line holds exactly one; a hidden cell then only ever shares its line's total with
   another hidden cell. A line whose other cells are all 0 keeps its one hidden cell (there
   is nothing to hide with it; its total is not published, by 3).
3. **Totals.** A row or column labelled "Total" (``is_total``) is the sum of the others.
   Its cells are left out of steps 1-2 and published only when every cell they add up is
   published (the grand total only when nothing is hidden); otherwise they are hidden too.
   A published total therefore says nothing the shown cells do not. ``Table.column_total``
   follows the same rule for tables without a Total row.
4. **Measures** (tables with ``counts=False``: medians, percentiles, percentages) carry
   the number of cases they rest on in a row labelled "Number of ..." (``is_case_count``).
   In each column where that number is below the threshold, every measure is hidden, and
   the numbers of cases are counts like any other (rules 1-3: a "Total" column's number
   is hidden where it would reveal a hidden one). A measure table without such a row is
   hidden whole: nothing shows that its figures rest on enough cases (fail closed).

Pure functions: nothing here reads the database; ``threshold()`` reads the setting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from django.conf import settings

from reports.tables import SUPPRESSED, Cell, Report, Row, Table

Position = tuple[int, int]


def threshold() -> int:
    """``REPORT_SUPPRESS_BELOW``: counts from 1 to this - 1 are hidden (0 or 1: none)."""
    return int(getattr(settings, "REPORT_SUPPRESS_BELOW", 5))


def is_total(label: str) -> bool:
    """A row or column that is the sum of the others: labelled "Total" or "Total ..."."""
    text = label.strip().lower()
    return text == "total" or text.startswith("total ")


def is_case_count(label: str) -> bool:
    """The row of a measure table giving the number of cases each column rests on."""
    return label.strip().lower().startswith("number of")


def _small(value: Cell, below: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < below


def _count(value: Cell) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


HIDDEN_SUMMARY = (
    "Some figures in this table are hidden ([c]) to protect the children counted; "
    "the table shows every figure that can be published."
)


def suppress_table(table: Table, below: int | None = None) -> Table:
    """``table`` as an export may show it (a new table; ``table`` is not changed). Its
    summary, written from the exact figures for the page, is replaced by ``HIDDEN_SUMMARY``
    when any figure was hidden: it could quote one."""
    below = threshold() if below is None else below
    if below <= 1:
        return table
    result = (
        _suppress_measures(table, below) if not table.counts else _suppress_counts(table, below)
    )
    if result.rows != table.rows and table.summary:
        result = replace(result, summary=HIDDEN_SUMMARY)
    return result


def suppress_report(report: Report, below: int | None = None) -> Report:
    """Every table of ``report`` suppressed, and a note saying how (the exports print it)."""
    below = threshold() if below is None else below
    return replace(
        report,
        tables=tuple(suppress_table(table, below) for table in report.tables),
        notes=(*report.notes, suppression_note(below)),
    )


def suppression_note(below: int | None = None) -> str:
    """The sentence every export carries about the rule it was made with."""
    below = threshold() if below is None else below
    if below <= 1:
        return "Small numbers are not suppressed in this export (suppression is turned off)."
    return (
        f"To protect the children counted, counts from 1 to {below - 1} are shown as [c], "
        "and so is one more figure in any row or column that would otherwise let a hidden "
        "count be worked out from its total; a total is shown only where nothing it adds up "
        f"is hidden. A measure resting on fewer than {below} cases is shown as [c]. "
        "0 is always shown."
    )


# --- counts -------------------------------------------------------------------------------


def _suppress_counts(table: Table, below: int) -> Table:
    grid = [list(row.cells) for row in table.rows]
    inner_rows = [r for r, row in enumerate(table.rows) if not is_total(row.label)]
    inner_cols = [c for c, heading in enumerate(table.columns) if not is_total(heading)]
    hidden = {
        (r, c)
        for r in inner_rows
        for c in inner_cols
        if c < len(grid[r]) and _small(grid[r][c], below)
    }
    if not hidden:
        return table
    lines = [[(r, c) for c in inner_cols if c < len(grid[r])] for r in inner_rows] + [
        [(r, c) for r in inner_rows if c < len(grid[r])] for c in inner_cols
    ]
    _secondary(grid, hidden, lines)
    for r, c in hidden:
        grid[r][c] = SUPPRESSED
    _hide_revealing_totals(table, grid, inner_rows, inner_cols)
    return table.with_rows(
        Row(row.label, tuple(cells)) for row, cells in zip(table.rows, grid, strict=True)
    )


def _secondary(grid: list[list[Cell]], hidden: set[Position], lines: list[list[Position]]) -> None:
    """Hide the next smallest non-zero cell of every line holding exactly one hidden cell,
    until none does (each pass only adds, so it ends)."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(cell in hidden for cell in line) != 1:
                continue
            candidates = [
                (grid[r][c], index, (r, c))
                for index, (r, c) in enumerate(line)
                if (r, c) not in hidden and _count(grid[r][c]) and grid[r][c] > 0
            ]
            if candidates:
                hidden.add(min(candidates)[2])
                changed = True


def _hide_revealing_totals(
    table: Table, grid: list[list[Cell]], inner_rows: list[int], inner_cols: list[int]
) -> None:
    total_rows = [r for r, row in enumerate(table.rows) if is_total(row.label)]
    total_cols = [c for c, heading in enumerate(table.columns) if is_total(heading)]

    def any_hidden(cells: Iterable[Position]) -> bool:
        return any(c < len(grid[r]) and grid[r][c] is SUPPRESSED for r, c in cells)

    for r in inner_rows:  # row totals
        if any_hidden((r, c) for c in inner_cols):
            for c in total_cols:
                if c < len(grid[r]):
                    grid[r][c] = SUPPRESSED
    for c in inner_cols:  # column totals
        if any_hidden((r, c) for r in inner_rows):
            for r in total_rows:
                if c < len(grid[r]):
                    grid[r][c] = SUPPRESSED
    if any_hidden((r, c) for r in inner_rows for c in inner_cols):  # the grand total
        for r in total_rows:
            for c in total_cols:
                if c < len(grid[r]):
                    grid[r][c] = SUPPRESSED


# --- measures -----------------------------------------------------------------------------


def _suppress_measures(table: Table, below: int) -> Table:
    counts = [row for row in table.rows if is_case_count(row.label)]
    if not counts:
        return table.with_rows(
            Row(row.label, tuple(SUPPRESSED for _ in row.cells)) for row in table.rows
        )
    width = max(len(row.cells) for row in table.rows)
    too_few = set()
    for c in range(width):
        numbers = [row.cells[c] for row in counts if c < len(row.cells)]
        # A column is safe when every case count it carries is a count of at least the
        # threshold, or 0 (no cases: its measures are empty, not small).
        if not all(_count(n) and (n == 0 or n >= below) for n in numbers):
            too_few.add(c)
    # The numbers of cases are counts like any other: primary and secondary suppression,
    # and a "Total" column only where nothing it adds up is hidden.
    shown_counts = iter(
        _suppress_counts(replace(table, rows=tuple(counts), counts=True), below).rows
    )
    rows = []
    for row in table.rows:
        if is_case_count(row.label):
            rows.append(next(shown_counts))
            continue
        cells = [
            SUPPRESSED if c in too_few and cell is not None else cell
            for c, cell in enumerate(row.cells)
        ]
        rows.append(Row(row.label, tuple(cells)))
    return table.with_rows(rows)

"""What a report is made of, whatever shows it: a page, a chart, a CSV, a workbook or a PDF.

A ``Table`` is rows of cells under column headings. A cell holds an exact ``int`` count,
a ``float`` measure (a median, a percentage), ``None`` when there is nothing to measure
(no referral was triaged, so no median), or ``SUPPRESSED`` once an export has hidden a
small count (reports/suppression.py); a 0 is a count like any other and is always shown.
Only tables of counts (``counts=True``) are suppressed and totalled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Final


class _Suppressed:
    """A count hidden because it is small (or because it would reveal one that is)."""

    _instance: _Suppressed | None = None

    def __new__(cls) -> _Suppressed:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SUPPRESSED"

    def __str__(self) -> str:
        # The ONS marker for a value suppressed to protect confidentiality.
        return "[c]"


SUPPRESSED: Final = _Suppressed()

Cell = int | float | None | _Suppressed


@dataclass(frozen=True)
class Row:
    """``charted``: drawn in the table's chart (a count of measurements beside a median is
    shown in the table but not drawn on the same scale)."""

    label: str
    cells: tuple[Cell, ...]
    charted: bool = True


@dataclass(frozen=True)
class Table:
    """One table of a report. ``slug`` names it in URLs, anchors and export file names;
    ``description`` says what is counted (the chart's ``<desc>``, the page's caption);
    ``summary`` is the sentence a reader who cannot see the chart gets."""

    slug: str
    title: str
    description: str
    row_header: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    counts: bool = True
    summary: str = ""
    unit: str = ""  # e.g. "days" for a measure
    # Whether the rows' counts add up to something (a total row): not when they overlap,
    # as the missing-data table's rows do (one referral can miss several fields).
    totals: bool = True
    # How the chart draws it: "bars" (horizontal, grouped by row, one bar per charted
    # column), "columns" (vertical, one bar per row: a run of months) or "" (no chart).
    chart: str = "bars"
    # Which columns the chart draws (by index); None: all of them.
    chart_columns: tuple[int, ...] | None = None

    def column_total(self, index: int) -> int | None:
        """The sum of a count column, or None for a measure or a column with a hidden cell."""
        if not self.counts or not self.totals:
            return None
        values = [row.cells[index] for row in self.rows]
        if any(not isinstance(value, int) for value in values):
            return None
        return sum(values)

    @property
    def charted_columns(self) -> tuple[int, ...]:
        if self.chart_columns is None:
            return tuple(range(len(self.columns)))
        return self.chart_columns

    @property
    def totals_row(self) -> tuple[int | None, ...] | None:
        """Each column's total (None where a cell is hidden), or None when the table has
        no total row (measures, or rows that overlap)."""
        if not self.counts or not self.totals:
            return None
        return tuple(self.column_total(index) for index in range(len(self.columns)))

    def with_rows(self, rows: Sequence[Row]) -> Table:
        return replace(self, rows=tuple(rows))


@dataclass(frozen=True)
class Period:
    """A run of whole days, ``start`` to ``end`` inclusive, in Europe/London."""

    start: dt.date
    end: dt.date
    label: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Report:
    """A partnership report: the areas it covers (names only), the period and the one it is
    compared with, and its tables in the order they are read."""

    title: str
    areas: tuple[str, ...]
    period: Period
    previous: Period
    tables: tuple[Table, ...]
    generated_at: dt.datetime
    notes: tuple[str, ...] = field(default=())

    def table(self, slug: str) -> Table:
        for table in self.tables:
            if table.slug == slug:
                return table
        raise KeyError(slug)

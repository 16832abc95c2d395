"""Reporting periods: the financial quarter (Q1 is April to June) by default, and the period
a report is compared with (the one just before it, of the same kind)."""

from __future__ import annotations

import datetime as dt

from reports.tables import Period


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 1 + 3 * ((day.month - 1) // 3), 1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def financial_quarter(day: dt.date) -> Period:
    """The financial quarter holding ``day``: Q1 April-June, Q2 July-September, Q3
    October-December, Q4 January-March (of the year the financial year ends in)."""
    start = _quarter_start(day)
    end = _add_months(start, 3) - dt.timedelta(days=1)
    number = (start.month - 4) % 12 // 3 + 1
    first_year = start.year if start.month >= 4 else start.year - 1
    label = f"Q{number} {first_year}/{(first_year + 1) % 100:02d}"
    return Period(start, end, label)


def previous_period(period: Period) -> Period:
    """The period just before: the previous quarter for a quarter, otherwise the same number
    of days ending the day before ``period`` starts."""
    if period.start == _quarter_start(period.start) and period == financial_quarter(period.start):
        return financial_quarter(period.start - dt.timedelta(days=1))
    end = period.start - dt.timedelta(days=1)
    start = end - dt.timedelta(days=period.days - 1)
    return Period(start, end, f"{start:%-d %b %Y} to {end:%-d %b %Y}")


def custom_period(start: dt.date, end: dt.date) -> Period:
    return Period(start, end, f"{start:%-d %b %Y} to {end:%-d %b %Y}")

"""The partnership report's period and area picker (a GET form: the choice stays in the
URL). A financial quarter from a list of recent ones (``?quarter=2026-Q2``), or a custom
run of days (``?date_from=...&date_to=...``); with neither, the current financial quarter.
An area is chosen among ``report_areas(user)`` only: any other id is an invalid choice,
never a report on an area the reader may not see."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from django import forms
from django.conf import settings
from django.utils.http import urlencode

from panel.models import Area
from reports.periods import custom_period, financial_quarter, previous_period
from reports.tables import Period

QUARTERS_LISTED = 8
# The longest custom period: two years (a leap day included).
MAX_CUSTOM_DAYS = getattr(settings, "REPORT_MAX_CUSTOM_DAYS", 731)
QUARTER_VALUE = re.compile(r"^(\d{4})-Q([1-4])$")


def quarter_value(period: Period) -> str:
    """``2026-Q2`` for Q2 2026/27 (the year the financial year starts in)."""
    number = (period.start.month - 4) % 12 // 3 + 1
    first_year = period.start.year if period.start.month >= 4 else period.start.year - 1
    return f"{first_year}-Q{number}"


def quarter_from_value(value: str) -> Period:
    match = QUARTER_VALUE.match(value)
    if not match:
        raise ValueError(value)
    first_year, number = int(match[1]), int(match[2])
    month = 4 + 3 * (number - 1)
    year = first_year + (month - 1) // 12
    return financial_quarter(dt.date(year, (month - 1) % 12 + 1, 1))


def recent_quarters(today: dt.date, count: int = QUARTERS_LISTED) -> list[Period]:
    """The current financial quarter and the ones before it, newest first."""
    quarters = [financial_quarter(today)]
    while len(quarters) < count:
        quarters.append(previous_period(quarters[-1]))
    return quarters


def _months(period: Period) -> str:
    if period.start.year == period.end.year:
        return f"{period.start:%B} to {period.end:%B %Y}"
    return f"{period.start:%B %Y} to {period.end:%B %Y}"


class ReportPeriodForm(forms.Form):
    quarter = forms.ChoiceField(
        label="Financial quarter",
        required=False,
        error_messages={"invalid_choice": "Choose a quarter from the list."},
    )
    date_from = forms.DateField(
        label="Or from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real start date, for example 2026-07-01."},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real end date, for example 2026-09-30."},
    )
    area = forms.ChoiceField(
        label="Area",
        required=False,
        error_messages={"invalid_choice": "Choose an area from the list."},
    )

    def __init__(self, *args, areas: Sequence[Area], today: dt.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.areas = list(areas)
        self.today = today
        quarters = recent_quarters(today)
        self.fields["quarter"].choices = [
            (
                quarter_value(quarter),
                f"{quarter.label} ({_months(quarter)})" + (", this quarter" if index == 0 else ""),
            )
            for index, quarter in enumerate(quarters)
        ]
        self.fields["quarter"].initial = quarter_value(quarters[0])
        if len(self.areas) > 1:
            self.fields["area"].choices = [
                ("", "All areas, with each area's figures"),
                *((str(area.pk), area.name) for area in self.areas),
            ]
        else:
            del self.fields["area"]

    def clean(self) -> dict:
        cleaned = super().clean()
        # A reader of one area has no area to choose: any other area sent (a hand-made
        # link) is refused, never silently read as their own.
        sent = self.data.get("area") if "area" not in self.fields else ""
        if sent and sent not in {str(area.pk) for area in self.areas}:
            raise forms.ValidationError("Choose an area you may report on.")
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if self.has_error("date_from") or self.has_error("date_to"):
            return cleaned
        if start and not end:
            self.add_error("date_to", "Enter the end date of the period, or clear the start date.")
        elif end and not start:
            self.add_error(
                "date_from", "Enter the start date of the period, or clear the end date."
            )
        elif start and end:
            if end < start:
                self.add_error("date_to", "The end date must be on or after the start date.")
            elif start > self.today:
                self.add_error("date_from", "The start date must be today or in the past.")
            elif (end - start).days + 1 > MAX_CUSTOM_DAYS:
                self.add_error(
                    "date_to",
                    "A custom period can be at most 2 years long: choose a later start date "
                    "or an earlier end date.",
                )
        return cleaned

    @property
    def custom(self) -> bool:
        return bool(self.is_bound and self.is_valid() and self.cleaned_data.get("date_from"))

    def periods(self) -> tuple[Period, Period]:
        """The period chosen (the current quarter until a valid choice is made) and the one
        it is compared with."""
        if self.is_bound and self.is_valid():
            start, end = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
            if start and end:
                period = financial_quarter(start)
                if (period.start, period.end) != (start, end):
                    period = custom_period(start, end)
                return period, previous_period(period)
            if self.cleaned_data.get("quarter"):
                period = quarter_from_value(self.cleaned_data["quarter"])
                return period, previous_period(period)
        period = financial_quarter(self.today)
        return period, previous_period(period)

    def params(self) -> list[tuple[str, str]]:
        """The valid choice as this page's GET parameters (the export links, hidden inputs)."""
        if not (self.is_bound and self.is_valid()):
            return []
        data = self.cleaned_data
        params: list[tuple[str, str]] = []
        if data.get("date_from") and data.get("date_to"):
            params += [("date_from", data["date_from"].isoformat())]
            params += [("date_to", data["date_to"].isoformat())]
        elif data.get("quarter"):
            params.append(("quarter", data["quarter"]))
        if data.get("area"):
            params.append(("area", data["area"]))
        return params

    def query(self) -> str:
        return urlencode(self.params())

    def chosen_areas(self) -> list[Area]:
        """The areas to count: the one chosen, or all the reader's."""
        if "area" in self.fields and self.is_bound and self.is_valid():
            chosen = self.cleaned_data.get("area")
            if chosen:
                return [area for area in self.areas if str(area.pk) == chosen]
        return self.areas

"""The base of the API's list filters (django-filter FilterSets): date parameters are
either dates or refused.

django-filter drops a parameter sent empty (``?due_before=``) as if it were not there, so
a client whose date went missing gets every row back and no sign of it. Here an empty
date parameter is a 400 naming the filter, like any other bad value. And an ISO date-time
at the very edge of the calendar (``0001-01-01T00:00:00+01:00``) is valid to Python but
has no UTC equivalent, which the database needs: it is refused too, instead of a 500; so
is a number filter's value past a 64-bit integer (``?case=-2.8e248``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django_filters.fields import RangeField

BIGINT = 2**63 - 1


def _date_parameters(name: str, field: forms.Field) -> list[str]:
    """The query parameters a date filter reads: ``due`` reads ``due_after`` and
    ``due_before``; a single date filter reads its own name."""
    if isinstance(field, RangeField):
        widget = field.widget
        if isinstance(field.fields[0], forms.DateField | forms.DateTimeField):
            return [widget.suffixed(name, suffix) for suffix in widget.suffixes]
        return []
    return [name] if isinstance(field, forms.DateField | forms.DateTimeField) else []


def _outside_utc(value: Any) -> bool:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        return False
    try:
        value.astimezone(dt.UTC)
    except OverflowError:
        return True
    return False


class _StrictDates:
    """Mixed into a FilterSet's form: refuses empty date parameters and date-times with
    no UTC equivalent, each under its filter's name."""

    data: Any
    fields: dict[str, forms.Field]
    id_filters: frozenset[str] = frozenset()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        for name, field in self.fields.items():
            for parameter in _date_parameters(name, field):
                if parameter in self.data and not str(self.data.get(parameter, "")).strip():
                    self.add_error(  # type: ignore[attr-defined]
                        name, f"{parameter} is empty: give a date, or leave it out."
                    )
            value = cleaned.get(name)
            if name in self.id_filters and value is not None:
                # A number filter compares with an integer column: a number past a 64-bit
                # integer is no id (SQLite raises OverflowError, PostgreSQL a DataError).
                # Filters with their own method decide for themselves.
                if not -BIGINT <= value <= BIGINT:
                    self.add_error(name, "Enter a whole number id.")  # type: ignore[attr-defined]
                continue
            bounds = [value.start, value.stop] if isinstance(value, slice) else [value]
            if any(_outside_utc(bound) for bound in bounds):
                self.add_error(  # type: ignore[attr-defined]
                    name, "Enter a date-time between the years 1 and 9999 in UTC."
                )
        return cleaned


class FilterSet(django_filters.FilterSet):
    """A FilterSet whose date parameters are dates or a 400 (see the module's docstring)."""

    def get_form_class(self) -> type[forms.Form]:
        form = super().get_form_class()
        ids = frozenset(
            name
            for name, given in self.filters.items()
            if isinstance(given, django_filters.NumberFilter) and given.method is None
        )
        return type(form.__name__, (_StrictDates, form), {"id_filters": ids})

"""Form pieces from the GOV.UK Design System that Django does not have: the date input
(day, month and year as three boxes) and a time of day, with the GOV.UK wording for their
errors; plus the one place that puts a service's ValidationError onto a form's fields.

Rendering is in templates: a date's three boxes are reached through the bound field's
``subwidgets`` (names ``<name>_day``, ``<name>_month``, ``<name>_year``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

DATE_PARTS = ("day", "month", "year")

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


class DateInput(forms.MultiWidget):
    """Three text boxes. GOV.UK asks for text inputs with a numeric keyboard, not
    type=number (which mangles leading zeros and scroll-wheels values)."""

    def __init__(self, attrs=None):
        widgets = {
            part: forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"})
            for part in DATE_PARTS
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # Ids like the names (<id>_day, not Django's <id>_0), as GOV.UK's markup has them
        # and as error summary links expect.
        base = context["widget"]["attrs"].get("id")
        if base:
            for part, subwidget in zip(DATE_PARTS, context["widget"]["subwidgets"], strict=True):
                subwidget["attrs"]["id"] = f"{base}_{part}"
        return context

    def id_for_label(self, id_):
        return f"{id_}_day" if id_ else id_


class DateField(forms.Field):
    """A date from a GOV.UK date input. Refuses impossible dates (31/02) with "<name> must
    be a real date", and half-filled ones with "<name> must include a month"."""

    widget = DateInput
    default_error_messages = {
        "required": "Enter the date",
        "incomplete": "{name} must include a {missing}",
        "invalid": "{name} must be a real date",
    }

    def __init__(self, *, error_name: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.error_name = error_name or str(self.label or "Date")

    def to_python(self, value):
        if isinstance(value, dt.date):
            return value
        if not isinstance(value, list | tuple):
            value = ["", "", ""]
        parts = [str(part if part is not None else "").strip() for part in value]
        if not any(parts):
            return None
        missing = [name for name, part in zip(DATE_PARTS, parts, strict=True) if not part]
        if missing:
            raise ValidationError(
                self.error_messages["incomplete"].format(
                    name=self.error_name, missing=" and a ".join(missing)
                ),
                code="incomplete",
            )
        day, month, year = parts
        month_number = MONTHS.get(month.casefold(), month)
        try:
            if not re.fullmatch(r"\d{4}", year):
                raise ValueError(year)
            return dt.date(int(year), int(month_number), int(day))
        except (ValueError, OverflowError):
            raise ValidationError(
                self.error_messages["invalid"].format(name=self.error_name), code="invalid"
            ) from None


_TIME = re.compile(r"^(?P<hour>\d{1,2})(?:[:.]?(?P<minute>\d{2}))?\s*(?P<half>am|pm)?$")


class TimeField(forms.CharField):
    """A time of day typed as 14:30, 14.30, 1430, 2:30pm or 2pm."""

    default_error_messages = {
        "invalid": "Enter a real time, for example 14:30",
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        match = _TIME.match(text.casefold().replace(" ", ""))
        if not match:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if match["half"]:
            if not 1 <= hour <= 12:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            hour = hour % 12 + (12 if match["half"] == "pm" else 0)
        try:
            return dt.time(hour, minute)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value) -> None:
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value) -> None:
        # max_length applies to what was typed, which to_python has already turned into a
        # time; a time is never too long.
        return


def add_service_errors(
    form: forms.Form, error: ValidationError, field_for: Mapping[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form: each message by the field it is
    about (``field_for`` renames service keys to form fields), anything else at the top."""
    field_for = field_for or {}
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for key, messages in error.message_dict.items():
        name = field_for.get(key, key)
        target = name if name in form.fields and name != NON_FIELD_ERRORS else None
        for message in messages:
            form.add_error(target, message)


def error_anchor(form: forms.Form, name: str) -> str:
    """The id an error summary link should focus for a field: the first radio or checkbox
    of a group, the day box of a date, the field itself otherwise."""
    field = form.fields[name]
    auto_id = form[name].auto_id
    widget = field.widget
    if isinstance(widget, DateInput):
        return f"{auto_id}_day"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{auto_id}_0"
    return auto_id

"""Dates in the panel's time zone. Due dates are dates; "today" is Europe/London's today,
whatever the server's clock zone, so overdue flips at local midnight."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

LONDON = ZoneInfo("Europe/London")


def london_today() -> dt.date:
    return timezone.now().astimezone(LONDON).date()


def age_on(born: dt.date, on: dt.date) -> int:
    """Whole years between a date of birth and a day (a 29 February birthday counts from
    1 March in other years)."""
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years

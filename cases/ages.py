"""Age bands, as the partnership counts children: under 13, 13-15, 16-17, and young adults
(18+, supported only with a recorded reason). A band is a range of dates of birth on a given
day, so a list filters on the indexed date of birth, never on an age worked out per row.

A 16- or 17-year-old is a child: the band exists because support and legal options change,
never because risk is lower (DOMAIN.md)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q

from cases.models import _birthday


class AgeBand(models.TextChoices):
    UNDER_13 = "under_13", "Under 13"
    AGED_13_15 = "13_15", "13-15"
    AGED_16_17 = "16_17", "16-17"
    YOUNG_ADULT = "18_plus", "18+ (young adult)"


# (youngest age in the band, first age past it); None: no upper end.
BAND_AGES: dict[str, tuple[int, int | None]] = {
    AgeBand.UNDER_13: (0, 13),
    AgeBand.AGED_13_15: (13, 16),
    AgeBand.AGED_16_17: (16, 18),
    AgeBand.YOUNG_ADULT: (18, None),
}


def born_on_or_before(age: int, on: dt.date) -> dt.date:
    """The latest date of birth of someone who is ``age`` or older on ``on`` (a 29 February
    birthday counts from 1 March, as ``panel.dates.age_on`` does)."""
    for day in (on, on - dt.timedelta(days=1)):
        try:
            latest = day.replace(year=day.year - age)
        except ValueError:  # 29 February ``age`` years back is not a date
            continue
        if _birthday(latest, age) <= on:
            return latest
    return on.replace(year=on.year - age, day=28)


def band_of(age: int) -> str:
    for band, (youngest, past) in BAND_AGES.items():
        if age >= youngest and (past is None or age < past):
            return band
    raise ValueError(f"no age band for {age}")


def age_band_q(band: str, on: dt.date, field: str = "date_of_birth") -> Q:
    """Children in ``band`` on ``on``, as a filter on the date of birth ``field`` (e.g.
    ``"child__date_of_birth"``)."""
    youngest, past = BAND_AGES[AgeBand(band)]
    condition = Q(**{f"{field}__lte": born_on_or_before(youngest, on)})
    if past is not None:
        condition &= Q(**{f"{field}__gt": born_on_or_before(past, on)})
    return condition

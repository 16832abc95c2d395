"""Reads about missing episodes: the return home interview's state, the repeat rule, and
the counts the case page, the meeting pack and the partnership report show.

Writes are in ``intelligence/services/missing.py``. Every read here is given querysets or
case ids already scoped by the caller (``MissingEpisode.objects.visible_to``); the
functions only count and classify."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q
from django.utils import timezone

from intelligence.models import (
    REPEAT_EPISODES,
    REPEAT_WINDOW_DAYS,
    RETURN_INTERVIEW_HOURS,
    MissingEpisode,
    ReturnInterview,
)

WINDOW = dt.timedelta(days=REPEAT_WINDOW_DAYS)
INTERVIEW_TIME = dt.timedelta(hours=RETURN_INTERVIEW_HOURS)

# The return home interview, as a page shows it (value, label, GOV.UK tag colour).
STILL_MISSING = "missing"
DUE = "due"
OVERDUE = "overdue"
HELD_IN_TIME = "held_in_time"
HELD_LATE = "held_late"
DECLINED = "declined"
INTERVIEW_STATES = {
    STILL_MISSING: ("Not returned yet", "govuk-tag--red"),
    DUE: ("Interview due", "govuk-tag--yellow"),
    OVERDUE: ("Interview overdue", "govuk-tag--red"),
    HELD_IN_TIME: ("Held within 72 hours", "govuk-tag--green"),
    HELD_LATE: ("Held after 72 hours", "govuk-tag--orange"),
    DECLINED: ("Offered and declined", "govuk-tag--grey"),
}


def interview_state(episode: MissingEpisode, now: dt.datetime | None = None) -> str:
    """Where the return home interview stands: the child not returned yet; held (within 72
    hours of return, or after); declined; or not held and due (72 hours not yet over) or
    overdue. The 72 hours end exactly ``RETURN_INTERVIEW_HOURS`` after the return: an
    interview held at that very moment is in time, and it is overdue only after it."""
    now = now or timezone.now()
    if episode.returned_at is None:
        return STILL_MISSING
    if episode.interview == ReturnInterview.HELD and episode.interview_held_at is not None:
        return HELD_IN_TIME if episode.interview_within_72_hours else HELD_LATE
    if episode.interview == ReturnInterview.DECLINED:
        return DECLINED
    return DUE if now <= episode.interview_due_by else OVERDUE


def interview_label(state: str) -> str:
    return INTERVIEW_STATES[state][0]


def interview_tag(state: str) -> str:
    return INTERVIEW_STATES[state][1]


def repeat_window_start(reported: Iterable[tuple[int, dt.datetime]], at: dt.datetime) -> int | None:
    """The repeat rule (``REPEAT_EPISODES`` or more reported within ``REPEAT_WINDOW_DAYS``)
    for an episode reported at ``at``, given every episode of the case as (id, reported
    missing at), ``at``'s own included. A run counts when its first and last reports are at
    most 90 days apart (exactly 90 days is within, 90 days and a minute is not). Returns the
    id of the first episode of the earliest qualifying run that holds ``at`` (what the flag
    is keyed on, so a fourth episode in the same run flags nothing new), None when no run
    holds it."""
    times = sorted(reported, key=lambda row: (row[1], row[0]))
    for end_at in (when for _, when in times if at <= when <= at + WINDOW):
        run = [(pk, when) for pk, when in times if end_at - WINDOW <= when <= end_at]
        if len(run) >= REPEAT_EPISODES and run[0][1] <= at:
            return run[0][0]
    return None


@dataclass(frozen=True)
class CaseMissingSummary:
    """The case page's "Missing episodes" box."""

    count: int
    recent: int
    last_returned_at: dt.datetime | None
    returned: int
    held_in_time: int
    still_missing: int

    @property
    def repeat(self) -> bool:
        return self.recent >= REPEAT_EPISODES


def _in_time() -> Q:
    return Q(
        interview=ReturnInterview.HELD,
        interview_held_at__lte=F("returned_at") + INTERVIEW_TIME,
    )


def case_summary(episodes, now: dt.datetime | None = None) -> CaseMissingSummary:
    """One aggregate query over ``episodes`` (a case's episodes, already scoped): how many,
    how many reported in the last 90 days, the last return, how many returned and how many
    of those had their interview within 72 hours, and how many are still missing."""
    now = now or timezone.now()
    totals = episodes.order_by().aggregate(
        count=Count("id"),
        recent=Count("id", filter=Q(reported_missing_at__gte=now - WINDOW)),
        last_returned_at=Max("returned_at"),
        returned=Count("id", filter=Q(returned_at__isnull=False)),
        held_in_time=Count("id", filter=_in_time()),
        still_missing=Count("id", filter=Q(returned_at__isnull=True)),
    )
    return CaseMissingSummary(**totals)


def counts_by_case(episodes, now: dt.datetime | None = None) -> dict[int, tuple[int, int]]:
    """{case id: (episodes, of which reported in the last 90 days)} for the cases in
    ``episodes`` (already scoped and filtered to the cases wanted): one query."""
    now = now or timezone.now()
    rows = (
        episodes.order_by()
        .values("case_id")
        .annotate(
            total=Count("id"),
            recent=Count("id", filter=Q(reported_missing_at__gte=now - WINDOW)),
        )
    )
    return {row["case_id"]: (row["total"], row["recent"]) for row in rows}

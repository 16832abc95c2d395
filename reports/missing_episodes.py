"""The partnership report's missing episodes table (issue 13): one query over the areas
the reader may report on, for the period and the one before it.

Definitions: an episode counts in the period its report (``reported_missing_at``) falls
in, in Europe/London; a child counts once, across their cases. A child is "missing 3 or
more times in 90 days" when an episode of theirs reported in the period is the third (or
later) reported within 90 days (``intelligence.models.REPEAT_*``). Return interviews
count against the returns in the period: offered within 72 hours of the return (or held
within it, which means it was offered), and held within 72 hours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from intelligence.models import (
    REPEAT_EPISODES,
    REPEAT_WINDOW_DAYS,
    RETURN_INTERVIEW_HOURS,
    MissingEpisode,
    ReturnInterview,
)
from panel.models import Area
from reports.partnership import _both, _moment_in
from reports.tables import Period, Row, Table

WINDOW = dt.timedelta(days=REPEAT_WINDOW_DAYS)
INTERVIEW_TIME = dt.timedelta(hours=RETURN_INTERVIEW_HOURS)


def _within_72_hours(field: str) -> Q:
    return Q(**{f"{field}__isnull": False, f"{field}__lte": F("returned_at") + INTERVIEW_TIME})


def missing_episodes(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    """Episodes reported, children with an episode, children missing 3 or more times in 90
    days, returns, and return interviews offered and held within 72 hours: each for the
    period and the one before, in one query."""
    episodes = MissingEpisode.objects.filter(case__area__in=areas)
    # Episodes of the same child reported in the 90 days up to this one (this one too).
    in_window = (
        MissingEpisode.objects.filter(
            case__child_id=OuterRef("case__child_id"),
            reported_missing_at__lte=OuterRef("reported_missing_at"),
            reported_missing_at__gte=OuterRef("reported_missing_at") - WINDOW,
        )
        .order_by()
        .values("case__child_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    offered = _within_72_hours("interview_offered_at") | (
        Q(interview=ReturnInterview.HELD) & _within_72_hours("interview_held_at")
    )
    held = Q(interview=ReturnInterview.HELD) & _within_72_hours("interview_held_at")
    cells: dict[str, Count] = {}
    for key, when in (("now", period), ("then", previous)):
        reported = _moment_in("reported_missing_at", when)
        returned = _moment_in("returned_at", when)
        cells |= {
            f"episodes_{key}": Count("pk", filter=reported),
            f"children_{key}": Count("case__child_id", filter=reported, distinct=True),
            f"repeat_{key}": Count(
                "case__child_id", filter=reported & Q(window__gte=REPEAT_EPISODES), distinct=True
            ),
            f"returns_{key}": Count("pk", filter=returned),
            f"offered_{key}": Count("pk", filter=returned & offered),
            f"held_{key}": Count("pk", filter=returned & held),
        }
    totals = (
        episodes.filter(
            _both(_moment_in, "reported_missing_at", (period, previous))
            | _both(_moment_in, "returned_at", (period, previous))
        )
        .annotate(window=Coalesce(Subquery(in_window, output_field=IntegerField()), 0))
        .order_by()
        .aggregate(**cells)
    )
    labels = (
        ("episodes", "Missing episodes reported"),
        ("children", "Children with a missing episode"),
        (
            "repeat",
            f"Children missing {REPEAT_EPISODES} or more times in {REPEAT_WINDOW_DAYS} days",
        ),
        ("returns", "Returns (found or returned)"),
        ("offered", "Return interviews offered within 72 hours"),
        ("held", "Return interviews held within 72 hours"),
    )
    rows = tuple(Row(label, (totals[f"{key}_now"], totals[f"{key}_then"])) for key, label in labels)
    return Table(
        slug="missing-episodes",
        title="Missing episodes",
        description="Missing episodes reported in the period, the children they were about "
        f"(each once), children missing {REPEAT_EPISODES} or more times within "
        f"{REPEAT_WINDOW_DAYS} days, and the returns in the period with their return home "
        "interviews offered and held within 72 hours (statutory guidance).",
        row_header="Missing episodes",
        columns=(period.label, previous.label),
        rows=rows,
        summary=(
            f"{rows[0].cells[0]} missing episodes reported in {period.label}, about "
            f"{rows[1].cells[0]} children, against {rows[0].cells[1]} in {previous.label}. "
            f"Return interviews held within 72 hours: {rows[5].cells[0]} of "
            f"{rows[3].cells[0]} returns."
        ),
        # The rows overlap (children, episodes, returns): they add up to nothing.
        totals=False,
    )

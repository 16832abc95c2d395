"""The partnership report: every figure an aggregate worked out in the database over the
areas the reader may report on (reports/access.py), for a period and the one before it.

Each table is one query (GROUP BY in the database, both periods counted in the same pass
with filtered counts), so building the report runs the same number of queries whatever
the number of cases. Only aggregate rows (a handful of groups) come back to Python, except
for the percentiles on SQLite, which has no ``percentile_cont``: there the database works
out each duration and returns them as one ordered column, and the percentile is picked
from it here (``_pick``), with the same linear interpolation PostgreSQL uses.

Definitions (README "Partnership reports"): a referral counts in the period its
``referred_at`` falls in, in Europe/London; age is the child's age on the (London) day of
the referral; a first hearing is the first panel meeting, on or after the referral's day,
that recorded a decision for the referral's case; a re-referral is a case opened in the
period whose earlier case (``previous_case``) closed within the 12 months before it opened.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import (
    Coalesce,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    TruncDate,
    TruncMonth,
)
from django.utils import timezone

from cases.ages import AgeBand
from cases.models import (
    ETHNIC_GROUPS,
    Action,
    CaseClosureReason,
    Child,
    Ethnicity,
    Referral,
    ReferralLegalStatus,
    ReferralOutcomeRoute,
    ReferralStatus,
    Review,
    RiskAssessment,
    RiskLevel,
    YesNoUnknown,
)
from cases.models import (
    Case as PanelCase,
)
from intelligence.models import Disruption, DisruptionKind
from panel.dates import LONDON
from panel.models import Agency, Area
from reports.tables import Period, Report, Row, Table

NOT_ASSESSED = "Not assessed"


# --- Periods as SQL conditions --------------------------------------------------------


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """The period's first instant and the instant after its last day, in Europe/London."""
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=LONDON)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)
    return start, end


def _moment_in(field: str, period: Period) -> Q:
    """A date-time ``field`` falls in ``period`` (London days)."""
    start, end = _bounds(period)
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _day_in(field: str, period: Period) -> Q:
    """A date ``field`` falls in ``period``."""
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def _both(condition: Callable[[str, Period], Q], field: str, periods: Sequence[Period]) -> Q:
    """``field`` in any of ``periods``: one range when they meet end to start (a period and
    the one just before it always do), which an index reads as one range scan."""
    ordered = sorted(periods, key=lambda period: period.start)
    if all(one.end + dt.timedelta(days=1) == two.start for one, two in pairwise(ordered)):
        return condition(field, Period(ordered[0].start, ordered[-1].end, "both"))
    found = Q()
    for period in periods:
        found |= condition(field, period)
    return found


# --- Wording ----------------------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _change_summary(
    rows: Sequence[Row], what: str, period: Period, previous: Period, now: int = 0, then: int = 1
) -> str:
    """A sentence naming the row that changed most between two count columns."""
    total_now = sum(row.cells[now] for row in rows if isinstance(row.cells[now], int))
    total_then = sum(row.cells[then] for row in rows if isinstance(row.cells[then], int))
    opening = f"{total_now} {what} in {period.label}, against {total_then} in {previous.label}."
    changes = [
        (abs(row.cells[now] - row.cells[then]), index, row)
        for index, row in enumerate(rows)
        if isinstance(row.cells[now], int) and isinstance(row.cells[then], int)
    ]
    if not changes or max(changes, key=lambda change: (change[0], -change[1]))[0] == 0:
        return f"{opening} No category changed."
    _, _, row = max(changes, key=lambda change: (change[0], -change[1]))
    direction = "rose" if row.cells[now] > row.cells[then] else "fell"
    return (
        f"{opening} The biggest change: {row.label} {direction} from {row.cells[then]} "
        f"to {row.cells[now]}."
    )


def _counted(
    rows: Iterable[dict[str, Any]], key: str, fold: Callable[[Any], Any] = lambda key: key
) -> dict[Any, list[int]]:
    """Aggregate rows (``key``, ``now``, ``then``) summed by ``fold(key)``."""
    found: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        cell = found[fold(row[key])]
        cell[0] += row["now"]
        cell[1] += row["then"]
    return found


def _counts_by(
    queryset: QuerySet, key: str, condition: Callable[[str, Period], Q], field: str, periods
) -> list[dict[str, Any]]:
    """One GROUP BY ``key`` query counting rows of each period (``now``, ``then``)."""
    period, previous = periods
    return list(
        queryset.filter(_both(condition, field, periods))
        .order_by()
        .values(key)
        .annotate(
            now=Count("pk", filter=condition(field, period)),
            then=Count("pk", filter=condition(field, previous)),
        )
    )


def _two_column_table(
    slug: str,
    title: str,
    description: str,
    row_header: str,
    what: str,
    labels: Sequence[tuple[Any, str]],
    counts: dict[Any, list[int]],
    period: Period,
    previous: Period,
) -> Table:
    rows = tuple(Row(label, tuple(counts.get(key, (0, 0)))) for key, label in labels)
    return Table(
        slug=slug,
        title=title,
        description=description,
        row_header=row_header,
        columns=(period.label, previous.label),
        rows=rows,
        summary=_change_summary(rows, what, period, previous),
    )


# --- Referrals ---------------------------------------------------------------------------


def _referrals(areas: Sequence[Area]) -> QuerySet:
    return Referral.objects.filter(area__in=areas)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def referrals_by_month(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    """Referrals received in each month of the previous period and this one (London
    months; a custom period's first and last months count only its own days)."""
    counts = (
        _referrals(areas)
        .filter(_both(_moment_in, "referred_at", (previous, period)))
        .annotate(month=TruncMonth("referred_at", tzinfo=LONDON))
        .order_by()
        .values("month")
        .annotate(count=Count("pk"))
    )
    by_month: dict[dt.date, int] = {}
    for row in counts:
        month = row["month"]
        if isinstance(month, dt.datetime):
            month = month.astimezone(LONDON) if timezone.is_aware(month) else month
            month = month.date()
        by_month[month.replace(day=1)] = by_month.get(month.replace(day=1), 0) + row["count"]
    rows = []
    for month in _months(previous.start, period.end):
        label = f"{month:%B %Y}"
        if month < period.start.replace(day=1):
            label += f" ({previous.label})"
        rows.append(Row(label, (by_month.get(month, 0),)))
    now = sum(by_month.get(month, 0) for month in _months(period.start, period.end))
    then = sum(by_month.get(month, 0) for month in _months(previous.start, previous.end))
    busiest = max(
        (row for row in rows[-len(_months(period.start, period.end)) :]),
        key=lambda row: row.cells[0],
    )
    summary = f"{_plural(now, 'referral')} in {period.label}, against {then} in {previous.label}."
    if now:
        summary += f" The busiest month: {busiest.label}, with {busiest.cells[0]}."
    return Table(
        slug="referrals-by-month",
        title="Referrals by month",
        description=(
            f"Referrals received in each month of {previous.label} and {period.label}, by the "
            "date and time they were made (UK time)."
        ),
        row_header="Month",
        columns=("Referrals",),
        rows=tuple(rows),
        summary=summary,
        chart="columns",
    )


def referrals_by_agency_kind(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    counts = _counts_by(
        _referrals(areas), "referrer_agency__kind", _moment_in, "referred_at", (period, previous)
    )
    return _two_column_table(
        "referrals-by-agency-kind",
        "Referrals by referring agency",
        "Referrals received, by the kind of agency that made them.",
        "Referring agency",
        "referrals",
        Agency.Kind.choices,
        _counted(counts, "referrer_agency__kind"),
        period,
        previous,
    )


def _age_at_referral() -> tuple[Any, Any, Any]:
    """The child's age in whole years on the London day of the referral, in SQL (a 29
    February birthday counts from 1 March, as ``panel.dates.age_on`` does), with the two
    month-and-day numbers it compares (annotated first as ``referred_md`` and ``born_md``)."""
    referred_md = ExtractMonth("referred_at", tzinfo=LONDON) * 100 + ExtractDay(
        "referred_at", tzinfo=LONDON
    )
    born_md = ExtractMonth("child__date_of_birth") * 100 + ExtractDay("child__date_of_birth")
    return (
        ExpressionWrapper(
            ExtractYear("referred_at", tzinfo=LONDON)
            - ExtractYear("child__date_of_birth")
            - Case(When(Q(referred_md__lt=F("born_md")), then=Value(1)), default=Value(0)),
            output_field=IntegerField(),
        ),
        referred_md,
        born_md,
    )


def referrals_by_age_band(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    age, referred_md, born_md = _age_at_referral()
    queryset = (
        _referrals(areas)
        .annotate(referred_md=referred_md, born_md=born_md)
        .annotate(age=age)
        .annotate(
            band=Case(
                When(age__lt=13, then=Value(AgeBand.UNDER_13.value)),
                When(age__lt=16, then=Value(AgeBand.AGED_13_15.value)),
                When(age__lt=18, then=Value(AgeBand.AGED_16_17.value)),
                default=Value(AgeBand.YOUNG_ADULT.value),
            )
        )
    )
    counts = _counts_by(queryset, "band", _moment_in, "referred_at", (period, previous))
    return _two_column_table(
        "referrals-by-age",
        "Age at referral",
        "Referrals received, by the child's age on the day of the referral. 16- and "
        "17-year-olds are children; 18+ are young adults referred with a recorded reason.",
        "Age band",
        "referrals",
        AgeBand.choices,
        _counted(counts, "band"),
        period,
        previous,
    )


def referrals_by_gender(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    counts = _counts_by(
        _referrals(areas), "child__gender", _moment_in, "referred_at", (period, previous)
    )
    return _two_column_table(
        "referrals-by-gender",
        "Gender",
        "Referrals received, by the child's gender as recorded now.",
        "Gender",
        "referrals",
        Child.Gender.choices,
        _counted(counts, "child__gender"),
        period,
        previous,
    )


def _ethnic_row(code: str) -> str:
    for group, codes in ETHNIC_GROUPS.items():
        if code in codes:
            return group
    return code


def referrals_by_ethnicity(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    counts = _counts_by(
        _referrals(areas), "child__ethnicity_code", _moment_in, "referred_at", (period, previous)
    )
    labels = [(group, group) for group in ETHNIC_GROUPS] + [
        (Ethnicity.DECLINED.value, "Declined to say"),
        (Ethnicity.NOT_KNOWN.value, "Not known"),
    ]
    return _two_column_table(
        "referrals-by-ethnicity",
        "Ethnic group",
        "Referrals received, by the child's ethnic group (ONS 2021 census groups), as "
        "coded now. 'Declined to say' and 'Not known' are shown on their own.",
        "Ethnic group",
        "referrals",
        labels,
        _counted(counts, "child__ethnicity_code", _ethnic_row),
        period,
        previous,
    )


OUTCOMES: list[tuple[tuple[str, str], str]] = [
    ((ReferralStatus.ACCEPTED, ""), "Accepted to panel"),
    ((ReferralStatus.STEPPED_DOWN, ReferralOutcomeRoute.EHA), "Stepped down: Early Help"),
    ((ReferralStatus.STEPPED_DOWN, ReferralOutcomeRoute.LST), "Stepped down: Local Support Team"),
    ((ReferralStatus.REDIRECTED, ReferralOutcomeRoute.FRONT_DOOR), "Redirected: front door"),
    ((ReferralStatus.REDIRECTED, ReferralOutcomeRoute.S47), "Redirected: section 47"),
    ((ReferralStatus.NO_FURTHER_ACTION, ""), "No further action"),
    ((ReferralStatus.SUBMITTED, ""), "Still awaiting triage"),
]


def triage_outcomes(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    counts = list(
        _referrals(areas)
        .filter(_both(_moment_in, "referred_at", (period, previous)))
        .order_by()
        .values("status", "outcome_route")
        .annotate(
            now=Count("pk", filter=_moment_in("referred_at", period)),
            then=Count("pk", filter=_moment_in("referred_at", previous)),
        )
    )
    for row in counts:
        row["key"] = (row["status"], row["outcome_route"])
    return _two_column_table(
        "triage-outcomes",
        "Triage outcomes",
        "Referrals received in the period, by the triage decision made on them so far "
        "(those not yet triaged are 'still awaiting triage').",
        "Outcome",
        "referrals",
        OUTCOMES,
        _counted(counts, "key"),
        period,
        previous,
    )


# (field, value meaning "not known", row label)
MISSING: list[tuple[str, str, str]] = [
    ("child__gender", Child.Gender.NOT_KNOWN, "Child's gender not known"),
    ("child__ethnicity_code", Ethnicity.NOT_KNOWN, "Child's ethnic group not known"),
    ("legal_status", ReferralLegalStatus.NOT_KNOWN, "Legal status not known"),
    ("known_to_social_care", YesNoUnknown.UNKNOWN, "Whether known to social care not known"),
    ("child_aware", YesNoUnknown.UNKNOWN, "Whether the child is aware not known"),
    ("child_agrees", YesNoUnknown.UNKNOWN, "Whether the child agrees not known"),
    ("parents_aware", YesNoUnknown.UNKNOWN, "Whether parents or carers are aware not known"),
    ("parents_agree", YesNoUnknown.UNKNOWN, "Whether parents or carers agree not known"),
]


def missing_data(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    aggregates = {"all_now": Count("pk", filter=_moment_in("referred_at", period))}
    aggregates["all_then"] = Count("pk", filter=_moment_in("referred_at", previous))
    for index, (field, unknown, _) in enumerate(MISSING):
        aggregates[f"m{index}_now"] = Count(
            "pk", filter=_moment_in("referred_at", period) & Q(**{field: unknown})
        )
        aggregates[f"m{index}_then"] = Count(
            "pk", filter=_moment_in("referred_at", previous) & Q(**{field: unknown})
        )
    found = (
        _referrals(areas)
        .filter(_both(_moment_in, "referred_at", (period, previous)))
        .aggregate(**aggregates)
    )
    rows = [Row("Referrals received", (found["all_now"], found["all_then"]), charted=False)]
    rows += [
        Row(label, (found[f"m{index}_now"], found[f"m{index}_then"]))
        for index, (_, _, label) in enumerate(MISSING)
    ]
    gaps = rows[1:]
    summary = _change_summary(gaps, "gaps", period, previous).split(". ", 1)[-1]
    return Table(
        slug="missing-data",
        title="Missing data",
        description=(
            "Referrals received in the period with a field left as 'not known' (one referral "
            "may miss several, so the rows do not add up). The child's details are as "
            "recorded now."
        ),
        row_header="Field",
        columns=(period.label, previous.label),
        rows=tuple(rows),
        totals=False,
        summary=(
            f"Of {_plural(found['all_now'], 'referral')} in {period.label}, "
            f"{rows[2].cells[0]} had no ethnic group and {rows[1].cells[0]} no gender. " + summary
        ),
    )


# --- Durations and percentiles ------------------------------------------------------------


def _pick(ordered: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` percentile of already ordered values, as ``percentile_cont`` works
    it out: position ``fraction * (n - 1)``, interpolated between its neighbours."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _days(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400
    return float(value)


def _measures(inner: QuerySet, duration: dict[str, str]) -> dict[str, tuple[Any, Any, int]]:
    """(median, 90th percentile, n) in days for each period, from one query over ``inner``:
    a ``values()`` queryset of the rows measured in either period, with an ``in_now``
    column (1 for this period, 0 for the one before) and the columns ``duration`` (SQL per
    database vendor) reads. The inner query is a derived table, so whatever it works out
    per row (a first hearing) is worked out once.

    PostgreSQL: ``percentile_cont(p) WITHIN GROUP (ORDER BY days)``, one row back. SQLite
    (no percentile function): the durations as one column in order, picked here."""
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # no area to count (the export page's list of tables)
        return {"now": (None, None, 0), "then": (None, None, 0)}
    days = duration[connection.vendor if connection.vendor == "postgresql" else "sqlite"]
    # Constants and the ORM's own compiled SQL; every value is a bound parameter.
    rows = f"SELECT {days} AS days, inner_rows.in_now AS in_now FROM ({sql}) inner_rows"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            measures = ", ".join(
                f"percentile_cont(0.5) WITHIN GROUP (ORDER BY days) FILTER (WHERE in_now = {n}), "
                f"percentile_cont(0.9) WITHIN GROUP (ORDER BY days) FILTER (WHERE in_now = {n}), "
                f"count(*) FILTER (WHERE in_now = {n})"
                for n in (1, 0)
            )
            cursor.execute(f"SELECT {measures} FROM ({rows}) measured", params)  # noqa: S608
            found = cursor.fetchone()
            return {
                "now": (_days(found[0]), _days(found[1]), found[2]),
                "then": (_days(found[3]), _days(found[4]), found[5]),
            }
        cursor.execute(f"{rows} ORDER BY days", params)
        ordered: dict[str, list[float]] = {"now": [], "then": []}
        for value, in_now in cursor.fetchall():
            ordered["now" if in_now else "then"].append(float(value))
    return {
        key: (_pick(values, 0.5), _pick(values, 0.9), len(values))
        for key, values in ordered.items()
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _day_text(value: float | None) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} day" if text == "1" else f"{text} days"


def _measure_table(
    slug: str,
    title: str,
    description: str,
    measured: str,
    found: dict[str, tuple[float | None, float | None, int]],
    period: Period,
    previous: Period,
) -> Table:
    now, then = found["now"], found["then"]
    rows = (
        Row("Median (days)", (_rounded(now[0]), _rounded(then[0]))),
        Row("90th percentile (days)", (_rounded(now[1]), _rounded(then[1]))),
        Row(f"Number of {measured}", (now[2], then[2]), charted=False),
    )
    if now[2]:
        what = measured.split(" ", 1)[1]  # "referrals triaged" -> "triaged"
        summary = (
            f"In {period.label} the median was {_day_text(now[0])} and 9 in 10 took "
            f"{_day_text(now[1])} or less ({_plural(now[2], 'referral')} {what})"
        )
        if then[2]:
            summary += f", against a median of {_day_text(then[0])} in {previous.label}."
        else:
            summary += f"; there was nothing to measure in {previous.label}."
    else:
        summary = f"There was nothing to measure in {period.label}."
    return Table(
        slug=slug,
        title=title,
        description=description,
        row_header="Measure",
        columns=(period.label, previous.label),
        rows=rows,
        counts=False,
        unit="days",
        summary=summary,
    )


def time_to_triage(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    inner = (
        _referrals(areas)
        .filter(_both(_moment_in, "triaged_at", (period, previous)))
        .annotate(in_now=Case(When(_moment_in("triaged_at", period), then=1), default=0))
        .values("referred_at", "triaged_at", "in_now")
    )
    found = _measures(
        inner,
        {
            "postgresql": "EXTRACT(EPOCH FROM (inner_rows.triaged_at - inner_rows.referred_at))"
            " / 86400.0",
            "sqlite": "julianday(inner_rows.triaged_at) - julianday(inner_rows.referred_at)",
        },
    )
    return _measure_table(
        "time-to-triage",
        "Time from referral to triage",
        "Days (to a tenth of a day) from a referral being made to its triage decision, for "
        "referrals triaged in the period: the median and the 90th percentile.",
        "referrals triaged",
        found,
        period,
        previous,
    )


def time_to_hearing(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    # Each referral's first hearing: the earliest meeting date, on or after the referral's
    # day, among its case's decisions (a join and GROUP BY, not a lookup per referral).
    # A first hearing by the period's end needs a referral and a decision by then.
    _, end = _bounds(period)
    inner = (
        _referrals(areas)
        .filter(case__isnull=False, referred_at__lt=end)
        .annotate(referred_day=TruncDate("referred_at", tzinfo=LONDON))
        .filter(
            case__panel_decisions__meeting__date__gte=F("referred_day"),
            case__panel_decisions__meeting__date__lte=period.end,
        )
        .values("pk", "referred_day")
        .annotate(heard_on=Min("case__panel_decisions__meeting__date"))
        .filter(_both(_day_in, "heard_on", (period, previous)))
        .annotate(in_now=Case(When(_day_in("heard_on", period), then=1), default=0))
        .values("referred_day", "heard_on", "in_now")
    )
    found = _measures(
        inner,
        {
            "postgresql": "(inner_rows.heard_on - inner_rows.referred_day)::float",
            "sqlite": "julianday(inner_rows.heard_on) - julianday(inner_rows.referred_day)",
        },
    )
    return _measure_table(
        "time-to-hearing",
        "Time from referral to first panel hearing",
        "Whole days from the day of a referral to the first panel meeting, on or after it, "
        "that recorded a decision on the referral's case, for first hearings in the period: "
        "the median and the 90th percentile.",
        "referrals heard",
        found,
        period,
        previous,
    )


# --- Cases ----------------------------------------------------------------------------------

LEVELS: list[tuple[str | None, str]] = [
    (RiskLevel.HIGH.value, "High"),
    (RiskLevel.MEDIUM.value, "Medium"),
    (RiskLevel.LOW.value, "Low"),
    (None, NOT_ASSESSED),
]


def _closed_cases(areas: Sequence[Area], period: Period, previous: Period) -> list[dict]:
    """Cases closed in either period, grouped by level at entry, level at closure and
    reason: one query for the risk and the closure-reason tables."""
    # The first assessment: the earliest on the case's referrals (made before it opened),
    # else the earliest on the case itself; two index lookups (an OR of the two would read
    # every assessment), then its level.
    first_on_referral = (
        RiskAssessment.objects.filter(referral__case_id=OuterRef(OuterRef("pk")))
        .order_by("assessed_at", "pk")
        .values("pk")[:1]
    )
    first_on_case = (
        RiskAssessment.objects.filter(case_id=OuterRef(OuterRef("pk")))
        .order_by("assessed_at", "pk")
        .values("pk")[:1]
    )
    entry = RiskAssessment.objects.filter(
        pk=Coalesce(Subquery(first_on_referral), Subquery(first_on_case))
    ).values("final_level")[:1]
    return list(
        PanelCase.objects.filter(area__in=areas, status=PanelCase.Status.CLOSED)
        .filter(_both(_moment_in, "closed_at", (period, previous)))
        .annotate(entry_level=Subquery(entry))
        .order_by()
        .values("entry_level", "risk_level", "closure_reason")
        .annotate(
            now=Count("pk", filter=_moment_in("closed_at", period)),
            then=Count("pk", filter=_moment_in("closed_at", previous)),
        )
    )


def risk_at_entry_and_closure(groups: list[dict], period: Period, previous: Period) -> Table:
    entry = _counted(groups, "entry_level")
    closure = _counted(groups, "risk_level")
    rows = tuple(
        Row(
            label,
            (
                entry.get(level, [0, 0])[0],
                closure.get(level, [0, 0])[0],
                entry.get(level, [0, 0])[1],
                closure.get(level, [0, 0])[1],
            ),
        )
        for level, label in LEVELS
    )
    order = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}
    fell = sum(
        row["now"]
        for row in groups
        if row["entry_level"] in order and order[row["risk_level"]] < order[row["entry_level"]]
    )
    rose = sum(
        row["now"]
        for row in groups
        if row["entry_level"] in order and order[row["risk_level"]] > order[row["entry_level"]]
    )
    closed = sum(row["now"] for row in groups)
    unassessed = entry.get(None, [0, 0])[0]
    summary = (
        f"Of {_plural(closed, 'case')} closed in {period.label}, risk fell in {fell} and rose "
        f"in {rose} between entry and closure; {unassessed} had not been assessed at entry."
    )
    return Table(
        slug="risk-entry-closure",
        title="Risk level at entry and at closure",
        description=(
            "Cases closed in the period: the level of the first risk assessment on the case "
            "(or its referral) and the case's level when it closed. An assessment with no "
            "level is 'Not assessed', never low."
        ),
        row_header="Risk level",
        columns=(
            f"At entry, {period.label}",
            f"At closure, {period.label}",
            f"At entry, {previous.label}",
            f"At closure, {previous.label}",
        ),
        rows=rows,
        summary=summary,
        chart_columns=(0, 1),
    )


def closure_reasons(groups: list[dict], period: Period, previous: Period) -> Table:
    return _two_column_table(
        "closure-reasons",
        "Closure reasons",
        "Cases closed in the period, by the reason recorded when they closed.",
        "Reason",
        "cases closed",
        CaseClosureReason.choices,
        _counted(groups, "closure_reason"),
        period,
        previous,
    )


def _yyyymmdd(field: str, years_back: int = 0) -> Any:
    """A date-time as the London day's year*10000 + month*100 + day, in SQL: comparing two
    of these compares calendar days (12 months back is the same day a year earlier)."""
    return (
        (ExtractYear(field, tzinfo=LONDON) - years_back) * 10000
        + ExtractMonth(field, tzinfo=LONDON) * 100
        + ExtractDay(field, tzinfo=LONDON)
    )


def re_referrals(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    queryset = PanelCase.objects.filter(area__in=areas).annotate(
        previous_closed_day=_yyyymmdd("previous_case__closed_at"),
        year_before_opened=_yyyymmdd("opened_at", years_back=1),
    )
    queryset = queryset.annotate(
        kind=Case(
            When(previous_case__isnull=True, then=Value("first")),
            When(previous_closed_day__gte=F("year_before_opened"), then=Value("within")),
            default=Value("older"),
        )
    )
    counts = _counts_by(queryset, "kind", _moment_in, "opened_at", (period, previous))
    return _two_column_table(
        "re-referrals",
        "Re-referrals",
        "Cases opened in the period: the child's first case, a re-referral (their previous "
        "case closed within the 12 months before this one opened), or a case following one "
        "closed longer ago.",
        "New case",
        "cases opened",
        [
            ("first", "First case for the child"),
            ("within", "Re-referral: previous case closed within 12 months"),
            ("older", "Previous case closed more than 12 months before"),
        ],
        _counted(counts, "kind"),
        period,
        previous,
    )


# --- Actions and reviews -------------------------------------------------------------------

TIMELINESS = [("on_time", "On time"), ("late", "Late"), ("not_done", "Not done")]


def _action_groups(areas: Sequence[Area], period: Period, previous: Period) -> list[dict]:
    """Actions due in either period (cancelled ones aside), grouped by owning agency, 4 P
    and whether they were done by the due date (a London day), late, or not done."""
    queryset = (
        Action.objects.filter(case__area__in=areas)
        .exclude(status=Action.Status.CANCELLED)
        .filter(_both(_day_in, "due_date", (period, previous)))
        .annotate(done_on=TruncDate("completed_at", tzinfo=LONDON))
        .annotate(
            timeliness=Case(
                When(
                    Q(status=Action.Status.DONE, done_on__lte=F("due_date")),
                    then=Value("on_time"),
                ),
                When(status=Action.Status.DONE, then=Value("late")),
                default=Value("not_done"),
            )
        )
    )
    return list(
        queryset.order_by()
        .values("owning_agency__name", "four_p", "timeliness")
        .annotate(
            now=Count("pk", filter=_day_in("due_date", period)),
            then=Count("pk", filter=_day_in("due_date", previous)),
        )
    )


def _timeliness_table(
    slug: str,
    title: str,
    description: str,
    row_header: str,
    groups: list[dict],
    key: str,
    labels: Sequence[tuple[str, str]],
    period: Period,
    previous: Period,
) -> Table:
    cells: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for group in groups:
        cell = cells[group[key]][group["timeliness"]]
        cell[0] += group["now"]
        cell[1] += group["then"]
    rows = tuple(
        Row(
            label,
            tuple(cells[value][kind][0] for kind, _ in TIMELINESS)
            + tuple(cells[value][kind][1] for kind, _ in TIMELINESS),
        )
        for value, label in labels
    )
    due_now = sum(sum(row.cells[:3]) for row in rows)
    due_then = sum(sum(row.cells[3:]) for row in rows)
    on_now = sum(row.cells[0] for row in rows)
    on_then = sum(row.cells[3] for row in rows)

    def share(part: int, whole: int) -> str:
        return f"{round(100 * part / whole)}%" if whole else "none due"

    summary = (
        f"{on_now} of {_plural(due_now, 'action')} due in {period.label} were done on time "
        f"({share(on_now, due_now)}), against {on_then} of {due_then} in {previous.label} "
        f"({share(on_then, due_then)})."
    )
    return Table(
        slug=slug,
        title=title,
        description=description,
        row_header=row_header,
        columns=tuple(f"{label}, {period.label}" for _, label in TIMELINESS)
        + tuple(f"{label}, {previous.label}" for _, label in TIMELINESS),
        rows=rows,
        summary=summary,
        chart_columns=(0, 1, 2),
    )


def actions_by_agency(groups: list[dict], period: Period, previous: Period) -> Table:
    agencies = sorted({group["owning_agency__name"] for group in groups})
    return _timeliness_table(
        "actions-by-agency",
        "Actions completed on time, by agency",
        "Actions due in the period (cancelled ones aside), by the agency that owns them: "
        "done on or before the due date, done after it, or not done yet.",
        "Agency",
        groups,
        "owning_agency__name",
        [(name, name) for name in agencies],
        period,
        previous,
    )


def actions_by_four_p(groups: list[dict], period: Period, previous: Period) -> Table:
    return _timeliness_table(
        "actions-by-four-p",
        "Actions completed on time, by the 4 Ps",
        "Actions due in the period (cancelled ones aside), by the 4 Ps (prepare, prevent, "
        "protect, pursue) they were tagged with: done on or before the due date, done "
        "after it, or not done yet.",
        "4 Ps",
        groups,
        "four_p",
        [*Action.FourP.choices, ("", "Not tagged")],
        period,
        previous,
    )


def reviews_on_time(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    queryset = (
        Review.objects.filter(case__area__in=areas)
        .exclude(status=Review.Status.CANCELLED)
        .annotate(
            timeliness=Case(
                When(
                    Q(status=Review.Status.HELD, held_on__lte=F("due_date")),
                    then=Value("on_time"),
                ),
                When(status=Review.Status.HELD, then=Value("late")),
                default=Value("not_held"),
            )
        )
    )
    counts = _counts_by(queryset, "timeliness", _day_in, "due_date", (period, previous))
    return _two_column_table(
        "reviews-on-time",
        "Reviews held on time",
        "Reviews due in the period (cancelled ones aside): held on or before the due date, "
        "held after it, or not held yet.",
        "Review",
        "reviews due",
        [
            ("on_time", "Held on time"),
            ("late", "Held late"),
            ("not_held", "Not held yet"),
        ],
        _counted(counts, "timeliness"),
        period,
        previous,
    )


# --- By area ------------------------------------------------------------------------------


def by_area(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    """Each area's referrals (this period and the previous one) and cases opened and closed
    this period, with a total row: what an auditor reads first."""
    referrals = {
        row["area_id"]: row
        for row in _counts_by(
            _referrals(areas), "area_id", _moment_in, "referred_at", (period, previous)
        )
    }
    cases = {
        row["area_id"]: row
        for row in PanelCase.objects.filter(area__in=areas)
        .filter(_moment_in("opened_at", period) | _moment_in("closed_at", period))
        .order_by()
        .values("area_id")
        .annotate(
            opened=Count("pk", filter=_moment_in("opened_at", period)),
            closed=Count("pk", filter=_moment_in("closed_at", period)),
        )
    }
    rows = []
    for area in areas:
        referred = referrals.get(area.pk, {"now": 0, "then": 0})
        case = cases.get(area.pk, {"opened": 0, "closed": 0})
        rows.append(
            Row(area.name, (referred["now"], referred["then"], case["opened"], case["closed"]))
        )
    rows = tuple(rows)
    return Table(
        slug="by-area",
        title="By area",
        description="Referrals received (this period and the previous one) and cases opened "
        "and closed this period, in each area, with the total.",
        row_header="Area",
        columns=(
            f"Referrals, {period.label}",
            f"Referrals, {previous.label}",
            f"Cases opened, {period.label}",
            f"Cases closed, {period.label}",
        ),
        rows=rows,
        summary=_change_summary(rows, "referrals", period, previous),
        chart_columns=(0, 1),
    )


def disruption_by_kind(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    """Disruption recorded against persons of concern and at locations in the areas, by
    kind, counted by the day it happened. Numbers only: no person or place is named. The
    report's readers (the areas' coordinators, auditors) see all of those areas'
    intelligence, so the counts are whole; agency leads do not read reports."""
    counts = _counts_by(
        Disruption.objects.filter(area__in=areas), "kind", _day_in, "date", (period, previous)
    )
    return _two_column_table(
        "disruption-by-kind",
        "Disruption activity",
        "Disruption against persons of concern and at locations, by kind, by the date it happened.",
        "Kind of disruption",
        "disruption records",
        DisruptionKind.choices,
        _counted(counts, "kind"),
        period,
        previous,
    )


def _missing_episodes(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    from reports.missing_episodes import missing_episodes  # it imports this module's helpers

    return missing_episodes(areas, period, previous)


def build_report(
    areas: Sequence[Area], period: Period, previous: Period, *, by_area_table: bool | None = None
) -> Report:
    """The report over ``areas`` (from ``report_areas(user)``: never wider than the reader
    may see) for ``period`` compared with ``previous``. Reads aggregates only (no child is
    named); records nothing (the page that shows it does). ``by_area_table``: add the
    per-area table first (by default when there is more than one area)."""
    areas = list(areas)
    if by_area_table is None:
        by_area_table = len(areas) > 1
    closed = _closed_cases(areas, period, previous)
    actions = _action_groups(areas, period, previous)
    tables = (
        *((by_area(areas, period, previous),) if by_area_table else ()),
        referrals_by_month(areas, period, previous),
        referrals_by_agency_kind(areas, period, previous),
        referrals_by_age_band(areas, period, previous),
        referrals_by_gender(areas, period, previous),
        referrals_by_ethnicity(areas, period, previous),
        time_to_triage(areas, period, previous),
        time_to_hearing(areas, period, previous),
        triage_outcomes(areas, period, previous),
        risk_at_entry_and_closure(closed, period, previous),
        closure_reasons(closed, period, previous),
        re_referrals(areas, period, previous),
        actions_by_agency(actions, period, previous),
        actions_by_four_p(actions, period, previous),
        reviews_on_time(areas, period, previous),
        missing_data(areas, period, previous),
        disruption_by_kind(areas, period, previous),
        _missing_episodes(areas, period, previous),
    )
    return Report(
        title="Partnership report",
        areas=tuple(area.name for area in areas),
        period=period,
        previous=previous,
        tables=tables,
        generated_at=timezone.now(),
    )

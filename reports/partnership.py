"""The partnership report: every figure an aggregate worked out in the database over the
areas the reader may report on (reports/access.py), for a period and the one before it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Count, Q
from django.utils import timezone

from cases.models import Referral
from panel.dates import LONDON
from panel.models import Agency, Area
from reports.tables import Period, Report, Row, Table


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """The period's first instant and the instant after its last day, in Europe/London."""
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=LONDON)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)
    return start, end


def referrals_by_agency_kind(areas: Sequence[Area], period: Period, previous: Period) -> Table:
    now_start, now_end = _bounds(period)
    then_start, then_end = _bounds(previous)
    counts = (
        Referral.objects.filter(area__in=areas)
        .order_by()
        .values("referrer_agency__kind")
        .annotate(
            now=Count("pk", filter=Q(referred_at__gte=now_start, referred_at__lt=now_end)),
            then=Count("pk", filter=Q(referred_at__gte=then_start, referred_at__lt=then_end)),
        )
    )
    by_kind = {row["referrer_agency__kind"]: (row["now"], row["then"]) for row in counts}
    rows = [Row(label, by_kind.get(kind, (0, 0))) for kind, label in Agency.Kind.choices]
    return Table(
        slug="referrals-by-agency-kind",
        title="Referrals by referring agency",
        description="Referrals received, by the kind of agency that made them.",
        row_header="Referring agency",
        columns=(period.label, previous.label),
        rows=tuple(rows),
    )


def build_report(areas: Sequence[Area], period: Period, previous: Period) -> Report:
    """The report over ``areas`` (from ``report_areas(user)``: never wider than the reader
    may see) for ``period`` compared with ``previous``."""
    areas = list(areas)
    tables = (referrals_by_agency_kind(areas, period, previous),)
    return Report(
        title="Partnership report",
        areas=tuple(area.name for area in areas),
        period=period,
        previous=previous,
        tables=tables,
        generated_at=timezone.now(),
    )

"""The partnership report page: for coordinators (their areas) and auditors (every area,
by area with totals); anyone else is refused (403)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audit.models import AuditEvent
from audit.services import record
from panel.dates import london_today
from reports.access import require_report_reader
from reports.charts import chart_svg
from reports.forms import ReportPeriodForm, quarter_value
from reports.partnership import build_report
from reports.suppression import suppression_note


@login_required
def partnership(request: HttpRequest) -> HttpResponse:
    """The report for the period and area chosen (the current financial quarter and all
    the reader's areas by default), each figure beside the previous period's.

    Records one ``viewed`` event naming the report, its period and the areas counted: the
    page shows aggregates only (no child, no case), so it names no record of one."""
    areas = list(require_report_reader(request.user))
    form = ReportPeriodForm(request.GET or None, areas=areas, today=london_today())
    period, previous = form.periods()
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "reports/report.html",
            {"form": form, "report": None, "period": period},
        )
    chosen = form.chosen_areas()
    report = build_report(chosen, period, previous, by_area_table=len(chosen) > 1)
    record(
        actor=request.user,
        verb=AuditEvent.Verb.VIEWED,
        object_type="reports.partnership",
        changes={
            "period": f"{period.start.isoformat()}/{period.end.isoformat()}",
            "compared_with": f"{previous.start.isoformat()}/{previous.end.isoformat()}",
            # One string: the trail reads a two-item list as a change from one to the other.
            "areas": ", ".join(area.slug for area in chosen),
        },
    )
    sections = [{"table": table, "chart": chart_svg(table)} for table in report.tables]
    return render(
        request,
        "reports/report.html",
        {
            "form": form,
            "report": report,
            "sections": sections,
            "period": period,
            "previous": previous,
            "is_quarter": not form.custom,
            "quarter": quarter_value(period) if not form.custom else "",
            "query": form.query(),
            "suppression_note": suppression_note(),
            "chosen_areas": chosen,
            "areas_caption": (
                f"All {len(chosen)} areas"
                if len(chosen) > 1 and len(chosen) == len(areas)
                else ", ".join(area.name for area in chosen)
            ),
        },
    )

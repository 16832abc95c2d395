"""Web pages for the partnership report's exports (reports/export_jobs.py).

- ``export-new`` (GET): the period and areas chosen on the report page (the same GET
  parameters: ``quarter=2026-Q2`` or ``date_from``/``date_to``, and ``area``), with a button for the
  whole report as PDF or XLSX and a CSV link for each table. POST queues the export and
  goes to its page.
- ``export-csv``: one table as CSV, made inline (small) and recorded ``exported``.
- ``export-detail``: one export's progress (a GOV.UK-styled progress bar that htmx
  refreshes from ``export-status`` every 2 seconds as a background request; without
  JavaScript the "Check again" link shows the same) and, when ready, the download link.
- ``export-download``: the stored file, recorded ``exported``.
- ``export-list``: the reader's own exports.

Coordinators (their areas) and auditors (every area) only: anyone else 403. An export is
seen only by the person who asked for it: anyone else's id is 404, like one that does not
exist.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from panel.dates import london_today
from panel.models import Area
from reports import export_jobs
from reports.access import require_report_reader
from reports.exports import CONTENT_TYPES, export_report
from reports.forms import ReportPeriodForm
from reports.models import ExportFormat, ReportExport
from reports.periods import previous_period
from reports.suppression import suppression_note, threshold
from reports.tables import Period


class ReportChoiceForm(ReportPeriodForm):
    """The report page's own choice of period and area (``reports.forms``), read from the
    same GET parameters, so an export is of exactly the report that was on screen."""

    def period(self) -> Period:
        return self.periods()[0]


def _choice(request: HttpRequest, data) -> tuple[ReportChoiceForm, bool]:
    areas = require_report_reader(request.user)
    form = ReportChoiceForm(data, areas=areas, today=london_today())
    return form, form.is_valid()


def _bad_choice(request: HttpRequest, form: ReportChoiceForm) -> HttpResponse:
    return render(request, "reports/export_new.html", {"form": form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def export_new(request: HttpRequest) -> HttpResponse:
    form, valid = _choice(request, request.GET if request.method == "GET" else request.POST)
    if not valid:
        return _bad_choice(request, form)
    period, areas = form.period(), form.chosen_areas()
    if request.method == "POST":
        fmt = request.POST.get("format", "")
        if fmt not in export_jobs.JOB_FORMATS:
            form.add_error(None, "Choose PDF or a spreadsheet (XLSX).")
            return _bad_choice(request, form)
        export = export_jobs.request_export(request.user, fmt=fmt, areas=areas, period=period)
        return redirect("reports:export-detail", pk=export.pk)
    # The tables' names and slugs for the CSV links: the report's own list (read from a
    # report over no area, so nothing is counted to draw the page).
    tables = export_report([], period, previous_period(period), threshold()).tables
    return render(
        request,
        "reports/export_new.html",
        {
            "form": form,
            "period": period,
            "previous": previous_period(period),
            "areas": areas,
            "tables": tables,
            "query": form.query(),
            "params": form.params(),
            "note": suppression_note(),
            "expiry_days": settings.REPORT_EXPORT_EXPIRY_DAYS,
        },
    )


@login_required
@require_GET
def export_csv(request: HttpRequest, slug: str) -> HttpResponse:
    form, valid = _choice(request, request.GET)
    if not valid:
        return _bad_choice(request, form)
    period = form.period()
    try:
        text = export_jobs.export_table_csv(
            request.user, areas=form.chosen_areas(), period=period, slug=slug
        )
    except KeyError:
        raise Http404("No such table.") from None
    response = HttpResponse(text, content_type=CONTENT_TYPES["csv"])
    name = f"partnership-{slug}-{period.start:%Y-%m-%d}-to-{period.end:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _own_export(request: HttpRequest, pk: int) -> ReportExport:
    require_report_reader(request.user)
    return get_object_or_404(export_jobs.exports_of(request.user), pk=pk)


def _state(export: ReportExport) -> dict:
    stalled = export_jobs.is_stalled(export)
    again = {
        "date_from": export.period_start.isoformat(),
        "date_to": export.period_end.isoformat(),
    }
    if len(export.area_ids) == 1:
        again["area"] = str(export.area_ids[0])
    return {
        "export": export,
        "areas": list(Area.objects.filter(pk__in=export.area_ids).order_by("name")),
        "period": export_jobs.period_of(export.period_start, export.period_end),
        "status_url": reverse("reports:export-status", args=[export.pk]),
        "stalled": stalled,
        "waiting": export.in_progress and not stalled,
        "stalled_message": export_jobs.STALLED_MESSAGE,
        # "Make it again": the same period (and the one area, when it was one).
        "again": again,
    }


@login_required
@require_GET
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = _own_export(request, pk)
    return render(
        request,
        "reports/export_detail.html",
        {**_state(export), "expiry_days": settings.REPORT_EXPORT_EXPIRY_DAYS},
    )


@login_required
@require_GET
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    export = _own_export(request, pk)
    return render(request, "reports/export_status.html", _state(export))


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = _own_export(request, pk)
    try:
        data = export_jobs.download(export, request.user)
    except export_jobs.ExportNotReady:
        return redirect("reports:export-detail", pk=export.pk)
    response = HttpResponse(data, content_type=CONTENT_TYPES[export.format])
    response["Content-Disposition"] = f'attachment; filename="{export_jobs.download_name(export)}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    require_report_reader(request.user)
    exports = list(export_jobs.exports_of(request.user)[:50])
    return render(
        request,
        "reports/export_list.html",
        {
            "exports": exports,
            "formats": dict(ExportFormat.choices),
            "expiry_days": settings.REPORT_EXPORT_EXPIRY_DAYS,
        },
    )

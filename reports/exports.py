"""The partnership report as files that leave the panel: one table as CSV, the whole report
as a workbook (XLSX, a sheet per table and a cover sheet) or as a PDF (WeasyPrint).

Every function here takes a ``Report`` that has already been through
``reports.suppression.suppress_report`` (``export_report`` does both): nothing exact leaves
in an export. Cells go through the one shared formula-safe writer (panel/exports.py). The
report holds aggregates only (a ``Report`` carries area names, labels and numbers): no
child's name or date of birth can reach a file. The PDF is rendered like meeting packs
(meetings/documents/render.py: local files only, the machine's fonts).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from panel.dates import LONDON
from panel.exports import safe_csv_writer, safe_xlsx_workbook
from panel.models import Area
from reports.partnership import build_report
from reports.suppression import suppress_report
from reports.tables import Period, Report, Table

Progress = Callable[[int], None]


def _ignore(percent: int) -> None:
    return None


def export_report(
    areas: Sequence[Area],
    period: Period,
    previous: Period,
    below: int,
    progress: Progress = _ignore,
) -> Report:
    """The report over ``areas`` (from ``report_areas(user)``), suppressed with ``below``."""
    report = build_report(areas, period, previous)
    progress(50)
    return suppress_report(report, below)


def file_stem(report: Report) -> str:
    return f"partnership-report-{report.period.start:%Y-%m-%d}-to-{report.period.end:%Y-%m-%d}"


def _cell(value: object) -> object:
    """A cell as a file holds it: an empty cell for nothing to measure, [c] as text."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    return str(value)


def _table_rows(table: Table) -> Iterator[list]:
    yield [table.row_header, *table.columns]
    for row in table.rows:
        yield [row.label, *(_cell(cell) for cell in row.cells)]


def _span(period: Period) -> str:
    return f"{period.label} ({period.start:%-d %B %Y} to {period.end:%-d %B %Y})"


def _about(report: Report) -> list[list[str]]:
    generated = report.generated_at.astimezone(LONDON)
    return [
        ["Report", report.title],
        ["Period", _span(report.period)],
        ["Compared with", _span(report.previous)],
        ["Areas", ", ".join(report.areas) or "None"],
        ["Generated", f"{generated:%-d %B %Y %H:%M} (UK time)"],
        *(["Note", note] for note in report.notes),
    ]


# --- CSV: one table -----------------------------------------------------------------------


def table_csv(report: Report, slug: str) -> str:
    """One table of the (suppressed) report as CSV: its heading row and rows, then a blank
    row and what the figures are (report, period, areas, the suppression note)."""
    table = report.table(slug)
    out = io.StringIO()
    writer = safe_csv_writer(out)
    writer.writerows(_table_rows(table))
    writer.writerow([])
    writer.writerow(["Table", table.title])
    writer.writerows(_about(report))
    return out.getvalue()


# --- XLSX: the whole report ---------------------------------------------------------------


def report_xlsx(report: Report, progress: Progress = _ignore) -> bytes:
    """The (suppressed) report as a workbook: a cover sheet (period, areas, when it was
    made, the suppression note, the tables it holds), then a sheet per table."""
    book = safe_xlsx_workbook()
    cover = book.sheet("Cover")
    cover.set_column_widths([18, 100])
    cover.writerows(_about(report))
    cover.writerow([])
    cover.writerow(["Tables", ""])
    for table in report.tables:
        cover.writerow(["", table.title])
    for done, table in enumerate(report.tables, start=1):
        sheet = book.sheet(table.title)
        sheet.set_column_widths([40, *(18 for _ in table.columns)])
        sheet.writerow([table.title])
        sheet.writerow([table.description])
        sheet.writerow([])
        sheet.writerows(_table_rows(table))
        if table.summary:
            sheet.writerow([])
            sheet.writerow([table.summary])
        progress(50 + 40 * done // max(len(report.tables), 1))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- PDF: the whole report, as on the page ------------------------------------------------


def chart_for(table: Table) -> SafeString | str:
    """The table's chart (``reports.charts.chart_svg``) where that module is installed, so
    the PDF shows what the page shows; "" without it. Given the suppressed table: a chart
    in an export draws no hidden figure."""
    try:
        from reports.charts import chart_svg  # type: ignore[import-not-found]
    except ImportError:
        return ""
    return chart_svg(table)


def report_html(report: Report) -> str:
    sections = [{"table": table, "chart": chart_for(table)} for table in report.tables]
    return render_to_string(
        "reports/report_pdf.html",
        {
            "report": report,
            "sections": sections,
            "about": _about(report),
            "generated": report.generated_at.astimezone(LONDON),
        },
    )


def report_pdf(report: Report, progress: Progress = _ignore) -> bytes:
    """The (suppressed) report as a PDF: a cover with the period, areas and the note, then
    each table's chart (when there is one), table and summary."""
    from meetings.documents.render import html_to_pdf

    html = report_html(report)
    progress(60)
    pdf = html_to_pdf(html)
    progress(95)
    return pdf


RENDERERS: dict[str, Callable[[Report, Progress], bytes]] = {
    "xlsx": report_xlsx,
    "pdf": report_pdf,
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}

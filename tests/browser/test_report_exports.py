"""Partnership report exports, walked in Chromium: a coordinator chooses the quarter, asks
for the PDF, watches it being made (the progress bar htmx refreshes), sees the download
link once the real worker has made it, downloads it (suppressed, no child's name), then
does the same for the workbook and takes one table as CSV. Every page is checked by
tests.browser.pages.check_page_both_widths (axe at desktop width and at 375 px)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from playwright.sync_api import Page, expect

from panel.models import Agency
from reports.exports import export_report
from reports.models import ExportStatus, ReportExport
from reports.periods import financial_quarter, previous_period
from reports.tasks import make_report_export
from tests.browser.pages import check_page_both_widths, sign_in
from tests.factories import coordinator, staffordshire, with_authenticator
from tests.meetings.docs_helpers import pdf_text, squash
from tests.reports.test_exports import NAMES, referrals


def report_tables() -> list[str]:
    """The tables of a one-area report (no by-area table), as the export page lists them."""
    quarter = financial_quarter(dt.date(2026, 4, 1))
    return [table.slug for table in export_report([], quarter, previous_period(quarter), 5).tables]


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def make_and_download(page: Page, worker, tmp_path, label: str, suffix: str) -> bytes:
    page.goto("/reports/exports/new/?quarter=2026-Q1")
    page.get_by_label(re.compile(label)).check()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Make the export").click()
    expect(page.locator("h1")).to_contain_text("Export")
    status = page.locator("#export-status")
    expect(status).to_contain_text("Your export is being made")
    expect(status.locator("progress")).to_have_attribute("max", "100")
    check_page_both_widths(page)
    page.screenshot(path=tmp_path / f"progress-{suffix}.png", full_page=True)

    # The real worker makes it (the server queued it on the default queue, which this
    # run's worker does not read; the task claims its row, so that copy does nothing).
    export = ReportExport.objects.order_by("-pk").first()
    worker.run(make_report_export, export.pk)
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE

    # htmx asks for the status every 2 seconds: the link appears without a reload.
    link = page.get_by_role("link", name=re.compile("Download the partnership report"))
    expect(link).to_be_visible(timeout=10_000)
    check_page_both_widths(page)
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"partnership-report-2026-04-01-to-2026-06-30.{suffix}"
    saved = tmp_path / f"report.{suffix}"
    download.save_as(saved)
    return saved.read_bytes()


def test_a_coordinator_exports_the_report_as_pdf_xlsx_and_csv(page: Page, server, worker, tmp_path):
    area = staffordshire()
    referrals(area, Agency.Kind.POLICE, 7)
    referrals(area, Agency.Kind.HEALTH, 2)
    boss = coordinator(area, first_name="Cora", last_name="Coordinator-Test")
    with_authenticator(boss)
    sign_in(page, boss)

    page.goto("/reports/exports/new/?quarter=2026-Q1")
    expect(page.locator("h1")).to_have_text("Export the partnership report")
    expect(page.locator("main")).to_contain_text("Q1 2026/27")
    check_page_both_widths(page)
    page.screenshot(path=tmp_path / "new.png", full_page=True)

    pdf = make_and_download(page, worker, tmp_path, "PDF", "pdf")
    page.screenshot(path=tmp_path / "detail.png", full_page=True)
    text = pdf_text(pdf)
    assert squash("Referrals by referring agency") in text and "[c]" in text
    assert not any(name.lower() in text.lower() for name in NAMES)

    workbook = make_and_download(page, worker, tmp_path, "Spreadsheet", "xlsx")
    from openpyxl import load_workbook

    sheets = load_workbook(io.BytesIO(workbook)).sheetnames
    # A cover, then a sheet per table of the report, in its order.
    assert sheets[0] == "Cover" and "Referrals by referring agency" in sheets
    assert len(sheets) == 1 + len(report_tables())

    page.goto("/reports/exports/new/?quarter=2026-Q1")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Referrals by referring agency (CSV)").click()
    saved = tmp_path / "table.csv"
    download_info.value.save_as(saved)
    assert "Police,[c],0" in saved.read_text()

    page.goto("/reports/exports/")
    expect(page.locator("h1")).to_have_text("Your report exports")
    expect(page.locator("tbody tr")).to_have_count(2)
    check_page_both_widths(page)
    page.screenshot(path=tmp_path / "list.png", full_page=True)

    # An expired export's page says so and offers to make it again (the same period).
    first = ReportExport.objects.order_by("pk").first()
    ReportExport.objects.filter(pk=first.pk).update(status="expired", file_name="")
    page.goto(f"/reports/exports/{first.pk}/")
    expect(page.locator("#export-status")).to_contain_text("has expired")
    check_page_both_widths(page)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Make it again").click()
    expect(page.locator("#export-status")).to_contain_text("Your export is being made")
    assert ReportExport.objects.count() == 3
    page.screenshot(path=tmp_path / "again.png", full_page=True)

"""Partnership report exports: one table as CSV (inline), the whole report as XLSX or PDF
(made in Celery with progress), every figure suppressed, no child's name or date of birth
in any file, every export and download audited, downloads for the requester only, expiry.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Referral
from panel.dates import LONDON
from panel.exports import sheet_title
from panel.models import Agency
from reports import export_jobs, exports, tasks
from reports.forms import quarter_from_value as quarter_period
from reports.models import ExportStatus, ReportExport
from reports.partnership import build_report
from reports.periods import financial_quarter, previous_period
from tests.factories import (
    AgencyFactory,
    ChildFactory,
    auditor,
    coordinator,
    make_referral,
    referrer,
    staffordshire,
    stoke,
)
from tests.meetings.docs_helpers import (
    eager_fixture,  # noqa: F401 (the "eager" fixture)
    pdf_text,
    squash,
    storage_fixture,  # noqa: F401 (the "storage" fixture)
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage")]

QUARTER = financial_quarter(dt.date(2026, 5, 1))  # Q1 2026/27: April to June 2026
IN_QUARTER = dt.datetime(2026, 5, 12, 10, 0, tzinfo=LONDON)
# Distinctive fictional names and dates of birth: none may reach an export.
NAMES = ["Zebulon-Fictional", "Quillaby-Testchild", "Marrowvane-Example"]
BORN = dt.date(2011, 3, 17)


def referrals(area, kind: str, count: int, *, when=IN_QUARTER) -> list[Referral]:
    agency = AgencyFactory(name=f"Fictional {kind} agency {area.name}", kind=kind)
    by = referrer(agency=agency)
    made = []
    for n in range(count):
        child = ChildFactory(
            area=area,
            first_name=f"{NAMES[n % len(NAMES)]}{n:02d}",
            last_name="Oddname-Fictional",
            date_of_birth=BORN + dt.timedelta(days=n),
        )
        made.append(make_referral(by=by, child=child))
    Referral.objects.filter(pk__in=[r.pk for r in made]).update(referred_at=when)
    return made


@pytest.fixture
def seeded():
    """Staffordshire: 7 police referrals and 2 from health in Q1 2026/27 (so health's 2 is
    hidden, and police's 7 with it); Stoke: 30 from education, which a Staffordshire
    coordinator's report must not count."""
    area = staffordshire()
    referrals(area, Agency.Kind.POLICE, 7)
    referrals(area, Agency.Kind.HEALTH, 2)
    referrals(stoke(), Agency.Kind.EDUCATION, 6)
    return area


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def xlsx_sheets(data: bytes) -> dict[str, list[list]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return {
        sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()]
        for sheet in book.worksheets
    }


def made(user, fmt, django_capture_on_commit_callbacks, *, areas=None, period=QUARTER):
    from reports.access import report_areas

    with django_capture_on_commit_callbacks(execute=True):
        export = export_jobs.request_export(
            user, fmt=fmt, areas=areas or list(report_areas(user)), period=period
        )
    export.refresh_from_db()
    return export


def stored(export: ReportExport) -> bytes:
    with default_storage.open(export.file_name, "rb") as f:
        return f.read()


def events(verb: str) -> list[AuditEvent]:
    """The report exports' events of ``verb`` (not the seeding's)."""
    return list(
        AuditEvent.objects.filter(
            verb=verb, object_type__in=["reports.partnership", "reports.reportexport"]
        ).order_by("id")
    )


# --- the period parameter ----------------------------------------------------------------


def test_a_quarter_parameter_names_the_financial_quarter():
    assert quarter_period("2026-Q1") == financial_quarter(dt.date(2026, 4, 1))
    assert quarter_period("2026-Q2").start == dt.date(2026, 7, 1)
    assert quarter_period("2026-Q4").start == dt.date(2027, 1, 1)
    assert quarter_period("2026-Q4").end == dt.date(2027, 3, 31)


# --- CSV: one table, inline --------------------------------------------------------------


def test_one_table_as_csv_is_suppressed_scoped_and_recorded(client, seeded):
    user = coordinator(seeded)
    client.force_login(user)

    response = client.get(
        reverse("reports:export-csv", args=["referrals-by-agency-kind"]), {"quarter": "2026-Q1"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response.content.decode())
    assert rows[0] == ["Referring agency", "Q1 2026/27", "Q4 2025/26"]
    by_kind = {row[0]: row[1:] for row in rows[1:] if len(row) == 3}
    # Health's 2 is hidden, and police's 7 with it (the column's only other non-zero
    # cell); Stoke's education referrals are not counted at all.
    assert by_kind["Police"] == ["[c]", "0"]
    assert by_kind["Health"] == ["[c]", "0"]
    assert by_kind["Education"] == ["0", "0"]
    text = response.content.decode()
    assert "Staffordshire" in text and "Stoke" not in text
    assert "[c]" in text and "counts from 1 to 4" in text
    (event,) = events("exported")
    assert event.actor == user
    assert event.object_type == "reports.partnership"
    assert event.changes["format"] == "csv"
    assert event.changes["table"] == "referrals-by-agency-kind"
    assert event.changes["period"] == "2026-04-01 to 2026-06-30"
    assert event.changes["areas"] == "Staffordshire"
    assert event.changes["suppressed"] is True and event.changes["suppress_below"] == 5


def test_with_suppression_off_the_csv_shows_exact_figures(client, seeded, settings):
    settings.REPORT_SUPPRESS_BELOW = 0
    client.force_login(coordinator(seeded))
    response = client.get(
        reverse("reports:export-csv", args=["referrals-by-agency-kind"]), {"quarter": "2026-Q1"}
    )
    by_kind = {row[0]: row[1:] for row in csv_rows(response.content.decode()) if len(row) == 3}
    assert by_kind["Police"] == ["7", "0"] and by_kind["Health"] == ["2", "0"]
    assert events("exported")[0].changes["suppressed"] is False


def test_an_unknown_table_is_404_and_nothing_is_recorded(client, seeded):
    client.force_login(coordinator(seeded))
    response = client.get(reverse("reports:export-csv", args=["no-such-table"]))
    assert response.status_code == 404
    assert not events("exported")


def test_an_auditor_may_choose_one_area_and_a_coordinator_only_their_own(client, seeded):
    client.force_login(auditor())
    url = reverse("reports:export-csv", args=["referrals-by-agency-kind"])
    response = client.get(url, {"quarter": "2026-Q1", "area": stoke().pk})
    by_kind = {row[0]: row[1:] for row in csv_rows(response.content.decode()) if len(row) == 3}
    assert by_kind["Education"] == ["6", "0"] and by_kind["Police"] == ["0", "0"]

    client.force_login(coordinator(seeded))
    assert client.get(url, {"area": stoke().pk}).status_code == 400
    assert client.get(url, {"date_from": "2026-06-01", "date_to": "2026-05-01"}).status_code == 400


def test_a_formula_in_a_label_arrives_as_text(seeded, monkeypatch):
    from reports.tables import Row

    report = exports.export_report([seeded], QUARTER, financial_quarter(dt.date(2026, 1, 1)), 5)
    table = report.tables[0]
    evil = table.with_rows([Row('=HYPERLINK("http://example.invalid","x")', (12, 30))])
    report = type(report)(**{**report.__dict__, "tables": (evil,)})

    rows = csv_rows(exports.table_csv(report, table.slug))
    assert rows[1] == ['\'=HYPERLINK("http://example.invalid","x")', "12", "30"]
    sheet = xlsx_sheets(exports.report_xlsx(report))[table.title[:31]]
    assert ['\'=HYPERLINK("http://example.invalid","x")', 12, 30] in sheet


# --- XLSX and PDF, in Celery -------------------------------------------------------------


def test_the_workbook_has_a_cover_and_a_sheet_per_table_suppressed(
    seeded, eager, django_capture_on_commit_callbacks
):
    user = coordinator(seeded)
    export = made(user, "xlsx", django_capture_on_commit_callbacks)

    assert export.status == ExportStatus.DONE and export.progress == 100
    assert export.expires_at > timezone.now() + dt.timedelta(days=6)
    sheets = xlsx_sheets(stored(export))
    report = build_report([seeded], QUARTER, previous_period(QUARTER))
    assert list(sheets) == ["Cover", *(sheet_title(table.title) for table in report.tables)]
    cover = dict((row[0], row[1]) for row in sheets["Cover"] if row and row[0])
    assert cover["Period"].startswith("Q1 2026/27 (1 April 2026 to 30 June 2026)")
    assert cover["Areas"] == "Staffordshire"
    assert "UK time" in cover["Generated"]
    assert "[c]" in cover["Note"]
    table = sheets["Referrals by referring agency"]
    assert ["Referring agency", "Q1 2026/27", "Q4 2025/26"] in table
    assert ["Police", "[c]", 0] in table and ["Health", "[c]", 0] in table
    assert ["Education", 0, 0] in table  # numbers stay numbers


def test_the_pdf_holds_each_table_with_its_figures_suppressed(
    seeded, eager, django_capture_on_commit_callbacks
):
    export = made(coordinator(seeded), "pdf", django_capture_on_commit_callbacks)

    text = pdf_text(stored(export))
    assert stored(export).startswith(b"%PDF")
    assert squash("Partnership report: Q1 2026/27") in text
    assert squash("Referrals by referring agency") in text
    assert "[c]" in text
    assert squash("counts from 1 to 4") in text
    assert "Staffordshire" in text and "Stoke" not in text


def test_the_pdf_shows_the_chart_when_there_is_one(seeded, monkeypatch):
    import sys
    import types

    from django.utils.html import format_html

    charts = types.ModuleType("reports.charts")
    charts.chart_svg = lambda table: format_html(
        '<svg role="img" width="100" height="20"><title>Chart of {}</title>'
        '<text x="0" y="10">Fictional chart text</text></svg>',
        table.title,
    )
    monkeypatch.setitem(sys.modules, "reports.charts", charts)
    report = exports.export_report([seeded], QUARTER, financial_quarter(dt.date(2026, 1, 1)), 5)
    assert "Fictional chart text" in exports.report_html(report)


def test_no_childs_name_or_date_of_birth_reaches_any_export(
    client, seeded, eager, django_capture_on_commit_callbacks
):
    user = coordinator(seeded)
    client.force_login(user)
    csv_text = client.get(
        reverse("reports:export-csv", args=["referrals-by-agency-kind"]), {"quarter": "2026-Q1"}
    ).content.decode()
    workbook = xlsx_sheets(stored(made(user, "xlsx", django_capture_on_commit_callbacks)))
    xlsx_text = " ".join(str(cell) for rows in workbook.values() for row in rows for cell in row)
    pdf = pdf_text(stored(made(user, "pdf", django_capture_on_commit_callbacks)))

    forbidden = [*NAMES, "Oddname", BORN.isoformat(), f"{BORN:%d/%m/%Y}", "17 March 2011"]
    for text in (csv_text, xlsx_text, pdf):
        for secret in forbidden:
            assert secret.lower() not in text.lower()
            assert squash(secret).lower() not in squash(text).lower()


def test_every_export_is_recorded_when_it_is_asked_for_and_when_it_is_made(
    seeded, eager, django_capture_on_commit_callbacks
):
    user = coordinator(seeded)
    export = made(user, "pdf", django_capture_on_commit_callbacks)

    (created,) = events("created")
    (exported,) = events("exported")
    for event in (created, exported):
        assert event.actor == user
        assert event.object_type == "reports.reportexport"
        assert event.object_id == str(export.pk)
        assert event.changes["format"] == "pdf"
        assert event.changes["period"] == "2026-04-01 to 2026-06-30"
        assert event.changes["areas"] == "Staffordshire"
        assert event.changes["suppressed"] is True
    assert exported.changes["stage"] == "made"
    # The auditors' trail reads them.
    from audit.labels import readable

    text = " ".join(row.changes_text() for row in readable([created, exported]))
    assert "2026-04-01 to 2026-06-30" in text and "Staffordshire" in text


def test_a_redelivered_task_for_a_done_export_does_nothing(
    seeded, eager, django_capture_on_commit_callbacks, monkeypatch
):
    export = made(coordinator(seeded), "xlsx", django_capture_on_commit_callbacks)
    monkeypatch.setattr(exports, "report_xlsx", lambda *a: pytest.fail("made twice"))
    monkeypatch.setitem(exports.RENDERERS, "xlsx", lambda *a: pytest.fail("made twice"))

    assert tasks.make_report_export.apply(args=[export.pk]).get()["result"] == "skipped"
    assert len(events("exported")) == 1


def test_a_failure_marks_the_export_failed_and_leaves_nothing_behind(
    seeded, eager, django_capture_on_commit_callbacks, monkeypatch, storage
):
    def broken(report, progress):
        progress(70)
        raise ValueError("Fictional rendering bug")

    monkeypatch.setitem(exports.RENDERERS, "pdf", broken)
    with pytest.raises(ValueError):
        made(coordinator(seeded), "pdf", django_capture_on_commit_callbacks)

    export = ReportExport.objects.get()
    assert export.status == ExportStatus.FAILED
    assert export.file_name == "" and export.progress == 0
    assert "ValueError" in export.error and "Fictional" not in export.error
    assert not events("exported")
    assert not list(storage.rglob("*.pdf")) if storage.exists() else True


def test_a_transient_failure_after_saving_removes_the_file_requeues_then_fails(
    seeded, monkeypatch, storage
):
    user = coordinator(seeded)
    export = export_jobs.request_export(user, fmt="xlsx", areas=[seeded], period=QUARTER)
    attempts = []

    def record_fails(**kwargs):
        attempts.append(1)
        assert len(list(storage.rglob("*.xlsx"))) == 1  # saved, then removed
        raise OSError("Fictional storage outage")

    monkeypatch.setattr(export_jobs, "record", record_fails)
    result = tasks.make_report_export.apply(args=[export.pk])

    export.refresh_from_db()
    assert result.state == "FAILURE"
    assert len(attempts) == tasks.MAX_RETRIES + 1
    assert export.status == ExportStatus.FAILED and export.file_name == ""
    assert not list(storage.rglob("*.xlsx"))


def test_expired_exports_lose_their_files_in_the_beat_scan(
    seeded, eager, django_capture_on_commit_callbacks, settings
):
    assert settings.CELERY_BEAT_SCHEDULE["expire-report-exports"]["task"] == (
        "reports.tasks.expire_exports"
    )
    old = made(coordinator(seeded), "xlsx", django_capture_on_commit_callbacks)
    fresh = made(coordinator(seeded), "xlsx", django_capture_on_commit_callbacks)
    name = old.file_name
    ReportExport.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.expire_exports.apply().get() == {"expired": 1}

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == ExportStatus.EXPIRED and old.file_name == ""
    assert not default_storage.exists(name)
    assert fresh.status == ExportStatus.DONE and default_storage.exists(fresh.file_name)


# --- the pages ---------------------------------------------------------------------------


def test_the_export_page_offers_pdf_xlsx_and_a_csv_per_table_for_the_chosen_period(client, seeded):
    client.force_login(coordinator(seeded))
    page = client.get(reverse("reports:export-new"), {"quarter": "2026-Q1"}).content.decode()
    assert "Q1 2026/27" in page and "Staffordshire" in page
    assert 'value="pdf"' in page and 'value="xlsx"' in page
    assert (
        reverse("reports:export-csv", args=["referrals-by-agency-kind"]) + "?quarter=2026-Q1"
    ) in page
    assert '<input type="hidden" name="quarter" value="2026-Q1">' in page


def test_asking_queues_the_export_and_its_page_shows_progress_then_the_download(
    client, seeded, django_capture_on_commit_callbacks
):
    user = coordinator(seeded)
    client.force_login(user)
    response = client.post(reverse("reports:export-new"), {"quarter": "2026-Q1", "format": "pdf"})
    export = ReportExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:export-detail", args=[export.pk])
    assert export.status == ExportStatus.QUEUED
    assert (export.period_start, export.area_ids) == (dt.date(2026, 4, 1), [seeded.pk])

    page = client.get(response["Location"]).content.decode()
    assert "being made: 0% done" in page
    assert """hx-headers='{"X-Background": "1"}'""" in page
    assert 'hx-trigger="every 2s"' in page
    assert "Check again" in page  # without JavaScript

    export_jobs.make_now(export.pk)
    status = client.get(reverse("reports:export-status", args=[export.pk])).content.decode()
    assert "hx-get" not in status  # done: no more polling
    download = reverse("reports:export-download", args=[export.pk])
    assert download in status

    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert events("exported")[-1].changes["stage"] == "downloaded"


def test_a_bad_format_is_refused(client, seeded):
    client.force_login(coordinator(seeded))
    response = client.post(reverse("reports:export-new"), {"format": "docx"})
    assert response.status_code == 400
    assert "Choose PDF or a spreadsheet (XLSX)." in response.content.decode()
    assert not ReportExport.objects.exists()


def test_exports_are_the_requesters_alone_and_others_get_404(
    client, seeded, eager, django_capture_on_commit_callbacks
):
    owner = coordinator(seeded)
    export = made(owner, "xlsx", django_capture_on_commit_callbacks)
    routes = ("reports:export-detail", "reports:export-status", "reports:export-download")

    for other in (coordinator(seeded), auditor()):
        client.force_login(other)
        for route in routes:
            assert client.get(reverse(route, args=[export.pk])).status_code == 404
        listing = client.get(reverse("reports:export-list")).content.decode()
        assert reverse("reports:export-detail", args=[export.pk]) not in listing
    client.force_login(referrer())
    for route in routes:
        assert client.get(reverse(route, args=[export.pk])).status_code == 403
    assert client.get(reverse("reports:export-new")).status_code == 403
    assert not events("exported")[1:]  # only the making; no download by anyone else


def test_an_expired_exports_page_says_so_and_its_download_goes_back_to_it(
    client, seeded, eager, django_capture_on_commit_callbacks
):
    user = coordinator(seeded)
    export = made(user, "xlsx", django_capture_on_commit_callbacks)
    ReportExport.objects.filter(pk=export.pk).update(status="expired", file_name="")
    client.force_login(user)

    assert (
        "has expired"
        in client.get(reverse("reports:export-detail", args=[export.pk])).content.decode()
    )
    response = client.get(reverse("reports:export-download", args=[export.pk]))
    assert response.status_code == 302


def test_a_download_past_its_expiry_or_without_its_file_is_refused(
    client, seeded, eager, django_capture_on_commit_callbacks
):
    user = coordinator(seeded)
    client.force_login(user)
    late = made(user, "xlsx", django_capture_on_commit_callbacks)
    ReportExport.objects.filter(pk=late.pk).update(expires_at=timezone.now())
    gone = made(user, "xlsx", django_capture_on_commit_callbacks)
    default_storage.delete(gone.file_name)

    for export in (late, gone):
        response = client.get(reverse("reports:export-download", args=[export.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("reports:export-detail", args=[export.pk])
    assert [e.changes["stage"] for e in events("exported")] == ["made", "made"]


def test_a_stalled_export_stops_polling_and_the_scan_marks_it_failed(client, seeded):
    user = coordinator(seeded)
    export = export_jobs.request_export(user, fmt="pdf", areas=[seeded], period=QUARTER)
    ReportExport.objects.filter(pk=export.pk).update(
        status="running", started_at=timezone.now() - dt.timedelta(minutes=11)
    )
    client.force_login(user)

    page = client.get(reverse("reports:export-detail", args=[export.pk])).content.decode()
    assert export_jobs.STALLED_MESSAGE in page and "hx-get" not in page
    assert tasks.expire_exports.apply().get() == {"expired": 0}
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and export.error == export_jobs.STALLED_MESSAGE


def test_make_it_again_asks_for_the_same_period_areas_and_format(
    client, seeded, eager, django_capture_on_commit_callbacks
):
    user = coordinator(seeded)
    export = made(user, "xlsx", django_capture_on_commit_callbacks)
    ReportExport.objects.filter(pk=export.pk).update(status="expired", file_name="")
    client.force_login(user)
    page = client.get(reverse("reports:export-detail", args=[export.pk])).content.decode()
    assert "Make it again" in page
    assert '<input type="hidden" name="date_from" value="2026-04-01">' in page
    assert '<input type="hidden" name="format" value="xlsx">' in page

    response = client.post(
        reverse("reports:export-new"),
        {"date_from": "2026-04-01", "date_to": "2026-06-30", "area": seeded.pk, "format": "xlsx"},
    )
    again = ReportExport.objects.latest("pk")
    assert response["Location"] == reverse("reports:export-detail", args=[again.pk])
    assert (again.period_start, again.period_end, again.area_ids, again.format) == (
        export.period_start,
        export.period_end,
        export.area_ids,
        "xlsx",
    )
    # A quarter given by its days is still that quarter, compared with the one before.
    assert export_jobs.period_of(again.period_start, again.period_end).label == "Q1 2026/27"


def test_the_export_list_reads_in_constant_queries(client, seeded, django_assert_num_queries):
    user = coordinator(seeded)
    client.force_login(user)
    url = reverse("reports:export-list")
    export_jobs.request_export(user, fmt="pdf", areas=[seeded], period=QUARTER)
    client.get(url)  # warm the session

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(20):
        export_jobs.request_export(user, fmt="xlsx", areas=[seeded], period=QUARTER)
    with django_assert_num_queries(len(one)):
        page = client.get(url).content.decode()
    assert page.count("Spreadsheet (XLSX)") == 20

"""The shared CSV and XLSX writer: a cell a spreadsheet would read as a formula is written
as text, in both; numbers stay numbers."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from panel.exports import formula_safe, safe_csv_writer, safe_xlsx_workbook, sheet_title


@pytest.mark.parametrize(
    "dangerous", ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", "-2", "=HYPERLINK(x)"]
)
def test_a_cell_starting_a_formula_is_prefixed_with_a_quote(dangerous):
    assert formula_safe(dangerous) == "'" + dangerous


@pytest.mark.parametrize(
    "value", ["", "PCS-2026-0001", "Alpha Testchild-01", "a=b", "1-2", "2026-11-30", "{}"]
)
def test_ordinary_text_is_unchanged(value):
    assert formula_safe(value) == value


def test_real_numbers_and_other_values_are_left_to_csv():
    # A number is written by the export itself, never from someone's input: -3 stays -3.
    for value in (-3, 4, -2.5, Decimal("-1.5"), None, True):
        assert formula_safe(value) is value
    at = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    assert formula_safe(at) is at


def test_the_writer_writes_safe_rows():
    out = io.StringIO()
    writer = safe_csv_writer(out)
    writer.writerow(["id", "=cmd|' /C calc'!A0", -1, "plain"])
    writer.writerows([["@x", None]])

    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["id", "'=cmd|' /C calc'!A0", "-1", "plain"], ["'@x", ""]]


def test_every_csv_in_the_project_is_written_by_the_shared_writer():
    """csv.writer / csv.DictWriter are used in one place only: panel/exports.py."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    users = [
        str(path.relative_to(root))
        for folder in ("audit", "cases", "notifications", "panel", "meetings", "reports")
        for path in (root / folder).rglob("*.py")
        if "csv.writer" in path.read_text() or "csv.DictWriter" in path.read_text()
    ]
    assert users == ["panel/exports.py"]


def test_every_workbook_in_the_project_is_written_by_the_shared_writer():
    """openpyxl's Workbook is made in one place only: panel/exports.py."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    users = [
        str(path.relative_to(root))
        for folder in ("audit", "cases", "notifications", "panel", "meetings", "reports")
        for path in (root / folder).rglob("*.py")
        if "Workbook(" in path.read_text()
    ]
    assert users == ["panel/exports.py"]


def read_xlsx(data: bytes) -> dict[str, list[list]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return {
        sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()]
        for sheet in book.worksheets
    }


def xlsx_bytes(rows, title="Sheet one") -> bytes:
    book = safe_xlsx_workbook()
    book.sheet(title).writerows(rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "dangerous", ['=HYPERLINK("http://example.invalid","x")', "+cmd", "-1+1", "@SUM(A1)", "\t=1"]
)
def test_a_formula_label_arrives_as_text_in_both_csv_and_xlsx(dangerous):
    out = io.StringIO()
    safe_csv_writer(out).writerow([dangerous, 3])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["'" + dangerous, "3"]]

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx_bytes([[dangerous, 3]])))
    label, number = next(book.active.iter_rows())
    assert label.data_type == "s" and label.value == "'" + dangerous
    assert number.data_type == "n" and number.value == 3


def test_numbers_stay_numbers_in_xlsx_and_other_values_are_text():
    from reports.tables import SUPPRESSED

    at = dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC)
    rows = read_xlsx(
        xlsx_bytes([[-3, 2.5, Decimal("1.5"), None, True, "-3", SUPPRESSED, at, "a\x00b"]])
    )
    assert rows == {
        "Sheet one": [
            [-3, 2.5, 1.5, None, True, "'-3", "[c]", dt.datetime(2026, 7, 1, 10, 30), "ab"]
        ]
    }


def test_sheet_titles_fit_excels_rules():
    assert (
        sheet_title("Referrals by age: under 13 / 13-15 [fictional]")
        == ("Referrals by age  under 13   13-")[:31].strip()
    )
    assert len(sheet_title("x" * 40)) == 31
    assert sheet_title("Cover", ["cover"]) == "Cover (2)"
    assert sheet_title("", []) == "Sheet"

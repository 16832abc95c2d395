"""The shared CSV writer: a cell a spreadsheet would read as a formula is written as text."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from panel.exports import formula_safe, safe_csv_writer


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
        for folder in ("audit", "cases", "notifications", "panel")
        for path in (root / folder).rglob("*.py")
        if "csv.writer" in path.read_text() or "csv.DictWriter" in path.read_text()
    ]
    assert users == ["panel/exports.py"]

"""The one CSV and XLSX writer every export uses, so that no cell opens as a formula.

A spreadsheet reads a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula, and
one starting with a tab or a carriage return may be read the same once trimmed; in an
export those characters can come from anyone's input (a search term, a proxy's
X-Request-ID header, a note). Following OWASP's CSV injection guidance, such a cell is
written with a single quote in front, so it opens as the text it is. The quote is visible
in the file: it tells the reader the cell was neutralised.

Only text is changed. A real number (int, float, Decimal) is written by the export itself,
never taken from input, and a negative one opens as the number it is, so ``-3`` stays
``-3``; the same digits held as text (``"-3"``) get the quote, since text is where input
hides. Dates, ``None`` and booleans cannot start with those characters and are left to
csv as before.

The XLSX writer (``safe_xlsx_workbook``, openpyxl's write-only workbook, so a large sheet
is streamed to disk rather than held as cell objects) passes every cell through the same
``formula_safe`` and then stores text as text (an inline string, never a formula) and
numbers as numbers, so a sum in the spreadsheet still works. Characters XML cannot hold
(control characters other than tab and newline) are dropped from text.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, value: str, /) -> Any: ...


def formula_safe(value: Any) -> Any:
    """``value`` as a spreadsheet will take it as text: a string starting a formula gets a
    leading single quote; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, bool | int | float | Decimal) or value is None:
        return value
    text = str(value)
    # Anything else csv would str() itself: check what it would write.
    return "'" + text if text.startswith(FORMULA_STARTS) else value


class SafeCSVWriter:
    """csv.writer's writerow / writerows, every cell passed through ``formula_safe``."""

    def __init__(self, out: _Writable, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([formula_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_csv_writer(out: _Writable, **options: Any) -> SafeCSVWriter:
    """The writer every CSV export uses (``options`` as for ``csv.writer``)."""
    return SafeCSVWriter(out, **options)


# Characters an XLSX (XML) cell cannot hold: openpyxl refuses them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _xlsx_value(value: Any) -> Any:
    """What openpyxl stores for ``value``: formula-safe text, or the number or date."""
    value = formula_safe(value)
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        # A spreadsheet has no time zones: the wall-clock time in Europe/London.
        from panel.dates import LONDON

        return value.astimezone(LONDON).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return value
    return _ILLEGAL_XML.sub("", str(value))


def sheet_title(text: str, used: Iterable[str] = ()) -> str:
    """A worksheet name from ``text``: at most 31 characters, none of ``[]:*?/\\``, and
    not one of ``used`` (a number is added)."""
    base = _SHEET_TITLE_FORBIDDEN.sub(" ", text).strip()[:31] or "Sheet"
    taken = {name.lower() for name in used}
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    return title


class SafeSheet:
    """One worksheet of a ``SafeXLSXWriter``: ``writerow`` / ``writerows`` like csv's."""

    def __init__(self, worksheet: Any) -> None:
        self._sheet = worksheet

    def writerow(self, row: Iterable[Any]) -> None:
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for raw in row:
            value = _xlsx_value(raw)
            cell = WriteOnlyCell(self._sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, whatever it looks like: never a formula
            cells.append(cell)
        self._sheet.append(cells)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)

    def set_column_widths(self, widths: Iterable[float]) -> None:
        """Column widths (in characters); call before the first row."""
        from openpyxl.utils import get_column_letter

        for index, width in enumerate(widths, start=1):
            self._sheet.column_dimensions[get_column_letter(index)].width = width


class SafeXLSXWriter:
    """A write-only workbook whose every cell goes through ``formula_safe``."""

    def __init__(self) -> None:
        from openpyxl import Workbook

        self.workbook = Workbook(write_only=True)
        self._titles: list[str] = []

    def sheet(self, title: str) -> SafeSheet:
        """A new worksheet, named from ``title`` (see ``sheet_title``)."""
        name = sheet_title(title, self._titles)
        self._titles.append(name)
        return SafeSheet(self.workbook.create_sheet(title=name))

    def save(self, out: Any) -> None:
        """Write the workbook to ``out`` (a path or a binary file); once only."""
        self.workbook.save(out)


def safe_xlsx_workbook() -> SafeXLSXWriter:
    """The writer every XLSX export uses."""
    return SafeXLSXWriter()

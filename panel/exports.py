"""The one CSV writer every export uses, so that no cell opens as a formula.

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
"""

from __future__ import annotations

import csv
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

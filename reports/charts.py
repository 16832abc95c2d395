"""Charts of report tables, drawn on the server as SVG: no JavaScript, no library, no inline
``style`` (the content security policy forbids it). Shapes and text are placed with
presentation attributes (``x``, ``y``, ``fill``...), and ``static/css/reports.css`` sizes the
chart to its container, so the same markup is right on a 375 px phone, on a desktop and in
the PDF.

Each chart is an ``<svg role="img">`` labelled by its ``<title>`` and ``<desc>`` (what is
counted and the figures themselves), so a screen reader gets the chart as one image with a
full description; the table beside it holds the same figures.

A cell with no value (``None``: nothing to measure) or hidden by suppression
(``SUPPRESSED``) gets no bar, only its marker ("no data" / "[c]"); a 0 gets a bar of no
length, labelled 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe

from reports.tables import SUPPRESSED, Cell, Row, Table

# Series colours, each at least 4.5:1 against white (GOV.UK colours): this period, the
# period before, then any further series. Text is GOV.UK black.
COLOURS = ("#1d70b8", "#505a5f", "#4c2c92", "#00703c")
TEXT = "#0b0c0c"
AXIS = "#b1b4b6"
FONT = "arial, sans-serif"

# viewBox units. The chart is scaled to its container's width: about 345 px on a 375 px
# phone and 465 px beside its table on a desktop, so text of 15 units is read at about 14
# and 19 px (GOV.UK's body sizes are 16 and 19).
WIDTH = 360
FONT_SIZE = 15
BAR = 16
BAR_GAP = 3
ROW_GAP = 14
LABEL_SPACE = 80  # room right of the longest bar for its value ("30.8 days")


def _attrs(**attributes: object) -> str:
    return " ".join(
        f"{name.rstrip('_').replace('_', '-')}={quoteattr(str(value))}"
        for name, value in attributes.items()
    )


def _text(x: float, y: float, content: str, **attributes: object) -> str:
    return (
        f"<text {_attrs(x=_n(x), y=_n(y), fill=TEXT, font_family=FONT, **attributes)}>"
        f"{escape(content)}</text>"
    )


def _n(number: float) -> str:
    """A coordinate, short: 12 rather than 12.0, two decimals at most."""
    return f"{number:.2f}".rstrip("0").rstrip(".")


def _value(cell: Cell, unit: str = "") -> str:
    if cell is SUPPRESSED:
        return str(SUPPRESSED)
    if cell is None:
        return "no data"
    text = f"{cell:.1f}".removesuffix(".0") if isinstance(cell, float) else str(cell)
    if not unit:
        return text
    return f"{text} {unit.removesuffix('s') if cell == 1 else unit}"


def _measurable(cell: Cell) -> bool:
    return isinstance(cell, (int, float)) and not isinstance(cell, bool)


def _ids(table: Table) -> tuple[str, str]:
    return f"chart-{table.slug}-title", f"chart-{table.slug}-desc"


def _description(table: Table, rows: Sequence[Row], columns: Sequence[int]) -> str:
    figures = "; ".join(
        f"{row.label}: "
        + ", ".join(
            f"{table.columns[index]} {_value(row.cells[index], table.unit)}" for index in columns
        )
        for row in rows
    )
    return f"{table.description} {figures}.".strip()


def _open(table: Table, height: float, rows: Sequence[Row], columns: Sequence[int]) -> list[str]:
    title_id, desc_id = _ids(table)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" '
        f"{_attrs(aria_labelledby=f'{title_id} {desc_id}', viewBox=f'0 0 {WIDTH} {_n(height)}')} "
        f'width="100%" preserveAspectRatio="xMinYMin meet" focusable="false">',
        f"<title id={quoteattr(title_id)}>{escape(table.title)}</title>",
        f"<desc id={quoteattr(desc_id)}>{escape(_description(table, rows, columns))}</desc>",
    ]


def _legend(table: Table, columns: Sequence[int], y: float) -> tuple[list[str], float]:
    """One key line per series (coloured square and the column's heading)."""
    parts = []
    for position, index in enumerate(columns):
        parts.append(
            f"<rect {_attrs(x=0, y=_n(y), width=14, height=14, fill=COLOURS[position % 4])} "
            f'class="app-chart__key app-chart__series-{position % 4}"/>'
        )
        parts.append(_text(20, y + 12, table.columns[index], font_size=FONT_SIZE))
        y += 20
    return parts, y + 6


def _bars(table: Table, rows: Sequence[Row], columns: Sequence[int]) -> SafeString:
    """Horizontal bars, grouped by row: a row's label, then one bar per column."""
    values = [row.cells[index] for row in rows for index in columns]
    largest = max((value for value in values if _measurable(value)), default=0) or 1
    scale = (WIDTH - LABEL_SPACE) / largest
    body: list[str] = []
    y = 0.0
    if len(columns) > 1:
        key, y = _legend(table, columns, y)
        body += key
    for row in rows:
        body.append(_text(0, y + FONT_SIZE, row.label, font_size=FONT_SIZE, font_weight="bold"))
        y += FONT_SIZE + 6
        for position, index in enumerate(columns):
            cell = row.cells[index]
            colour = COLOURS[position % 4]
            if _measurable(cell):
                length = max(float(cell), 0.0) * scale
                body.append(
                    f"<rect {_attrs(x=0, y=_n(y), width=_n(length), height=BAR, fill=colour)} "
                    f'class="app-chart__bar app-chart__series-{position % 4}"/>'
                )
                label_x = length + 6
            else:
                label_x = 4
            body.append(
                _text(
                    label_x,
                    y + BAR - 4,
                    _value(cell, table.unit),
                    font_size=FONT_SIZE - 1,
                    class_="app-chart__value",
                )
            )
            y += BAR + BAR_GAP
        y += ROW_GAP
    body.append(f"<line {_attrs(x1=0, y1=0, x2=0, y2=_n(y - ROW_GAP), stroke=AXIS)}/>")
    return _close(table, y, rows, columns, body)


def _short(label: str) -> tuple[str, str]:
    """A month row's label on two short lines ("April 2026 (Q1 ...)" as "Apr", "2026")."""
    words = label.split()
    if len(words) >= 2 and words[1].isdigit():
        return words[0][:3], words[1]
    return label[:8], ""


def _columns(table: Table, rows: Sequence[Row], columns: Sequence[int]) -> SafeString:
    """Vertical bars, one per row (a run of months), of the first charted column."""
    index = columns[0]
    plot_top, plot_height = 22.0, 180.0
    step = WIDTH / len(rows)
    width = max(step * 0.7, 2.0)
    values = [row.cells[index] for row in rows]
    largest = max((value for value in values if _measurable(value)), default=0) or 1
    labelled_every = max(1, -(-len(rows) // 8))  # at most 8 labels under the axis
    base = plot_top + plot_height
    body: list[str] = []
    for position, row in enumerate(rows):
        cell = row.cells[index]
        x = position * step + (step - width) / 2
        middle = x + width / 2
        if _measurable(cell):
            height = max(float(cell), 0.0) / largest * plot_height
            body.append(
                f"<rect {_attrs(x=_n(x), y=_n(base - height), width=_n(width), height=_n(height))} "
                f'{_attrs(fill=COLOURS[0])} class="app-chart__bar app-chart__series-0"/>'
            )
            top = base - height
        else:
            top = base
        if len(rows) <= 12 or position % labelled_every == 0:
            body.append(
                _text(
                    middle,
                    top - 5,
                    _value(cell, table.unit),
                    font_size=FONT_SIZE - 1,
                    text_anchor="middle",
                    class_="app-chart__value",
                )
            )
        if position % labelled_every == 0:
            first, second = _short(row.label)
            body.append(
                _text(middle, base + 18, first, font_size=FONT_SIZE - 1, text_anchor="middle")
            )
            if second:
                body.append(
                    _text(middle, base + 34, second, font_size=FONT_SIZE - 2, text_anchor="middle")
                )
    body.append(f"<line {_attrs(x1=0, y1=_n(base), x2=WIDTH, y2=_n(base), stroke=AXIS)}/>")
    return _close(table, base + 40, rows, (index,), body)


def _close(
    table: Table, height: float, rows: Sequence[Row], columns: Sequence[int], body: list[str]
) -> SafeString:
    return mark_safe("".join([*_open(table, height, rows, columns), *body, "</svg>"]))  # noqa: S308


def chart_svg(table: Table) -> SafeString:
    """The table's chart as an SVG string (empty when the table has no chart, or nothing
    to draw). Any caller may use it: it reads only the table (aggregates, no child)."""
    rows = [row for row in table.rows if row.charted]
    columns = [index for index in table.charted_columns if index < len(table.columns)]
    if not table.chart or not rows or not columns:
        return mark_safe("")
    if table.chart == "columns":
        return _columns(table, rows, columns)
    return _bars(table, rows, columns)

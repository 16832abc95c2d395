"""The SVG chart builder: valid XML, labelled for screen readers, one bar per drawable
cell, nothing drawn for a hidden (suppressed) or missing value, a zero-length bar for 0."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from reports.charts import chart_svg
from reports.tables import SUPPRESSED, Row, Table

SVG = "{http://www.w3.org/2000/svg}"


def table(rows, *, columns=("Q2 2026/27", "Q1 2026/27"), **fields) -> Table:
    return Table(
        slug=fields.pop("slug", "by-kind"),
        title=fields.pop("title", "Referrals by referring agency"),
        description="Referrals received, by the kind of agency that made them.",
        row_header="Agency",
        columns=columns,
        rows=tuple(Row(label, cells) for label, cells in rows),
        **fields,
    )


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output, under test)


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if "app-chart__bar" in rect.get("class", "")]


def texts(root: ET.Element) -> list[str]:
    return [text.text for text in root.iter(f"{SVG}text")]


def test_grouped_bars_are_valid_labelled_svg():
    svg = chart_svg(table([("Police", (5, 3)), ("Education & <schools>", (2, 0))]))
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-by-kind-title chart-by-kind-desc"
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 360 ")
    assert "style" not in svg  # the content security policy forbids inline styles
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title.get("id") == "chart-by-kind-title"
    assert title.text == "Referrals by referring agency"
    assert desc.get("id") == "chart-by-kind-desc"
    assert desc.text.startswith("Referrals received, by the kind of agency that made them.")
    assert "Police: Q2 2026/27 5, Q1 2026/27 3" in desc.text
    assert "Education & <schools>" in desc.text  # escaped in the markup, intact when parsed
    assert len(bars(root)) == 4
    # Both series in the key.
    assert "Q2 2026/27" in texts(root) and "Q1 2026/27" in texts(root)


def test_a_zero_is_a_bar_of_no_length_and_the_largest_fills_the_width():
    root = parse(chart_svg(table([("Police", (4, 0)), ("Health", (2, 1))])))
    widths = [float(rect.get("width")) for rect in bars(root)]
    assert widths[1] == 0
    assert widths[0] == max(widths) > 0
    assert widths[2] == pytest.approx(widths[0] / 2)
    assert "0" in texts(root)


def test_suppressed_and_missing_cells_get_no_bar_only_a_marker():
    root = parse(chart_svg(table([("Police", (SUPPRESSED, 7)), ("Health", (None, 0))])))
    assert len(bars(root)) == 2  # the 7 and the 0
    assert "[c]" in texts(root)
    assert "no data" in texts(root)
    assert "[c]" in root.find(f"{SVG}desc").text


def test_all_suppressed_or_zero_still_draws():
    root = parse(chart_svg(table([("Police", (SUPPRESSED, SUPPRESSED)), ("Health", (0, 0))])))
    assert [float(rect.get("width")) for rect in bars(root)] == [0, 0]


def test_only_charted_rows_and_columns_are_drawn():
    measures = Table(
        slug="time-to-triage",
        title="Time from referral to triage",
        description="Days.",
        row_header="Measure",
        columns=("Q2", "Q1", "Area A Q2"),
        rows=(
            Row("Median (days)", (2.5, 1.0, 3.0)),
            Row("90th percentile (days)", (7.0, None, 1.0)),
            Row("Number measured", (6, 1, 2), charted=False),
        ),
        counts=False,
        unit="days",
        chart_columns=(0, 1),
    )
    root = parse(chart_svg(measures))
    assert len(bars(root)) == 3
    assert "2.5 days" in texts(root) and "1 day" in texts(root)
    assert "Number measured" not in texts(root)
    assert "Area A Q2" not in texts(root)


def test_vertical_columns_one_per_month():
    months = table(
        [("April 2026 (Q1 2026/27)", (3,)), ("May 2026 (Q1 2026/27)", (0,)), ("June 2026", (6,))],
        columns=("Referrals",),
        chart="columns",
        slug="referrals-by-month",
    )
    root = parse(chart_svg(months))
    drawn = bars(root)
    assert len(drawn) == 3
    heights = [float(rect.get("height")) for rect in drawn]
    assert heights[1] == 0 and heights[2] == max(heights) > heights[0] > 0
    assert {"Apr", "May", "Jun", "2026"} <= set(texts(root))
    assert root.find(f"{SVG}title").text == "Referrals by referring agency"


def test_columns_with_suppressed_and_many_months():
    rows = [(f"Month{index} 2026", (index % 5,)) for index in range(48)]
    rows[3] = ("Month3 2026", (SUPPRESSED,))
    root = parse(chart_svg(table(rows, columns=("Referrals",), chart="columns")))
    assert len(bars(root)) == 47


def test_no_chart_when_asked_for_none_or_nothing_to_draw():
    assert chart_svg(table([("Police", (1, 2))], chart="")) == ""
    assert chart_svg(table([])) == ""

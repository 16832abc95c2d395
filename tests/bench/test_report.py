"""The runner's arithmetic and table (bench/report.py)."""

import pytest

from bench.report import Measurement, Row, fmt_errors, percentile, table


def test_percentile_interpolates_between_closest_ranks():
    values = [10, 20, 30, 40]

    assert percentile(values, 0) == 10
    assert percentile(values, 50) == 25
    assert percentile(values, 100) == 40
    assert percentile(values, 95) == pytest.approx(38.5)


def test_percentile_ignores_input_order_and_handles_one_or_no_value():
    assert percentile([3, 1, 2], 50) == 2
    assert percentile([7], 99) == 7
    assert percentile([], 50) is None


def test_percentile_refuses_a_percent_out_of_range():
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1], 101)


def test_measurement_counts_every_non_2xx_and_its_throughput():
    m = Measurement(clients=1, planned=4)
    for status in (200, 204, 302, 404):
        m.add(0.1, status, f"/x/{status}")
    m.wall = 2.0

    assert m.done == 4
    assert m.errors == {"302": 1, "404": 1}
    assert m.error_count == 2
    assert m.throughput == 2.0
    assert m.ms(50) == pytest.approx(100)


def _row(p95_seconds, rate20, label="case list", role="coordinator"):
    one = Measurement(clients=1, planned=2, times=[p95_seconds, p95_seconds], wall=1.0)
    many = Measurement(clients=20, planned=10, times=[0.1] * 10, wall=10 / rate20)
    return Row(label, role, one=one, many=many)


def test_misses_name_each_target_missed():
    slow = _row(0.2, 5.0)

    assert slow.misses(admin_throughput=10.0, raw_ratio=4.0) == [
        "p95 > 150 ms",
        "req/s < admin",
        "4.0x raw SQL",
    ]
    assert _row(0.1, 20.0).misses(admin_throughput=10.0, raw_ratio=2.0) == []


def test_table_has_one_line_per_row_with_the_misses_in_bold_and_the_errors():
    slow = _row(0.2, 5.0)
    slow.many.add(0.1, 500)
    empty = Row("meeting page", "referrer", note="no such record for this user")

    text = table([slow, empty], admin_throughput=10.0, raw_ratios={("case list", "coordinator"): 4})
    lines = text.splitlines()

    assert lines[0].startswith("| page | role | p50 ms | p95 ms | p99 ms | req/s |")
    assert len(lines) == 4
    assert lines[2].startswith("| case list | coordinator | 200 | 200 | 200 | 2.0 |")
    assert "**p95 > 150 ms**, **req/s < admin**, **4.0x raw SQL**" in lines[2]
    assert "1x500" in lines[2]
    assert "no such record for this user" in lines[3]


def test_a_row_cut_by_the_time_box_says_so():
    row = _row(0.1, 20.0)
    row.one.cut = True
    row.one.planned = 30

    assert "(cut 2/30)" in table([row])
    assert fmt_errors(row) == "0"


def test_timeouts_are_reported_but_are_not_errors():
    row = _row(0.1, 20.0)
    row.many.timeouts = 3

    assert row.error_count == 0
    assert row.timeouts == 3
    assert "3x timeout" in fmt_errors(row)

"""The load runner's arithmetic and its markdown: percentiles, one measurement's summary,
the targets each row is checked against, and the results table. No Django, no I/O, so
tests/bench/test_report.py checks it directly."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Issue 11's targets, on the same run and machine.
P95_TARGET_MS = 150.0  # every list and detail page, one client
RAW_SQL_RATIO_TARGET = 3.0  # app <= 3x raw SQL for the same rows, one client


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0-100) by linear interpolation between closest ranks (numpy's
    default, "linear"); None for no values."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be between 0 and 100, not {p}")
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Measurement:
    """One page, one role, one concurrency: every request's time in seconds, the statuses
    that were not 2xx, the wall time, and whether the time box cut it short."""

    clients: int
    times: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    error_urls: list[str] = field(default_factory=list)
    timeouts: int = 0
    wall: float = 0.0
    planned: int = 0
    cut: bool = False

    def add(self, seconds: float, status: int, url: str = "") -> None:
        self.times.append(seconds)
        if not 200 <= status < 300:
            key = str(status)
            self.errors[key] = self.errors.get(key, 0) + 1
            if url and url not in self.error_urls:
                self.error_urls.append(url)

    @property
    def done(self) -> int:
        return len(self.times)

    @property
    def error_count(self) -> int:
        """Responses that were not 2xx and connections that failed. Timeouts are timings
        (a page slower than the client waits) and are reported apart."""
        return sum(self.errors.values())

    def ms(self, p: float) -> float | None:
        value = percentile(self.times, p)
        return None if value is None else value * 1000

    @property
    def throughput(self) -> float | None:
        if not self.times or self.wall <= 0:
            return None
        return self.done / self.wall


@dataclass
class Row:
    label: str
    role: str
    url: str = ""
    one: Measurement | None = None
    many: Measurement | None = None
    note: str = ""

    @property
    def error_count(self) -> int:
        return sum(m.error_count for m in (self.one, self.many) if m is not None)

    @property
    def timeouts(self) -> int:
        return sum(m.timeouts for m in (self.one, self.many) if m is not None)

    def misses(self, admin_throughput: float | None, raw_ratio: float | None = None) -> list[str]:
        """The targets this row misses: p95 at one client, throughput at 20 clients below
        the admin changelist's, and (for rows that have one) the app/raw-SQL ratio."""
        missed = []
        if self.one is not None and (p95 := self.one.ms(95)) is not None and p95 > P95_TARGET_MS:
            missed.append(f"p95 > {P95_TARGET_MS:.0f} ms")
        if (
            self.many is not None
            and admin_throughput
            and (rate := self.many.throughput) is not None
            and rate < admin_throughput
        ):
            missed.append("req/s < admin")
        if raw_ratio is not None and raw_ratio > RAW_SQL_RATIO_TARGET:
            missed.append(f"{raw_ratio:.1f}x raw SQL")
        return missed


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def fmt_rate(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def fmt_errors(row: Row) -> str:
    parts = []
    for measurement in (row.one, row.many):
        if measurement is None:
            continue
        for status, count in sorted(measurement.errors.items()):
            parts.append(f"{count}x{status}")
        if measurement.timeouts:
            parts.append(f"{measurement.timeouts}x timeout")
    return ", ".join(parts) or "0"


def _cut(measurement: Measurement | None) -> str:
    if measurement is None or not measurement.cut:
        return ""
    return f" (cut {measurement.done}/{measurement.planned})"


HEADER = (
    "| page | role | p50 ms | p95 ms | p99 ms | req/s "
    "| p95 ms @20 | req/s @20 | errors | misses |\n"
    "|---|---|--:|--:|--:|--:|--:|--:|--:|---|"
)


def table(
    rows: Iterable[Row],
    admin_throughput: float | None = None,
    raw_ratios: dict[tuple[str, str], float] | None = None,
) -> str:
    """The results as a markdown table: one client's p50/p95/p99 and req/s, 20 clients'
    p95 and req/s, the non-2xx responses, and the targets missed (in bold)."""
    raw_ratios = raw_ratios or {}
    lines = [HEADER]
    for row in rows:
        if row.note and row.one is None and row.many is None:
            lines.append(f"| {row.label} | {row.role} | {row.note} |  |  |  |  |  |  |  |")
            continue
        one, many = row.one, row.many
        misses = row.misses(admin_throughput, raw_ratios.get((row.label, row.role)))
        cells = [
            row.label,
            row.role,
            fmt_ms(one.ms(50) if one else None),
            fmt_ms(one.ms(95) if one else None) + _cut(one),
            fmt_ms(one.ms(99) if one else None),
            fmt_rate(one.throughput if one else None),
            fmt_ms(many.ms(95) if many else None)
            + _cut(many)
            + (f" ({row.note})" if row.note else ""),
            fmt_rate(many.throughput if many else None),
            fmt_errors(row),
            ", ".join(f"**{m}**" for m in misses),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)

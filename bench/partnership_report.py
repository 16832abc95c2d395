"""How long the partnership report takes to build over a bench database, and how many
queries it runs.

Builds the report (reports.partnership.build_report: the tables only, no page) ``--runs``
times for the financial quarter holding today (or ``--quarter 2026-Q2``) over every area,
as an auditor reads it (or ``--area SLUG``, as that area's coordinator does), and prints the
median, fastest and slowest wall times and the query count of one build. Read-only: it
writes nothing to the database it measures. Not a test: no timing is asserted anywhere; the
numbers go in the README's Performance table.

    DATABASE_URL=postgres://.../sp_bench .venv/bin/python bench/partnership_report.py --runs 5
    .venv/bin/python bench/partnership_report.py --database postgres://.../sp_bench --area stoke
    .venv/bin/python bench/partnership_report.py --scratch 200   # a scratch SQLite database

``--scratch N`` migrates a scratch SQLite database, fills it with N cases' worth of
fictional rows in Q1 and Q2 2026/27 (the report tests' world) and measures Q2 2026/27 there:
a quick check that the script works, not a figure to record.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup(database: str | None) -> None:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    if database:
        os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panel.settings")
    import django

    django.setup()


def measure(areas, period, previous, runs: int) -> dict:
    """Build the report ``runs`` times (after one untimed warm-up build); the wall times
    in seconds and the queries of one build."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.partnership import build_report

    areas = list(areas)
    with CaptureQueriesContext(connection) as captured:
        report = build_report(areas, period, previous)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        build_report(areas, period, previous)
        times.append(time.perf_counter() - started)
    referrals = report.table("referrals-by-agency-kind").totals_row or (0, 0)
    return {
        "period": period.label,
        "areas": len(areas),
        "runs": runs,
        "median_s": statistics.median(times),
        "fastest_s": min(times),
        "slowest_s": max(times),
        "queries": len(captured.captured_queries),
        "referrals_in_period": referrals[0],
        "referrals_in_previous": referrals[1],
    }


def scratch(cases: int) -> None:
    """Migrate a scratch SQLite database and fill it (the report tests' world)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tests.reports.test_partnership import populate
    from tests.reports.world import World

    populate(World(), cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a database URL (default: DATABASE_URL)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quarter", help="e.g. 2026-Q2 (default: the quarter holding today)")
    parser.add_argument("--area", help="one area's slug, as its coordinator reads it")
    parser.add_argument("--scratch", type=int, metavar="CASES", help="a scratch SQLite database")
    args = parser.parse_args()

    database = args.database
    if args.scratch:
        folder = tempfile.mkdtemp(prefix="bench-partnership-")
        database = f"sqlite:///{folder}/bench.sqlite3"
    setup(database)
    if args.scratch:
        scratch(args.scratch)
        args.quarter = args.quarter or "2026-Q2"

    from panel.dates import london_today
    from panel.models import Area
    from reports.forms import quarter_from_value
    from reports.periods import financial_quarter, previous_period

    period = quarter_from_value(args.quarter) if args.quarter else financial_quarter(london_today())
    areas = Area.objects.order_by("name")
    if args.area:
        areas = areas.filter(slug=args.area)
    result = measure(areas, period, previous_period(period), args.runs)
    width = max(len(key) for key in result)
    for key, value in result.items():
        shown = f"{value * 1000:.1f} ms" if key.endswith("_s") else value
        print(f"{key.ljust(width)}  {shown}")


if __name__ == "__main__":
    main()

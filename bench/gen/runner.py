"""Running the steps in order, each in one transaction with its row in ``bench_progress``:
a step either committed with its row or not at all, so a killed run starts again at the
first step without one. Works on any PostgreSQL alias holding the project's migrations
(the audit trail is sealed through the default alias: pass ``default``)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from collections.abc import Callable

from django.db import connections, transaction

from bench.gen.copy import Rows
from bench.gen.plan import Plan
from bench.gen.trail import Trail, seal_all, seal_batch

log = logging.getLogger("bench.generate")

PROGRESS = """
CREATE TABLE IF NOT EXISTS bench_progress (
    step text PRIMARY KEY,
    finished_at timestamptz NOT NULL DEFAULT now(),
    seconds double precision NOT NULL DEFAULT 0,
    rows jsonb NOT NULL DEFAULT '{}'::jsonb
)
"""


# Steps this process ran (the final tidy-up is needed again after any of them).
RAN: list[str] = []


def _cursor(using: str):
    return connections[using].cursor()


def ensure_progress(using: str) -> None:
    with _cursor(using) as cursor:
        cursor.execute(PROGRESS)


def done_steps(using: str) -> dict[str, dict]:
    with _cursor(using) as cursor:
        cursor.execute("SELECT to_regclass('bench_progress') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return {}
        cursor.execute("SELECT step, rows, seconds, finished_at FROM bench_progress")
        return {
            step: {
                "rows": rows if isinstance(rows, dict) else json.loads(rows),
                "seconds": s,
                "at": at,
            }
            for step, rows, s, at in cursor.fetchall()
        }


def _mark(using: str, step: str, seconds: float, rows: dict) -> None:
    with _cursor(using) as cursor:
        cursor.execute(
            "INSERT INTO bench_progress (step, seconds, rows) VALUES (%s, %s, %s)",
            [step, seconds, json.dumps(rows)],
        )


def meta(using: str, plan: Plan) -> dt.datetime:
    """The run's parameters and its fixed "now", recorded by the first run; a resumed run
    must ask for the same data set."""
    done = done_steps(using)
    if "meta" in done:
        recorded = done["meta"]["rows"]
        asked = plan.as_dict()
        if {k: recorded["plan"].get(k) for k in asked} != asked:
            raise SystemExit(
                f"This database was started with {recorded['plan']}; asked for {asked}. "
                "Run the same command, or --drop it first."
            )
        return dt.datetime.fromisoformat(recorded["now"])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with transaction.atomic(using=using):
        _mark(using, "meta", 0, {"plan": plan.as_dict(), "now": now.isoformat()})
    return now


def run_step(
    using: str, step: str, work: Callable[[Rows, Trail, random.Random], None], seed: int
) -> dict | None:
    """Run one step unless done: its rows (COPY) and progress row in one transaction,
    then seal the events it wrote."""
    if step in done_steps(using):
        return None
    RAN.append(step)
    began = time.monotonic()
    rng = random.Random(f"{seed}:{step}")  # noqa: S311 - reproducible data, not secrets
    with transaction.atomic(using=using):
        rows = Rows(using)
        trail = Trail(rows, rng)
        work(rows, trail, rng)
        counts = rows.count()
        total = rows.write()
        sealed = seal_batch(using, trail)
        seconds = time.monotonic() - began
        _mark(using, step, seconds, counts)
    if not sealed:
        seal_all()
    seconds = time.monotonic() - began
    log.info(
        "%s: %d rows in %.1f s (%.0f rows/s), %d audit events",
        step,
        total,
        seconds,
        total / seconds if seconds else 0,
        trail.count,
    )
    return counts


SEQUENCED = """
SELECT c.relname, a.attname, pg_get_serial_sequence(quote_ident(c.relname), a.attname)
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace AND a.attnum > 0
  AND NOT a.attisdropped
  AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL
"""


def finish(using: str, now: dt.datetime) -> None:
    """Sequences after the largest id written, the case reference counters after the
    largest number issued in each year, the trail sealed, statistics fresh."""
    from cases.models import CaseReferenceCounter

    with transaction.atomic(using=using), _cursor(using) as cursor:
        cursor.execute(SEQUENCED)
        for table, column, sequence in cursor.fetchall():
            cursor.execute(
                f'SELECT setval(%s, GREATEST(COALESCE(MAX("{column}"), 0), 1), '  # noqa: S608
                f'MAX("{column}") IS NOT NULL) FROM "{table}"',
                [sequence],
            )
        cursor.execute(
            "SELECT split_part(reference, '-', 2)::int, MAX(split_part(reference, '-', 3)::int) "
            "FROM cases_case GROUP BY 1"
        )
        for year, number in cursor.fetchall():
            counter, _ = CaseReferenceCounter.objects.using(using).get_or_create(year=year)
            if counter.last_number < number:
                counter.last_number = number
                counter.save(using=using)
    seal_all()
    began = time.monotonic()
    with _cursor(using) as cursor:
        cursor.execute("ANALYZE")
    log.info("ANALYZE in %.1f s", time.monotonic() - began)

"""Generate a national-scale PostgreSQL data set for the benchmark (issue 11).

    python bench/generate.py --database sp_bench --cases 100000 [--areas 20] [--seed 1]
    python bench/generate.py --database sp_bench --status
    python bench/generate.py --database sp_bench --drop

Creates the database if missing (``--pg-url``, default postgres@127.0.0.1:5432, trust
auth), migrates it, and writes the data with COPY in batches, each committed with its row in
``bench_progress``: run it in the background and, if it is killed, run the same command
again to continue where it stopped::

    mkdir -p var/bench
    nohup python bench/generate.py --database sp_bench --cases 100000 \\
        > var/bench/generate.log 2>&1 &

Every account's password is ``bench-only-password``; every name is obviously generated.
The audit trail is sealed with the project's sealer and its anchor is written to
``AUDIT_ANCHOR_FILE`` (default here: ``var/bench/<database>-audit-anchor.json``), so
``AUDIT_ANCHOR_FILE=var/bench/sp_bench-audit-anchor.json
DATABASE_URL=postgres://postgres@127.0.0.1:5432/sp_bench python manage.py verify_audit``
checks it. See docs-pending/gen.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432"

log = logging.getLogger("bench.generate")


def _server(pg_url: str, dbname: str = "postgres") -> str:
    return f"{pg_url.rstrip('/')}/{dbname}"


def _exists(pg_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(_server(pg_url), autocommit=True) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            is not None
        )


def _create(pg_url: str, name: str) -> bool:
    import psycopg
    from psycopg import sql

    if _exists(pg_url, name):
        return False
    with psycopg.connect(_server(pg_url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def _drop(pg_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(_server(pg_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _setup(pg_url: str, name: str) -> None:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = _server(pg_url, name)
    os.environ.pop("DATABASE_OWNER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panel.settings")
    os.environ.setdefault(
        "AUDIT_ANCHOR_FILE", str(ROOT / "var" / "bench" / f"{name}-audit-anchor.json")
    )
    import django

    django.setup()


def status(name: str) -> int:
    from django.db import connection

    from bench.gen import runner

    done = runner.done_steps("default")
    if not done:
        print(f"{name}: no progress recorded yet")
        return 1
    plan = done["meta"]["rows"]["plan"]
    batches = sum(1 for s in done if s.startswith("cases:"))
    total = -(-plan["cases"] // plan["batch"])
    rows: dict[str, int] = {}
    seconds = 0.0
    for step, info in done.items():
        seconds += info["seconds"]
        if step == "meta":
            continue
        for table, n in info["rows"].items():
            rows[table] = rows.get(table, 0) + n
    finished = "finish" in done
    print(
        f"{name}: {'complete' if finished else 'in progress'}; case batches {batches}/{total}; "
        f"{sum(rows.values()):,} rows in {seconds:.0f} s of steps "
        f"({sum(rows.values()) / seconds if seconds else 0:,.0f} rows/s)"
    )
    for table in sorted(rows):
        print(f"  {table:40} {rows[table]:>12,}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"  database size: {cursor.fetchone()[0]}")
    return 0 if finished else 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="database name, e.g. sp_bench")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--areas", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=None, help="cases per batch (default 1000)")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help=f"server URL (default {DEFAULT_PG})")
    parser.add_argument("--drop", action="store_true", help="drop the database and stop")
    parser.add_argument("--status", action="store_true", help="print progress and row counts")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress lines reach the log as they happen
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stdout
    )
    logging.getLogger("audit.anchor").setLevel(logging.WARNING)
    if args.drop:
        _drop(args.pg_url, args.database)
        print(f"dropped {args.database}")
        return 0
    if args.status:
        if not _exists(args.pg_url, args.database):
            print(f"{args.database}: no such database")
            return 1
        _setup(args.pg_url, args.database)
        return status(args.database)
    began = time.monotonic()
    created = _create(args.pg_url, args.database)
    log.info("%s database %s", "created" if created else "using", args.database)
    _setup(args.pg_url, args.database)
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    from django.core.management import call_command

    from bench.gen.core import generate
    from bench.gen.plan import Plan

    call_command("migrate", interactive=False, verbosity=0)
    log.info("migrated in %.1f s", time.monotonic() - began)
    plan = Plan.make(args.cases, args.areas, args.seed, args.batch)
    generate("default", plan)
    log.info("total %.1f s (this run, migrations included)", time.monotonic() - began)
    return status(args.database)


if __name__ == "__main__":
    sys.exit(main())

"""How many audit events per second the app can append, with 1, 4 and 8 concurrent writers.

Each writer is its own process with its own database connection and appends events the
way a request does: ``transaction.atomic()`` around ``audit.services.record()``. Run it on
PostgreSQL (the lock it measures is PostgreSQL's), against a scratch database that it
migrates; drop the database afterwards. For the "after" runs a sealer process seals every
``--seal-seconds`` meanwhile, as beat would; ``--bare`` also times a bare one-row INSERT
into a table with no triggers or indexes, for scale.

    createdb -h 127.0.0.1 -U postgres sp_bench_audit
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sp_bench_audit \\
        python bench/audit_append.py --migrate --bare --seconds 10 --repeat 3

``--note`` measures the issue's target instead: an audited write (adding a case note
through ``cases.services.add_note``, which records ``created``) against the bare write (the
same note row inserted with no audit), 1, 4 and 8 writers each; the ratio is the cost of
auditing. It makes a case and its coordinator in the scratch database first. With
``--note`` a third kind is timed too: the same ``add_note`` service with its ``record()``
call made a no-op, so that "audited / unaudited service" is the audit append's own cost
and "audited / bare INSERT" the whole service's (its permission check included).

``--hold-ms N`` keeps each transaction open N milliseconds after the append, as a request
does while it finishes its other writes: a lock taken by the append is held that long.
``--project DIR`` imports the app from another checkout (for example main's code exported
with ``git archive``) to measure before and after on the same machine. No timings are
asserted anywhere; the numbers are in the README's audit section.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

NOTES = False
# Set in the forked writer for the "add_note, no audit" kind only.
UNAUDITED = False


def _setup(project: str) -> None:
    # Celery puts the working directory first on sys.path when the app loads: work from
    # the project measured, or another checkout's modules would be timed instead.
    os.chdir(project)
    sys.path.insert(0, project)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panel.settings")
    import django

    django.setup()


def _note_writer(seconds: float, bare: bool, start, counts) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from cases.models import Case, CaseNote
    from cases.services.lifecycle import add_note
    from panel.models import User

    if UNAUDITED:
        import cases.services.lifecycle

        cases.services.lifecycle.record = lambda **kwargs: None
    actor = User.objects.get(username=NOTE_USER)
    case = Case.objects.order_by("id").first()
    done = 0
    start.wait()
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        if bare:
            with transaction.atomic():
                CaseNote.objects.create(
                    case=case, author=actor, created_at=timezone.now(), text="Bench note."
                )
        else:
            add_note(actor, case=case, text="Bench note.")
        done += 1
    counts.put(done)
    connection.close()


NOTE_USER = "bench.note.coordinator"


def _note_fixture() -> None:
    """A case and a coordinator of its area to add notes as (made once)."""
    from django.db import transaction

    from panel.models import User
    from tests.factories import coordinator, make_case

    if User.objects.filter(username=NOTE_USER).exists():
        return
    with transaction.atomic():
        case = make_case()
        coordinator(case.area, username=NOTE_USER)


def _writer(project: str, seconds: float, bare: bool, hold: float, start, counts) -> None:
    _setup(project)
    if NOTES:
        _note_writer(seconds, bare, start, counts)
        return
    from django.db import connection, transaction

    from audit.services import record

    done = 0
    start.wait()
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        with transaction.atomic():
            if bare:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO bench_bare (at, payload) VALUES (now(), %s)", ["viewed"]
                    )
            else:
                record(actor=None, verb="viewed", object_type="cases.case", object_id=done)
            if hold:
                time.sleep(hold)
        done += 1
    counts.put(done)
    connection.close()


def _sealer(project: str, every: float, until: float) -> None:
    _setup(project)
    from audit.sealing import seal

    while time.time() < until:
        seal()
        time.sleep(every)
    seal()


def run(
    project: str, writers: int, seconds: float, bare: bool, seal_every: float, hold: float
) -> float:
    start, counts = mp.Barrier(writers), mp.Queue()
    processes = [
        mp.Process(target=_writer, args=(project, seconds, bare, hold, start, counts))
        for _ in range(writers)
    ]
    sealer = None
    if seal_every and not bare:
        sealer = mp.Process(target=_sealer, args=(project, seal_every, time.time() + seconds + 5))
        sealer.start()
    for process in processes:
        process.start()
    total = sum(counts.get() for _ in processes)
    for process in processes:
        process.join()
    if sealer:
        sealer.join()
    return total / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--writers", default="1,4,8")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seal-seconds", type=float, default=5.0)
    parser.add_argument("--hold-ms", type=float, default=0.0)
    parser.add_argument("--migrate", action="store_true")
    parser.add_argument("--bare", action="store_true", help="also time a bare INSERT")
    parser.add_argument(
        "--note", action="store_true", help="add_note (audited) against a bare note INSERT"
    )
    args = parser.parse_args()
    global NOTES
    NOTES = args.note
    args.bare = args.bare or args.note
    mp.set_start_method("fork")
    _setup(args.project)
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("Run the benchmark on PostgreSQL (DATABASE_URL=postgres://...).")
    if args.migrate:
        call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare"
            " (id bigserial PRIMARY KEY, at timestamptz, payload text)"
        )
    if NOTES:
        _note_fixture()
    connection.close()
    import audit.services

    sealing = os.path.exists(os.path.join(args.project, "audit", "sealing.py"))
    print(
        f"code: {audit.services.__file__} "
        f"({'sealed checkpoints' if sealing else 'locked chain'}), "
        f"transactions held {args.hold_ms:g} ms after the append"
    )
    print("| writers | kind | appends/s (median) | runs | load average after |")
    print("|---|---|---|---|---|")
    global UNAUDITED
    for writers in (int(n) for n in args.writers.split(",")):
        kinds = [(False, False), (True, False)] if args.bare else [(False, False)]
        if NOTES:
            kinds.insert(1, (False, True))
        for bare, unaudited in kinds:
            UNAUDITED = unaudited
            seal_every = args.seal_seconds if sealing else 0
            hold = args.hold_ms / 1000
            rates = [
                run(args.project, writers, args.seconds, bare, seal_every, hold)
                for _ in range(args.repeat)
            ]
            load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
            runs = ", ".join(f"{r:.0f}" for r in rates)
            if NOTES:
                kind = (
                    "bare note INSERT"
                    if bare
                    else "add_note, no audit"
                    if unaudited
                    else "add_note (audited)"
                )
            else:
                kind = "bare INSERT" if bare else "record()"
            print(
                f"| {writers} | {kind} | {statistics.median(rates):.0f} | {runs} | {load} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

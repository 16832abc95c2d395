"""A national-scale audit trail for measuring the audit pages, verify_audit and sealing.

Builds ``--events`` audit events (default 2,000,000) in the database DATABASE_URL names,
fast: COPY in batches of 200,000 (one transaction each, sealed after each with the project's sealer
``audit.sealing.seal``), each event's hash computed in the same canonical form as
``AuditEvent.compute_hash``, about 4% ``listed`` events with their side rows, actors drawn
from ``--users`` accounts in 40 agencies, references from 100,000 cases. Then seals the
whole trail with the project's own sealer (``audit.sealing.seal``), so ``verify_audit``
passes. PostgreSQL only. Resumable: it tops the trail up to ``--events``.

    createdb -h 127.0.0.1 -U postgres sp_audit_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sp_audit_bench \\
        python bench/audit_dataset.py --migrate --events 2000000
    dropdb -h 127.0.0.1 -U postgres sp_audit_bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panel.settings")

BATCH = 200_000
VERBS = ["viewed"] * 50 + ["updated"] * 15 + ["created"] * 10 + ["transitioned"] * 8
VERBS += ["logged_in"] * 6 + ["exported"] * 2 + ["denied"] * 2 + ["listed"] * 4
VERBS += ["logged_out"] * 2 + ["login_failed"]


def _users(count: int) -> list[tuple[int, str, str, str]]:
    from panel.models import Agency, User

    agencies = [
        Agency.objects.get_or_create(name=f"Bench Agency {n:02}", defaults={"kind": "police"})[0]
        for n in range(40)
    ]
    have = User.objects.filter(username__startswith="bench.").count()
    User.objects.bulk_create(
        User(
            username=f"bench.user{n:05}",
            first_name=["Alex", "Sam", "Jo", "Chris", "Pat", "Kim", "Lee"][n % 7],
            last_name=f"Surname{n:05}",
            agency=agencies[n % len(agencies)],
        )
        for n in range(have, count)
    )
    return [
        (pk, username, name, "referrer")
        for pk, username, name in User.objects.filter(username__startswith="bench.")
        .order_by("id")
        .values_list("id", "username", "agency__name")
    ]


def _copy_batch(cursor, first_id: int, size: int, users, start: dt.datetime, span: float) -> int:
    from audit.models import content_hash, objects_digest

    events, objects = [], []
    rand = random.Random(first_id)  # noqa: S311 (bench data, not secrets)
    for n in range(size):
        event_id = first_id + n
        at = start + dt.timedelta(seconds=span * (event_id / 2_100_000))
        verb = rand.choice(VERBS)
        user = None if rand.random() < 0.05 else rand.choice(users)
        case = rand.randrange(1, 100_001)
        reference = f"SP-{case:06}" if verb not in ("logged_in", "logged_out") else ""
        changes: dict = {}
        if verb == "updated":
            changes = {"status": ["open", "closed"], "note": "changed", "count": rand.randrange(9)}
        elif verb == "transitioned":
            changes = {"status": ["accepted", "open"], "flag": rand.random() < 0.5, "x": None}
        elif verb == "listed":
            listed = [("cases.case", case), ("cases.child", case)]
            objects += [(event_id, kind, pk) for kind, pk in listed]
            changes = {
                "list": "cases:case-list",
                "listed_count": 2,
                "listed_sha256": objects_digest(listed),
            }
        content = {
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor_id": user[0] if user else None,
            "actor_label": user[1] if user else "",
            "actor_agency": user[2] if user else "",
            "actor_roles": user[3] if user else "",
            "verb": verb,
            "object_type": "cases.case" if reference else "panel.user",
            "object_id": str(case),
            "case_reference": reference,
            "changes": changes,
            "request_id": f"{event_id:032x}",
            "client_address": f"10.0.{event_id % 250}.{event_id % 200 + 1}",
        }
        events.append(
            (
                event_id,
                at,
                content["actor_id"],
                content["actor_label"],
                content["actor_agency"],
                content["actor_roles"],
                verb,
                content["object_type"],
                content["object_id"],
                reference,
                json.dumps(changes),
                content["request_id"],
                content["client_address"],
                content_hash(content),
            )
        )
    columns = (
        "id, at, actor_id, actor_label, actor_agency, actor_roles, verb, object_type, "
        "object_id, case_reference, changes, request_id, client_address, hash"
    )
    with cursor.copy(f"COPY audit_auditevent ({columns}) FROM STDIN") as copy:
        for row in events:
            copy.write_row(row)
    with cursor.copy(
        "COPY audit_auditeventobject (event_id, object_type, object_id) FROM STDIN"
    ) as copy:
        for row in objects:
            copy.write_row(row)
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--migrate", action="store_true")
    parser.add_argument("--no-seal", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only (DATABASE_URL).")
    if args.migrate:
        call_command("migrate", verbosity=0)
    users = _users(args.users)
    start = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    span = (dt.datetime(2026, 11, 1, tzinfo=dt.UTC) - start).total_seconds()
    began = time.monotonic()
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM audit_auditevent")
            have, last_id = cursor.fetchone()
        if have >= args.events:
            break
        size = min(BATCH, args.events - have)
        with transaction.atomic(), connection.cursor() as cursor:
            _copy_batch(cursor.cursor, last_id + 1, size, users, start, span)
        print(f"{have + size} events ({time.monotonic() - began:.0f} s)", flush=True)
        if not args.no_seal:
            _seal()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('audit_auditevent', 'id'), "
            "(SELECT MAX(id) FROM audit_auditevent))"
        )
        cursor.execute("ANALYZE audit_auditevent")
        cursor.execute("ANALYZE audit_auditeventobject")


def _seal() -> None:
    from audit.sealing import seal

    began = time.monotonic()
    checkpoint = seal()
    sealed = checkpoint.event_count if checkpoint else 0
    print(f"sealed {sealed} in {time.monotonic() - began:.1f} s", flush=True)


if __name__ == "__main__":
    main()

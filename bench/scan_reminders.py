# ruff: noqa: S106, S608 (bench-only: unusable passwords, SQL built from integer constants)
"""Build the scan benchmark's data set (issue 11) in a PostgreSQL database of its own, and
time the action and review scans on it. Bench-only: not part of the app.

    createdb sp_scan_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sp_scan_bench python manage.py migrate
    DATABASE_URL=... python bench/scan_reminders.py build --cases 100000
    DATABASE_URL=... python bench/scan_reminders.py scan actions   # first run
    DATABASE_URL=... python bench/scan_reminders.py scan actions   # repeat run
    DATABASE_URL=... python bench/scan_reminders.py reset          # drop reminders
    dropdb sp_scan_bench

Shape: 10 areas, 4 agencies each (3 agency leads and 30 staff each), 2 coordinators an
area; 15% of cases open, the rest closed; 10 actions a case (closed cases: all done; open
cases: 40% done, 60% open or in progress, due from 60 days ago to 30 days ahead); one
upcoming review an open case, due from 20 days ago to 20 days ahead. Rows are made by
INSERT ... SELECT FROM generate_series, in a minute or two.
"""

import os
import resource
import sys
import time

import django

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panel.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

# As in production: with DEBUG on, Django keeps the text of the last 9,000 queries, which
# for a scan's inserts is megabytes each and would be counted as the scan's memory.
settings.DEBUG = False

AREAS, AGENCIES_AN_AREA, LEADS, STAFF, COORDINATORS = 10, 4, 3, 30, 2
KINDS = ["police", "social_care", "health", "education"]


def build(cases: int) -> None:
    from panel.models import Agency, Area, Role, RoleAssignment, User

    start = time.monotonic()
    if Area.objects.filter(slug="bench-0").exists():
        return finish(start)
    areas = Area.objects.bulk_create(
        Area(
            name=f"Bench area {a}",
            slug=f"bench-{a}",
            front_door_name="Front door",
            front_door_phone="0100 000 000",
        )
        for a in range(AREAS)
    )
    agencies = []
    for area in areas:
        for kind in KINDS:
            agency = Agency.objects.create(name=f"{area.name} {kind}", kind=kind)
            agency.areas.add(area)
            agencies.append(agency)
    users = []
    for agency in agencies:
        for n in range(LEADS + STAFF):
            users.append(User(username=f"b{agency.pk}-{n}", agency=agency, password="!"))
    for area in areas:
        for n in range(COORDINATORS):
            users.append(User(username=f"c{area.pk}-{n}", password="!"))
    User.objects.bulk_create(users, batch_size=2000)
    roles = []
    for user in User.objects.filter(username__startswith="b"):
        if int(user.username.split("-")[1]) < LEADS:
            roles.append(RoleAssignment(user=user, role=Role.AGENCY_LEAD))
    for user in User.objects.filter(username__startswith="c"):
        area_pk = int(user.username[1:].split("-")[0])
        roles.append(RoleAssignment(user=user, role=Role.COORDINATOR, area_id=area_pk))
    RoleAssignment.objects.bulk_create(roles)
    lookups()
    with connection.cursor() as c:
        c.execute(f"""
            INSERT INTO cases_child (first_name, last_name, known_as, date_of_birth, gender,
                ethnicity, ethnicity_code, area_id, school_or_setting, address, name_key,
                first_name_key, last_name_key, known_as_key, created_at, updated_at, version)
            SELECT 'Bench' || i, 'Child', '', date '2010-01-01' + (i % 3000), 'not_known', '',
                'not_known', a.id, '', '', 'bench' || i || ' child', 'bench' || i, 'child', '',
                now(), now(), 1
            FROM generate_series(0, {cases - 1}) i JOIN b_area a ON a.n = i % {AREAS}
        """)
        c.execute(f"""
            INSERT INTO cases_case (reference, child_id, area_id, status, risk_level,
                lead_agency_id, lead_professional_id, lst_contact, opened_at, closed_at,
                closure_reason, closure_summary, created_at, updated_at, version)
            SELECT 'CSE-2025-' || lpad(ch.i::text, 6, '0'), ch.id, ch.area_id,
                CASE WHEN ch.i % 100 < 15 THEN 'open' ELSE 'closed' END, 'medium',
                g.id, s.id, '', now() - interval '400 days',
                CASE WHEN ch.i % 100 < 15 THEN NULL ELSE now() - interval '10 days' END,
                CASE WHEN ch.i % 100 < 15 THEN '' ELSE 'risk_reduced' END,
                CASE WHEN ch.i % 100 < 15 THEN '' ELSE 'Bench closure.' END,
                now(), now(), 1
            FROM (SELECT row_number() OVER (ORDER BY id) - 1 AS i, id, area_id
                  FROM cases_child WHERE first_name LIKE 'Bench%%') ch
            JOIN b_area a ON a.id = ch.area_id
            JOIN b_agency g ON g.n = a.n AND g.k = ch.i % {AGENCIES_AN_AREA}
            JOIN b_staff s ON s.agency_id = g.id AND s.s = {LEADS} + ch.i % {STAFF}
        """)
    finish(start)


def lookups() -> None:
    with connection.cursor() as c:
        # Lookup tables: area n (0-based) -> id; agency (area n, k) -> id; staff of an agency.
        c.execute("DROP TABLE IF EXISTS b_area, b_agency, b_staff")
        c.execute(
            "CREATE TEMP TABLE b_area AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, "
            "id FROM panel_area WHERE slug LIKE 'bench-%%'"
        )
        c.execute(
            "CREATE TEMP TABLE b_agency AS SELECT a.n, row_number() OVER "
            "(PARTITION BY a.n ORDER BY g.id) - 1 AS k, g.id FROM panel_agency g "
            "JOIN panel_agency_areas ga ON ga.agency_id = g.id JOIN b_area a "
            "ON a.id = ga.area_id"
        )
        c.execute(
            "CREATE TEMP TABLE b_staff AS SELECT u.agency_id, row_number() OVER "
            "(PARTITION BY u.agency_id ORDER BY u.id) - 1 AS s, u.id FROM panel_user u "
            "WHERE u.username LIKE 'b%%'"
        )
        c.execute("CREATE INDEX ON b_staff (agency_id, s)")


def finish(start: float) -> None:
    """The steps after the cases (resumable: each is skipped once done)."""
    lookups()
    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS b_case")
        c.execute(
            "CREATE TEMP TABLE b_case AS SELECT row_number() OVER (ORDER BY c.id) - 1 "
            "AS i, c.id, c.status, a.n FROM cases_case c JOIN b_area a "
            "ON a.id = c.area_id"
        )
        c.execute("SELECT exists(SELECT 1 FROM cases_caseagency)")
        if not c.fetchone()[0]:
            c.execute("""
            INSERT INTO cases_caseagency (case_id, agency_id, added_at)
            SELECT c.id, g.id, now() FROM b_case c JOIN b_agency g ON g.n = c.n AND g.k < 3
        """)
        c.execute("SELECT exists(SELECT 1 FROM cases_review)")
        if not c.fetchone()[0]:
            c.execute("""
            INSERT INTO cases_review (case_id, due_date, status, outcome, risk_level_after,
                created_at)
            SELECT id, current_date - 20 + (i % 41)::int, 'upcoming', '', '', now()
            FROM b_case WHERE status = 'open'
        """)
        c.execute("SELECT exists(SELECT 1 FROM cases_action)")
        if not c.fetchone()[0]:
            c.execute(f"""
            INSERT INTO cases_action (case_id, description, owning_agency_id, owner_id,
                due_date, priority, four_p, status, completion_note, completed_at,
                cancel_reason, created_by_id, created_at, updated_at, version)
            SELECT c.id, 'Bench action.', g.id, s.id,
                current_date - 60 + ((c.i * 7 + j * 13) % 91)::int, 'normal', '',
                st.status,
                CASE WHEN st.status = 'done' THEN 'Done (bench).' ELSE '' END,
                CASE WHEN st.status = 'done' THEN now() END, '', s.id, now(), now(), 1
            FROM b_case c CROSS JOIN generate_series(0, 9) j
            JOIN b_agency g ON g.n = c.n AND g.k = j % 3
            JOIN b_staff s ON s.agency_id = g.id AND s.s = {LEADS} + (c.i + j) % {STAFF}
            CROSS JOIN LATERAL (SELECT CASE
                WHEN c.status <> 'open' OR j < 4 THEN 'done'
                WHEN j % 2 = 0 THEN 'open' ELSE 'in_progress' END AS status) st
        """)
        c.execute("ANALYZE")
    print(f"built in {time.monotonic() - start:.1f} s")


def counts() -> None:
    with connection.cursor() as c:
        for table in (
            "cases_case",
            "cases_action",
            "cases_review",
            "panel_user",
            "notifications_notification",
        ):
            c.execute(f"SELECT count(*) FROM {table}")
            print(table, c.fetchone()[0])


def scan(which: str) -> None:
    from notifications import reminders

    run = {"actions": reminders.scan_actions, "reviews": reminders.scan_reviews}[which]
    with open("/proc/loadavg") as f:
        load_before = f.read().split()[:3]
    start = time.monotonic()
    created = run()
    seconds = time.monotonic() - start
    with open("/proc/loadavg") as f:
        load_after = f.read().split()[:3]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    rate = created / seconds if seconds else 0
    print(
        f"scan_{which}: {created} created in {seconds:.1f} s ({rate:,.0f}/s), "
        f"peak RSS {peak:.0f} MB, process CPU {cpu:.1f} s, "
        f"loadavg before {load_before} after {load_after}"
    )


def reset() -> None:
    with connection.cursor() as c:
        c.execute("DELETE FROM notifications_notification")
        c.execute("VACUUM ANALYZE notifications_notification")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "build":
        build(int(sys.argv[sys.argv.index("--cases") + 1]) if "--cases" in sys.argv else 100000)
        counts()
    elif command == "scan":
        scan(sys.argv[2])
    elif command == "counts":
        counts()
    elif command == "reset":
        reset()

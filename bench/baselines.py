"""Same-run baselines for the case list (issue 11).

1. Raw SQL: the rows the case list shows (same columns, same order, LIMIT 50, the same
   scope predicate for the user) in one hand-written query, and the total the page shows
   above them ("N cases") in a second, timed together over psycopg directly: what the
   database alone needs for what the page shows. Table and column names come from the
   models' metadata, the scope from the user's role rows (a coordinator: their areas; an
   auditor: everything), so it follows the schema.
2. The Django admin changelist of Case with the same columns (bench/admin_site.py), driven
   over HTTP by the runner like any page, as a staff user the runner creates.
"""

from __future__ import annotations

import time

from bench.report import percentile


def case_list_sql(user) -> list[tuple[str, list]]:
    """The case list's rows for ``user`` and their total: two SQL statements, each with its
    parameters."""
    from cases.models import Action, Case, Child, Review
    from panel.models import Agency, Area

    case = Case._meta.db_table
    child = Child._meta.db_table
    area = Area._meta.db_table
    agency = Agency._meta.db_table
    review = Review._meta.db_table
    action = Action._meta.db_table
    params: list = [Review.Status.UPCOMING, list(Action.OPEN_STATUSES)]
    scope_params: list = []
    if user.is_auditor:
        scope = "TRUE"
    elif user.coordinator_area_ids:
        scope = "c.area_id = ANY(%s)"
        scope_params.append(sorted(user.coordinator_area_ids))
    else:
        raise ValueError("the raw-SQL baseline is for a coordinator or an auditor")
    # Names come from the models' metadata, values are parameters.
    sql = f"""
        SELECT c.id, c.reference, ch.first_name, ch.last_name, ch.date_of_birth,
               a.name, c.status, c.risk_level, ag.name,
               (SELECT r.due_date FROM {review} r
                 WHERE r.case_id = c.id AND r.status = %s
                 ORDER BY r.due_date LIMIT 1) AS next_review,
               (SELECT count(*) FROM {action} x
                 WHERE x.case_id = c.id AND x.status = ANY(%s)) AS open_actions
          FROM {case} c
          JOIN {child} ch ON ch.id = c.child_id
          JOIN {area} a ON a.id = c.area_id
          LEFT JOIN {agency} ag ON ag.id = c.lead_agency_id
         WHERE {scope}
         ORDER BY c.opened_at DESC, c.id DESC
         LIMIT 50
    """  # noqa: S608
    count = f"SELECT count(*) FROM {case} c WHERE {scope}"  # noqa: S608
    return [(sql, params + scope_params), (count, scope_params)]


def time_sql(dsn: str, statements: list[tuple[str, list]], runs: int, warmup: int = 2) -> dict:
    """Run the statements ``warmup`` times, then ``runs`` times timed (all of them, one after
    the other, as one measurement), on one psycopg connection with JIT off as the app's
    are: p50/p95 in ms and the first statement's row count."""
    import psycopg

    times = []
    rows = 0
    with psycopg.connect(dsn, autocommit=True, options="-c jit=off") as conn:
        for n in range(warmup + runs):
            started = time.perf_counter()
            with conn.cursor() as cursor:
                for index, (sql, params) in enumerate(statements):
                    cursor.execute(sql, params)
                    fetched = cursor.fetchall()
                    if index == 0:
                        rows = len(fetched)
            if n >= warmup:
                times.append(time.perf_counter() - started)
    return {
        "p50": percentile(times, 50) * 1000,
        "p95": percentile(times, 95) * 1000,
        "rows": rows,
        "runs": runs,
    }


def ensure_staff_user():
    """The runner's staff account for the bench admin (no role: staff read no case data
    through the app's scopes, only through the bench-only admin)."""
    from panel.models import User

    user, _ = User.objects.update_or_create(
        username="bench.runner.staff",
        defaults={
            "is_staff": True,
            "is_superuser": False,
            "is_active": True,
            "first_name": "Bench",
            "last_name": "Runner",
        },
    )
    return user

"""The load runner (issue 11): every page and API list/detail of every role, at 1 client and
at 20, against gunicorn + PostgreSQL, with the same-run baselines, as a markdown table.

    python bench/run.py --database sp_bench_100k [--workers 4] [--requests 30]
        [--concurrent-requests 200] [--clients 1,20] [--only PATTERN]
        [--out var/bench/results.md] [--quick]

It starts gunicorn itself (sync workers, DEBUG off, bench/settings.py, a free port, logs in
var/bench/), waits for /healthz, finds one user per role in the database and what each may
open through the models' ``visible_to`` scopes (bench/pages.py), signs them in by building
their sessions directly (the two-factor mark included, as tests' force_login does) and
API tokens through the app's own ``create_api_token``, then measures:

- 1 client: a warm-up, then ``--requests`` sequential requests per page and role;
- 20 clients: ``--concurrent-requests`` requests per page and role, 20 at a time;
- baselines: the case list's rows and their total by raw SQL (psycopg, same scope, LIMIT 50)
  for the coordinator and the auditor, and the bench-only admin's Case changelist at 1 and 20
  clients.

Each measurement is time-boxed (``--box`` seconds, default 20): no new request is sent after
it, and the table says when the box cut a row short. Every non-2xx response is counted and
listed; the exit status is 1 if there was any (a 403/404 means bench/pages.py or a scope is
wrong), 2 if the run itself failed. Timings never fail the run.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime as dt
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.client import Connection, HttpError  # noqa: E402
from bench.report import (  # noqa: E402
    RAW_SQL_RATIO_TARGET,
    Measurement,
    Row,
    fmt_errors,
    fmt_ms,
    fmt_rate,
    table,
)

HOST = "127.0.0.1"
ADMIN_LABEL = "admin changelist of Case (baseline)"
STAFF = "staff"


@dataclass
class Target:
    """One row to measure: a page for a role, resolved to a path and headers."""

    label: str
    role: str
    path: str
    # One set a client: each client is its own person at their own desk, with their own
    # session (or API token), as 20 people are; 20 clients on one session would measure
    # one session row's updates queueing, which no real load does.
    headers: list[dict[str, str]]


# The rows a --quick smoke also runs at 20 clients: the concurrency path is exercised
# (sessions, audit appends side by side, the admin baseline) without every row's cost.
QUICK_CONCURRENT = frozenset({"case list", "case page", "API cases", "API case", ADMIN_LABEL})


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="the bench PostgreSQL database")
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL without the database (default: %(default)s)",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--requests", type=int, default=30, help="timed requests at 1 client")
    parser.add_argument(
        "--concurrent-requests", type=int, default=200, help="requests per row at N clients"
    )
    parser.add_argument("--clients", default="1,20", help="concurrencies (default 1,20)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests first")
    parser.add_argument("--box", type=float, default=20.0, help="seconds per measurement")
    parser.add_argument("--only", help="measure only rows whose page, URL name or role match")
    parser.add_argument("--out", default="var/bench/results.md")
    parser.add_argument(
        "--list", action="store_true", help="print the rows planned (page, role, URL) and stop"
    )
    parser.add_argument("--redis-url", help="REDIS_URL for the server (default: none)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=(
            "a smoke: every row at 1 client (2 requests, 1 warm-up), and at 20 clients "
            "(20 requests) only the rows QUICK_CONCURRENT names; a 5 s box"
        ),
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.requests = 2
        args.concurrent_requests = 20
        args.warmup = 1
        args.box = 5.0
    args.clients = [int(c) for c in args.clients.split(",") if c.strip()]
    return args


# --- Environment and Django ----------------------------------------------------------------


def server_env(args: argparse.Namespace, database_url: str, static_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in (
        "REDIS_URL",
        "CACHE_REDIS_URL",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "DATABASE_OWNER_URL",
    ):
        env.pop(name, None)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "False",
            # A throwaway key shared by this process (which makes the sessions) and the
            # server (which checks them).
            "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": f"{HOST},localhost",
            # A throwaway key for the audit trail's seals (no sealer runs during a bench).
            "AUDIT_HMAC_KEYS": os.environ.get("BENCH_AUDIT_HMAC_KEYS")
            or "bench:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            "AUDIT_ANCHOR_FILE": str(static_root.parent / "audit-anchor.json"),
            "STATIC_ROOT": str(static_root),
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(env)
    os.chdir(ROOT)
    import django

    django.setup()


def static_is_stale(static_root: Path) -> bool:
    """Whether the collected static files are missing or older than any source file."""
    from django.contrib.staticfiles.finders import get_finders

    manifest = static_root / "staticfiles.json"
    if not manifest.exists():
        return True
    collected = manifest.stat().st_mtime
    for finder in get_finders():
        for path, storage in finder.list([]):
            if os.path.getmtime(storage.path(path)) > collected:
                return True
    return False


def pick_users() -> dict[str, object]:
    """One user per role, from the database: the coordinator of the area with the most
    cases, the agency lead of the agency in the most cases, a live lead professional with no
    role of their own (else the one with fewest roles), the referrer with most referrals, an
    auditor. Each preferably holding that role only."""
    from django.db.models import Count, Q

    from bench import pages
    from cases.access import live_lead_professionals
    from cases.models import Case, CaseAgency, Referral
    from panel.models import Role, User

    people = User.objects.filter(is_active=True, is_staff=False, is_superuser=False).annotate(
        n_roles=Count("role_assignments__role", distinct=True)
    )
    chosen: dict[str, object] = {}
    for row in Case.objects.values("area_id").annotate(n=Count("pk")).order_by("-n"):
        user = (
            people.filter(
                role_assignments__role=Role.COORDINATOR,
                role_assignments__area_id=row["area_id"],
            )
            .exclude(role_assignments__role=Role.AUDITOR)
            .order_by("n_roles", "pk")
            .first()
        )
        if user:
            chosen[pages.COORDINATOR] = user
            break
    for row in CaseAgency.objects.values("agency_id").annotate(n=Count("pk")).order_by("-n"):
        user = (
            people.filter(role_assignments__role=Role.AGENCY_LEAD, agency_id=row["agency_id"])
            .exclude(role_assignments__role=Role.AUDITOR)
            .order_by("n_roles", "pk")
            .first()
        )
        if user:
            chosen[pages.AGENCY_LEAD] = user
            break
    leads = (
        live_lead_professionals()
        .values("lead_professional_id")
        .annotate(n=Count("pk"))
        .order_by("-n")[:200]
    )
    lead_counts = {row["lead_professional_id"]: row["n"] for row in leads}
    practitioner = (
        people.filter(pk__in=list(lead_counts))
        .exclude(role_assignments__role__in=[Role.AUDITOR, Role.COORDINATOR])
        .order_by("n_roles", "pk")
    )
    # Someone with no role of their own first; failing that (seed_demo's lead
    # professionals are all agency leads), another agency lead than the one chosen above.
    lead = chosen.get(pages.AGENCY_LEAD)
    practitioners = sorted(
        practitioner,
        key=lambda u: (u.n_roles, lead is not None and u.pk == lead.pk, -lead_counts[u.pk], u.pk),
    )
    if practitioners:
        chosen[pages.PRACTITIONER] = practitioners[0]
    made = Referral.objects.values("referrer_id").annotate(n=Count("pk")).order_by("-n")
    counts = {row["referrer_id"]: row["n"] for row in made[:500]}
    referrers = sorted(
        people.filter(role_assignments__role=Role.REFERRER).exclude(
            Q(role_assignments__role=Role.AUDITOR) | Q(role_assignments__role=Role.COORDINATOR)
        ),
        key=lambda u: (u.n_roles, -counts.get(u.pk, 0), u.pk),
    )
    referrer = referrers[0] if referrers else None
    if referrer:
        chosen[pages.REFERRER] = referrer
    auditor = (
        people.filter(role_assignments__role=Role.AUDITOR)
        .exclude(role_assignments__role=Role.COORDINATOR)
        .order_by("n_roles", "pk")
        .first()
    )
    if auditor:
        chosen[pages.AUDITOR] = auditor
    # Fresh objects: the annotated ones carry extra attributes the scopes do not expect.
    return {role: User.objects.get(pk=user.pk) for role, user in chosen.items()}


def make_session(user) -> str:
    """A signed-in session for ``user``, as the real sign-in leaves it after the second
    factor (panel/mfa.py, panel/sessions.py): returns the session key."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from panel.mfa import VERIFIED_SESSION_KEY
    from panel.sessions import LAST_ACTIVE_AT, SIGNED_IN_AT, now

    engine = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"])
    store_class = getattr(engine, "SessionStore", SessionStore)
    session = store_class()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "panel.auth.PanelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[VERIFIED_SESSION_KEY] = True
    session[SIGNED_IN_AT] = now()
    session[LAST_ACTIVE_AT] = now()
    session.create()
    return session.session_key


def make_token(user) -> str:
    from panel.accounts import create_api_token

    _token, key = create_api_token(user, name="bench runner", days=1)
    return key


def headers_for(session_key: str | None, token: str | None, api: bool) -> dict[str, str]:
    from django.conf import settings

    headers = {
        # Behind the TLS-terminating proxy production runs behind (SECURE_PROXY_SSL_HEADER).
        "X-Forwarded-Proto": "https",
        "User-Agent": "safeguard-panel-bench",
        "Accept": "application/json" if api else "text/html",
    }
    if api and token:
        headers["Authorization"] = f"Token {token}"
    elif session_key:
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    return headers


def plan(args: argparse.Namespace, users: dict) -> tuple[list[Target], list[Row]]:
    """The rows to measure, in catalogue order, each resolved for its role; and the rows
    that cannot be measured (no such user or record in the data set)."""
    from django.urls import reverse

    from bench import pages
    from bench.baselines import ensure_staff_user

    only = re.compile(args.only, re.IGNORECASE) if args.only else None
    people = max(args.clients)
    sessions = {role: [make_session(user) for _ in range(people)] for role, user in users.items()}
    tokens: dict[str, list[str]] = {}
    targets: list[Target] = []
    missing: list[Row] = []
    found: dict[tuple, dict | None] = {}
    for page in pages.PAGES:
        for role in page.roles:
            if only and not any(only.search(s) for s in (page.label, page.url_name, role)):
                continue
            user = users.get(role)
            if user is None:
                missing.append(Row(page.label, role, note="no such user in the data set"))
                continue
            # Finders shared by several pages (the largest case, the busiest meeting) can
            # be slow at 100,000 cases: each runs once per role.
            key = (page.find, role)
            if key not in found:
                found[key] = page.kwargs(user)
            kwargs = found[key]
            query = page.querystring(user)
            if kwargs is None or query is None:
                missing.append(Row(page.label, role, note="no such record for this user"))
                continue
            path = reverse(page.url_name, kwargs=kwargs)
            if query:
                path = f"{path}?{query}"
            if page.api and role not in tokens:
                tokens[role] = [make_token(user) for _ in range(people)]
            headers = [
                headers_for(session, token, page.api)
                for session, token in zip(
                    sessions[role], tokens.get(role, [None] * people), strict=True
                )
            ]
            targets.append(Target(page.label, role, path, headers))
    if not only or only.search(ADMIN_LABEL) or only.search("case list"):
        staff = ensure_staff_user()
        path = reverse("bench_admin:cases_case_changelist")
        headers = [headers_for(make_session(staff), None, False) for _ in range(people)]
        targets.append(Target(ADMIN_LABEL, STAFF, path, headers))
    return targets, missing


def row_counts() -> list[tuple[str, int]]:
    from django.db import connection

    from audit.models import AuditEvent
    from cases.models import (
        Action,
        Case,
        CaseNote,
        Child,
        Referral,
        Review,
        RiskAssessment,
    )
    from intelligence.models import (
        Disruption,
        Link,
        Location,
        MissingEpisode,
        PersonOfConcern,
        Sighting,
        Vehicle,
    )
    from meetings.models import AgendaItem, Meeting
    from notifications.models import Notification
    from panel.models import User

    counts = []
    with connection.cursor() as cursor:
        for model in (
            User,
            Child,
            Referral,
            Case,
            Action,
            Review,
            RiskAssessment,
            CaseNote,
            Meeting,
            AgendaItem,
            Notification,
            PersonOfConcern,
            Location,
            Vehicle,
            Link,
            Sighting,
            Disruption,
            MissingEpisode,
            AuditEvent,
        ):
            cursor.execute(f"SELECT count(*) FROM {model._meta.db_table}")  # noqa: S608
            counts.append((model._meta.verbose_name_plural, cursor.fetchone()[0]))
    return counts


# --- The server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(args, env: dict[str, str], port: int, logs: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "panel.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        "sync",
        # Slow pages at 100,000 cases must finish, not be killed mid-measurement.
        "--timeout",
        "180",
        "--access-logfile",
        str(logs / "access.log"),
        "--error-logfile",
        str(logs / "gunicorn.log"),
    ]
    return subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_for_health(port: int, server: subprocess.Popen, seconds: float = 90) -> int:
    deadline = time.monotonic() + seconds
    url = f"http://{HOST}:{port}/healthz"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}: see var/bench/")
        request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"no answer from {url} after {seconds:.0f} s")


def request_timeout(box: float) -> float:
    return max(box * 3, 60.0)


def too_slow(row: Row, clients: int, args: argparse.Namespace) -> str:
    """Why a page is not measured at ``clients`` clients, if it is so slow at one that the
    first round alone would keep every worker busy past the requests' timeout: queued
    behind each other, they would time out and hold the workers into the next rows."""
    p50 = row.one.ms(50) if row.one else None
    if p50 is None:
        return ""
    busy = clients * p50 / 1000 / args.workers
    if busy <= request_timeout(args.box):
        return ""
    return (
        f"not run at {clients} clients: {clients} requests of {p50 / 1000:.1f} s "
        f"would keep {args.workers} workers busy {busy:.0f} s"
    )


def drain(port: int, server: subprocess.Popen, seconds: float = 600) -> None:
    """After a measurement cut short, wait until the server answers /healthz again within
    a second: requests the clients gave up on are still being served."""
    deadline = time.monotonic() + seconds
    url = f"http://{HOST}:{port}/healthz"
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
    while time.monotonic() < deadline and server.poll() is None:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=seconds):  # noqa: S310
                pass
        except urllib.error.HTTPError:
            pass
        except OSError:
            time.sleep(1)
            continue
        if time.monotonic() - started < 1.0:
            return


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


# --- Measuring -------------------------------------------------------------------------


async def measure(
    port: int, target: Target, clients: int, total: int, warmup: int, box: float
) -> Measurement:
    result = Measurement(clients=clients, planned=total)
    timeout = request_timeout(box)
    connections = [Connection(HOST, port, timeout=timeout) for _ in range(clients)]
    for _ in range(warmup):
        with contextlib.suppress(Exception):
            await connections[0].get(target.path, target.headers[0])
    remaining = total
    started = time.perf_counter()
    deadline = started + box

    async def client(connection: Connection, headers: dict[str, str]) -> None:
        nonlocal remaining
        while remaining > 0 and time.perf_counter() < deadline:
            remaining -= 1
            try:
                status, _size, seconds = await connection.get(target.path, headers)
            except TimeoutError:
                result.timeouts += 1
                continue
            except (OSError, HttpError, asyncio.IncompleteReadError) as error:
                key = type(error).__name__
                result.errors[key] = result.errors.get(key, 0) + 1
                continue
            result.add(seconds, status, target.path)

    await asyncio.gather(
        *(client(c, target.headers[i % len(target.headers)]) for i, c in enumerate(connections))
    )
    result.wall = time.perf_counter() - started
    result.cut = remaining > 0
    for connection in connections:
        await connection.close()
    return result


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def _git(*arguments: str) -> str:
    git = shutil.which("git")
    if git is None:
        raise OSError("git is not installed")
    done = subprocess.run(  # noqa: S603 - git, found on PATH, with fixed arguments
        [git, *arguments], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def git_commit() -> str:
    try:
        commit = _git("rev-parse", "--short=12", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" (with uncommitted changes)" if dirty else "")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    database_url = f"{args.server.rstrip('/')}/{args.database}"
    env = server_env(args, database_url, logs / "static")
    setup_django(env)
    from django.core.management import call_command
    from django.db import connections

    if static_is_stale(logs / "static"):
        log("collecting static files (DEBUG off serves the hashed copies)")
        call_command("collectstatic", interactive=False, verbosity=0)
    users = pick_users()
    for role, user in users.items():
        log(f"{role}: {user.username}")
    targets, missing = plan(args, users)
    if args.list:
        for target in targets:
            print(f"{target.label} | {target.role} | {target.path}")
        for row in missing:
            print(f"{row.label} | {row.role} | {row.note}")
        return 0
    counts = row_counts()
    from bench import pages
    from bench.baselines import case_list_sql, time_sql

    raw: dict[str, dict] = {}
    for role in (pages.COORDINATOR, pages.AUDITOR):
        if role in users:
            raw[role] = time_sql(database_url, case_list_sql(users[role]), max(args.requests, 5))
    connections.close_all()

    port = free_port()
    log(f"starting gunicorn ({args.workers} sync workers) on {HOST}:{port}; logs in {logs}")
    server = start_gunicorn(args, env, port, logs)
    sections: list[tuple[str, str, str]] = []
    rows = {(t.label, t.role): Row(t.label, t.role, url=t.path) for t in targets}
    try:
        health = wait_for_health(port, server)
        log(f"/healthz answered {health}")
        for clients in args.clients:
            total = args.requests if clients == 1 else args.concurrent_requests
            warmup = args.warmup if clients == 1 else 0
            before = load()
            started = time.monotonic()
            for n, target in enumerate(targets, 1):
                row = rows[(target.label, target.role)]
                if clients > 1 and args.quick and target.label not in QUICK_CONCURRENT:
                    row.note = "--quick: run at one client only"
                    continue
                if clients > 1 and (skip := too_slow(row, clients, args)):
                    row.note = skip
                    log(
                        f"{clients} clients {n}/{len(targets)} {target.label} "
                        f"[{target.role}]: {skip}"
                    )
                    continue
                measurement = asyncio.run(measure(port, target, clients, total, warmup, args.box))
                if measurement.timeouts or measurement.cut:
                    drain(port, server)
                if clients == 1:
                    row.one = measurement
                else:
                    row.many = measurement
                p95 = measurement.ms(95)
                log(
                    f"{clients:>2} client(s) {n}/{len(targets)} {target.label} [{target.role}]"
                    f" p95 {p95 or 0:.0f} ms, {fmt_rate(measurement.throughput)} req/s"
                    + (f", errors {measurement.errors}" if measurement.error_count else "")
                    + (" (cut by the time box)" if measurement.cut else "")
                )
            sections.append(
                (f"{clients} client(s)", before, f"{load()} ({time.monotonic() - started:.0f} s)")
            )
    finally:
        stop_gunicorn(server)

    people = ", ".join(
        f"{role} `{user.username}` ({', '.join(sorted(user.roles)) or 'no role'})"
        for role, user in users.items()
    )
    report = render(args, rows, missing, raw, counts, sections, people)
    out = ROOT / args.out if not Path(args.out).is_absolute() else Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(report)
    log(f"written to {out}")
    timeouts = sum(row.timeouts for row in rows.values())
    if timeouts:
        log(f"{timeouts} requests timed out (timings: they do not fail the run)")
    errors = sum(row.error_count for row in rows.values())
    if errors:
        log(f"{errors} responses were not 2xx (or failed): see the errors column")
        return 1
    return 0


def render(args, rows, missing, raw, counts, sections, people: str) -> str:
    from bench import pages

    admin = next((r for r in rows.values() if r.label == ADMIN_LABEL), None)
    admin_rate = admin.many.throughput if admin and admin.many else None
    ratios: dict[tuple[str, str], float] = {}
    baseline_lines = []
    for role, timing in raw.items():
        row = rows.get(("case list", role))
        app_p50 = row.one.ms(50) if row and row.one else None
        ratio = app_p50 / timing["p50"] if app_p50 and timing["p50"] else None
        if ratio is not None:
            ratios[("case list", role)] = ratio
        rate = row.many.throughput if row and row.many else None
        shown = "-" if ratio is None else f"{ratio:.1f}x"
        if ratio is not None and ratio > RAW_SQL_RATIO_TARGET:
            shown = f"**{shown} (> {RAW_SQL_RATIO_TARGET:g}x)**"
        baseline_lines.append(
            f"| case list, {role} | {timing['p50']:.1f} | {timing['p95']:.1f} | "
            f"{fmt_ms(app_p50)} | {shown} | {fmt_rate(rate)} | {fmt_rate(admin_rate)} |"
        )
    ordered = [*rows.values(), *missing]
    order = {(p.label, role): n for n, p in enumerate(pages.PAGES) for role in p.roles}
    ordered.sort(
        key=lambda r: (
            order.get((r.label, r.role), 10**6),
            pages.ROLES.index(r.role) if r.role in pages.ROLES else 99,
        )
    )
    lines = [
        f"# Safeguard Panel benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"- Database `{args.database}`; commit {git_commit()}; {os.cpu_count()} cores; "
        f"gunicorn {args.workers} sync workers, DEBUG off",
        f"- 1 client: {args.warmup} warm-up + {args.requests} requests per row; "
        f"{max(args.clients)} clients: {args.concurrent_requests} requests per row; "
        f"each measurement time-boxed to {args.box:g} s" + (" (--quick)" if args.quick else ""),
        f"- Users: {people}",
        "- Rows: " + ", ".join(f"{name} {count:,}" for name, count in counts),
        "- Load average (1, 5, 15 min) per section: "
        + "; ".join(f"{name}: before {b}, after {a}" for name, b, a in sections),
        "",
        table(ordered, admin_throughput=admin_rate, raw_ratios=ratios),
        "",
        "Times in ms, from sending the request to the last byte. **misses**: p95 over "
        "150 ms at one client; 20-client req/s below the admin changelist's; app over 3x "
        "raw SQL. (cut n/m): the time box stopped the row after n of m requests.",
        "",
        "## Baselines (same run)",
        "",
        "| rows | raw SQL p50 ms | raw SQL p95 ms | app p50 ms | app / raw SQL | app req/s @20 "
        "| admin changelist req/s @20 |",
        "|---|--:|--:|--:|--:|--:|--:|",
        *baseline_lines,
        "",
        f"Admin changelist: p50 {admin.one.ms(50) or 0:.0f} ms at 1 client, "
        f"{fmt_rate(admin_rate)} req/s at {max(args.clients)} clients."
        if admin and admin.one
        else "Admin changelist: not measured.",
    ]
    failures = [r for r in rows.values() if r.error_count or r.timeouts]
    if failures:
        lines += ["", "## Responses that were not 2xx", ""]
        for row in failures:
            lines.append(f"- {row.label} [{row.role}] `{row.url}`: {fmt_errors(row)}")
    return "\n".join(lines) + "\n"


def _stop(signum, frame):
    # Unwinds through run()'s finally, which stops gunicorn (its own process group).
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)
    try:
        return run(args)
    except Exception as error:  # the run failed, not a page
        log(f"the run failed: {type(error).__name__}: {error}")
        raise


if __name__ == "__main__":
    sys.exit(main())

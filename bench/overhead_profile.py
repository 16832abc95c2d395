"""Per-request overhead of a few pages (issue 11): median time of N requests through Django's
test Client (DEBUG off, production middleware), the queries each makes, and a cProfile of
the slowest functions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sp_bench \
        python bench/overhead_profile.py [--requests 30] [--profile] [--queries] [--only NAME]
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import os
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ["DEBUG"] = "False"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault(
    "AUDIT_HMAC_KEYS", "bench:" + base64.b64encode(secrets.token_bytes(32)).decode()
)
os.environ.setdefault("AUDIT_ANCHOR_FILE", str(ROOT / "var/bench/overhead-anchor.json"))
for name in ("REDIS_URL", "CACHE_REDIS_URL", "CELERY_BROKER_URL"):
    os.environ.pop(name, None)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.run import make_session  # noqa: E402


def pages():
    from cases.models import Case
    from panel.models import User

    coord = User.objects.get(username="bench.coord.a07.1")
    auditor = User.objects.get(username="bench.auditor.1")
    case = Case.objects.visible_to(coord).order_by("-opened_at", "-pk").first()
    return [
        ("home, coordinator", coord, reverse("home")),
        ("case list, coordinator", coord, reverse("cases:case-list")),
        ("case list, auditor", auditor, reverse("cases:case-list")),
        ("case page, coordinator", coord, reverse("cases:case-detail", args=[case.pk])),
        ("notifications, coordinator", coord, reverse("notifications:list")),
        ("API cases, coordinator", coord, "/api/v1/cases/"),
    ] + (
        # The baseline: the bench-only admin's Case changelist (bench/admin_site.py), as the
        # runner measures it, for a staff account it makes (bench.runner.staff).
        [("admin changelist (baseline)", staff, "/bench-admin/cases/case/")]
        if (staff := User.objects.filter(username="bench.runner.staff").first())
        else []
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--queries", action="store_true")
    parser.add_argument("--only", default="")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--filter", default="")
    args = parser.parse_args()
    with open("/proc/loadavg") as f:
        print("loadavg", f.read().strip())
    from django.conf import settings
    from django.test.utils import override_settings

    # No collected static files here: plain storage (the manifest's lookup is a dict hit).
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    for name, user, url in pages():
        if args.only and args.only not in name:
            continue
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        client.cookies[settings.SESSION_COOKIE_NAME] = make_session(user)
        assert client.get(url).status_code == 200, name
        times, sql_times, cpu_times = [], [], []
        for _ in range(args.requests):
            spent = [0.0]

            def timed(execute, sql, params, many, context, spent=spent):
                began = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    spent[0] += time.perf_counter() - began

            start, cpu = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(timed):
                response = client.get(url)
            cpu_times.append((time.process_time() - cpu) * 1000)
            times.append((time.perf_counter() - start) * 1000)
            sql_times.append(spent[0] * 1000)
            assert response.status_code == 200, (name, response.status_code)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        print(
            f"{name:32} p50 {statistics.median(times):7.1f} ms  min {min(times):7.1f}  "
            f"SQL p50 {statistics.median(sql_times):6.1f} ms  "
            f"Python CPU p50 {statistics.median(cpu_times):6.1f} ms  "
            f"queries {len(ctx.captured_queries)}"
        )
        if args.queries:
            for q in ctx.captured_queries:
                print(f"    {q['time']:>6} {q['sql'][:220]}")
        if args.profile:
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(10):
                client.get(url)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(
                args.filter or None, 45
            )
            print(out.getvalue())


if __name__ == "__main__":
    main()

"""Median of N test-client requests per web page (DEBUG off), with the queries, bytes
and load average: for profiling one page at a time against a bench database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sp_gen_bench \\
        python bench/page_timing.py "home|coordinator" "case audit history"

Arguments: a page label (every role) or "label|role"; none, every web page. N=20 by
default; SQL=k prints the k slowest queries; PROF=1 a cProfile of one request."""

import cProfile
import logging
import os
import pstats
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panel.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(wanted: list[str]) -> None:
    import django

    django.setup()
    logging.disable(logging.INFO)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench import pages
    from bench.run import make_session, pick_users

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    users = pick_users()
    repeats = int(os.environ.get("N", "20"))
    for page in pages.WEB:
        for role in page.roles:
            key = f"{page.label}|{role}"
            if wanted and key not in wanted and page.label not in wanted:
                continue
            user = users.get(role)
            kwargs = page.kwargs(user) if user is not None else None
            if kwargs is None:
                continue
            url = reverse(page.url_name, kwargs=kwargs)
            if query := page.querystring(user):
                url += "?" + query
            client = Client()
            client.cookies[settings.SESSION_COOKIE_NAME] = make_session(user)
            client.get(url)
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            with open("/proc/loadavg") as f:
                load = f.read().split()[0]
            print(
                f"{key:45s} {response.status_code} median {statistics.median(times):7.1f} ms"
                f"  q={len(captured.captured_queries)} bytes={len(response.content)} load={load}"
            )
            if slowest := int(os.environ.get("SQL", "0")):
                queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
                for q in queries[:slowest]:
                    print("   ", q["time"], q["sql"][:3000])
            if os.environ.get("PROF"):
                profile = cProfile.Profile()
                profile.enable()
                client.get(url)
                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main(sys.argv[1:])

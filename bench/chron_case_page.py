"""How long the case page takes with a long history (issue 11: ~1,700 chronology entries).

Builds one fictional case with ``--entries`` chronology entries from every source
(referrals and triage, assessments, status changes, actions, action updates, held reviews,
notes) in the database DATABASE_URL names (``--build``), then renders its case page
``--runs`` times through Django's test client with DEBUG off and prints the median, the
size of the answer and the load average. Not a test: nothing is asserted.

    createdb -h 127.0.0.1 -U postgres sp_chron_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/sp_chron_bench
    .venv/bin/python bench/chron_case_page.py --build --entries 1700
    .venv/bin/python bench/chron_case_page.py --runs 20
    dropdb -h 127.0.0.1 -U postgres sp_chron_bench
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup() -> None:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ["DEBUG"] = "False"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault(
        "AUDIT_HMAC_KEYS", "bench:" + base64.b64encode(b"bench-only-key-32-bytes-long!!!!").decode()
    )
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panel.settings")
    import django

    django.setup()


def build(entries: int) -> int:
    """One case and its history, spread over three years: returns the case's pk."""
    from django.core.management import call_command
    from django.utils import timezone

    from cases.models import (
        Action,
        ActionUpdate,
        Case,
        CaseNote,
        CaseTransition,
        Review,
        RiskAssessment,
    )
    from tests.factories import AgencyFactory, coordinator, make_case

    call_command("migrate", verbosity=0)
    # A second case in the same database: the factories' names start past the first's.
    from tests.factories import ChildFactory, UserFactory

    offset = Case.objects.count() * 1000
    for made in (AgencyFactory, UserFactory, ChildFactory):
        made.reset_sequence(offset)
    from panel.models import User

    boss = User.objects.filter(username="bench-coordinator").first()
    boss = boss or coordinator(username="bench-coordinator")
    police = AgencyFactory(name=f"Bench police {timezone.now():%H%M%S%f}")
    case = make_case(coordinator_user=boss, agencies=[police])
    start = timezone.now() - dt.timedelta(days=3 * 365)
    step = dt.timedelta(days=3 * 365) / max(entries, 1)
    moments = iter(start + step * n for n in range(entries))
    share = {"action": 0.18, "update": 0.45, "note": 0.25, "assessment": 0.06, "review": 0.04}
    count = {kind: int(entries * part) for kind, part in share.items()}
    count["transition"] = max(0, entries - sum(count.values()) - 4)
    actions = Action.objects.bulk_create(
        Action(
            case=case, description=f"Fictional bench action {n}.", owning_agency=police,
            due_date=dt.date(2030, 1, 1), created_by=boss, status="done",
            completion_note="Fictional: done.", completed_at=timezone.now(),
        )
        for n in range(count["action"])
    )  # fmt: skip
    ActionUpdate.objects.bulk_create(
        ActionUpdate(
            action=actions[n % len(actions)], author=boss, created_at=next(moments),
            note=f"Fictional progress {n}.", action_version=n // len(actions) + 2,
        )
        for n in range(count["update"])
    )  # fmt: skip
    CaseNote.objects.bulk_create(
        CaseNote(case=case, author=boss, created_at=next(moments), text=f"Fictional note {n}.")
        for n in range(count["note"])
    )
    template = case.assessments.first()
    copies = []
    for _ in range(count["assessment"]):
        copy = RiskAssessment.objects.get(pk=template.pk)
        copy.pk, copy.submission_token, copy.assessed_at = None, None, next(moments)
        copies.append(copy)
    RiskAssessment.objects.bulk_create(copies)
    reviews = []
    for n in range(count["review"]):
        held = next(moments)
        reviews.append(
            Review(
                case=case, due_date=held.date(), status="held", held_on=held.date(),
                outcome=f"Fictional review {n}.", risk_level_after="medium", held_by=boss,
                recorded_at=held + dt.timedelta(days=n % 3),
            )
        )  # fmt: skip
    Review.objects.bulk_create(reviews)
    CaseTransition.objects.bulk_create(
        CaseTransition(
            case=case, from_status="open" if n % 2 else "closed",
            to_status="closed" if n % 2 else "open", at=next(moments), by=boss,
        )
        for n in range(count["transition"])
    )  # fmt: skip
    return case.pk


def measure(pk: int, runs: int) -> None:
    from django.contrib.auth.signals import user_logged_in
    from django.test import Client, override_settings

    from cases.models import Case
    from panel.mfa import mark_verified
    from panel.models import User

    case = Case.objects.get(pk=pk)
    client = Client()

    # Signed in as past the two-factor step, as the tests' force_login does.
    def verified(sender, request, user, **kwargs):
        mark_verified(request)

    user_logged_in.connect(verified, weak=False, dispatch_uid="bench-two-factor")
    client.force_login(User.objects.get(username="bench-coordinator"))
    user_logged_in.disconnect(dispatch_uid="bench-two-factor")
    url = f"/cases/{pk}/"
    plain = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES={**__import__("django.conf").conf.settings.STORAGES, **plain}):
        response = client.get(url, secure=True)
        assert response.status_code == 200, response.status_code
        times = []
        for _ in range(runs):
            begun = time.perf_counter()
            client.get(url, secure=True)
            times.append((time.perf_counter() - begun) * 1000)
    from cases.chronology import chronology

    print(f"case {case.reference}: {len(chronology(case))} chronology entries")
    print(
        f"case page: median {statistics.median(times):.0f} ms over {runs} "
        f"(min {min(times):.0f}, max {max(times):.0f}); {len(response.content) // 1024} KiB; "
        f"loadavg {Path('/proc/loadavg').read_text().strip()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--entries", type=int, default=1700)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--case", type=int, help="the case's pk (default: the latest case)")
    args = parser.parse_args()
    setup()
    if args.build:
        print(f"built case pk {build(args.entries)}")
        return
    from cases.models import Case

    measure(args.case or Case.objects.order_by("-pk").values_list("pk", flat=True)[0], args.runs)


if __name__ == "__main__":
    main()

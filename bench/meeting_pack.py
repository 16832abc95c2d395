"""How long a 40-case meeting pack takes to render, and how much memory it needs.

Builds a fictional meeting (40 cases on the agenda, each with notes, actions, an overdue
one among them, assessments and research returns from the member agencies; 12 member
agencies) in a scratch SQLite database that it migrates (or the database DATABASE_URL
names), renders the coordinator's pack once through the render task's own code
(meetings.documents.render.render_now), stamps one reader's copy, and prints the wall
times and peak memory. Not a test: no timing is asserted anywhere; the numbers are in the
README's "Running a panel meeting" section.

    .venv/bin/python bench/meeting_pack.py --cases 40 --out /tmp/pack.pdf
    pdftoppm -r 60 -png /tmp/pack.pdf /tmp/pack   # look at the pages

``--tracemalloc`` also reports the render's peak Python allocation (slower: run it apart
from the timed run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup(database: str | None, media: str) -> None:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    if database:
        os.environ["DATABASE_URL"] = database
    os.environ["MEDIA_ROOT"] = media
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panel.settings")
    import django

    django.setup()


def build(cases: int):
    """The meeting: a coordinator, 12 member agencies with representatives, ``cases`` cases
    on its agenda with what a pack summarises. Fictional names only."""
    from django.utils import timezone

    from cases import services
    from cases.models import Action
    from meetings.models import AgendaItem, Meeting, MeetingMember, ResearchReturn
    from panel.dates import london_today
    from panel.models import Agency
    from tests.factories import (
        AgencyFactory,
        UserFactory,
        coordinator,
        make_case,
        staffordshire,
    )

    area = staffordshire()
    boss = coordinator(area, first_name="Bench", last_name="Coordinator")
    kinds = [k for k, _ in Agency.Kind.choices]
    agencies = [
        AgencyFactory(name=f"Bench Agency {n:02d}", kind=kinds[n % len(kinds)]) for n in range(12)
    ]
    for agency in agencies:
        agency.areas.add(area)
    meeting = Meeting.objects.create(
        area=area,
        date=london_today() + dt.timedelta(days=7),
        start_time=dt.time(10, 0),
        venue="Bench Venue, Committee Room 2",
        police_chair=UserFactory(agency=agencies[0], first_name="Police", last_name="Chair"),
        local_authority_chair=UserFactory(agency=agencies[1], first_name="LA", last_name="Chair"),
        created_by=boss,
    )
    for n, agency in enumerate(agencies):
        MeetingMember.objects.create(
            meeting=meeting,
            agency=agency,
            representative=UserFactory(agency=agency, first_name="Rep", last_name=f"Bench-{n:02d}"),
        )
    now = timezone.now()
    for n in range(cases):
        involved = [agencies[n % 12], agencies[(n + 3) % 12], agencies[(n + 7) % 12]]
        case = make_case(area=area, agencies=involved, coordinator_user=boss)
        item = AgendaItem.objects.create(
            area=area,
            meeting=meeting,
            case=case,
            order=n + 1,
            added_by=boss,
            reason=["awaiting_panel", "review_due", "actions_overdue"][n % 3],
        )
        for k in range(3):
            services.add_note(
                boss,
                case=case,
                text=f"Fictional note {k + 1} for the benchmark: contact with the family, "
                "school attendance discussed, plan reviewed with the lead professional.",
            )
        for k, agency in enumerate([*involved, involved[0]]):
            action = services.add_action(
                boss,
                case=case,
                description=f"Fictional action {k + 1}: arrange a strategy conversation and "
                "share the outcome with the panel before the next review.",
                owning_agency=agency,
                due_date=london_today() + dt.timedelta(days=10 + k),
                four_p="protect",
            )
            if k == 0:  # one overdue action per case
                Action.objects.filter(pk=action.pk).update(
                    due_date=london_today() - dt.timedelta(days=4)
                )
        for agency in agencies[:6]:
            held = (n + agency.pk) % 2 == 0
            ResearchReturn.objects.create(
                item=item,
                agency=agency,
                outcome="held" if held else "nothing_held",
                summary="Fictional: known to the service, last contact three weeks ago."
                if held
                else "",
                recorded_by=boss,
                recorded_at=now,
            )
    return meeting, boss


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--database", help="a database URL (default: a scratch SQLite file)")
    parser.add_argument("--out", help="also write the stamped pack here (for pdftoppm)")
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="bench-meeting-pack-")
    database = args.database or f"sqlite:///{scratch}/bench.sqlite3"
    setup(database, f"{scratch}/files")

    from django.core.management import call_command

    started = time.perf_counter()
    if not args.database:
        call_command("migrate", verbosity=0)
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    meeting, boss = build(args.cases)
    print(f"built a {args.cases}-case meeting in {time.perf_counter() - started:.1f} s")

    from meetings import documents
    from meetings.documents import render
    from meetings.models import MeetingDocument

    documents._queue = lambda document_id: None  # rendered here, not sent to a worker
    document = documents.document_for(boss, meeting)
    # How much of the render is WeasyPrint (layout and PDF), the rest being the records
    # read and the HTML rendered.
    weasy = []
    real_html_to_pdf = render.html_to_pdf

    def timed_html_to_pdf(html: str) -> bytes:
        began = time.perf_counter()
        try:
            return real_html_to_pdf(html)
        finally:
            weasy.append(time.perf_counter() - began)

    render.html_to_pdf = timed_html_to_pdf
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_before = _cpu()
    if args.tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    assert render.render_now(document.pk) == "ready"
    rendered = time.perf_counter() - started
    cpu = _cpu() - cpu_before
    peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
    if args.tracemalloc:
        tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    document = MeetingDocument.objects.select_related("meeting__area").get(pk=document.pk)

    started = time.perf_counter()
    pdf = documents.stamped_pdf(document, boss)
    stamped = time.perf_counter() - started

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(
        f"render: {rendered:.2f} s wall ({cpu:.2f} s CPU) for {args.cases} cases, {pages} "
        f"pages, {len(pdf) / 1024:.0f} KiB; of which WeasyPrint {sum(weasy):.2f} s wall"
    )
    print(f"stamp (one reader's download): {stamped:.2f} s")
    print(
        f"peak RSS: {rss_before / 1024:.0f} MiB before the render, {rss_after / 1024:.0f} MiB after"
    )
    if peak is not None:
        print(f"tracemalloc peak during the render: {peak / 2**20:.0f} MiB")
    # Wall time on a shared machine is CPU time stretched by whatever else runs: say how busy.
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}; {os.cpu_count()} CPUs")
    if args.out:
        Path(args.out).write_bytes(pdf)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

"""Issue 10's browser journey, in Debian's Chromium through the real server and worker:
schedule a panel meeting, publish its agenda, record research, hold the meeting, approve
the minutes and download the pack, each step done by the person who does it.

- the coordinator keeps the area's standing members, schedules a meeting for today with
  both co-chairs, adds a named representative with no role (health), builds the agenda from
  the database (a case awaiting panel, an open case whose review falls due: late, with a
  reason, as the meeting is past its publish-by day) and publishes it;
- the representative opens their research list (identifying details only: no risk level,
  no link to a case) and records "information held" for one child, "nothing held" for the
  other; every page of the meeting their sub-navigation offers opens for them;
- the coordinator records attendance until the banner says quorate and the confidentiality
  statement as read, hears both cases (open the one awaiting panel; continue the open one,
  holding its review) and closes the meeting record, then drafts and circulates the minutes;
- the police co-chair (no panel role) reads every section and approves the minutes;
- the police member (the agency lead) reads only their case's section, makes their copy of
  the pack, which the real worker renders, and downloads it: it carries their name and
  only the case they may see ("1 other case" for the other).

The meeting is today, so nothing moves the server's clock. Every page visited is checked by
tests.browser.pages.check_page_both_widths (axe at zero violations at the desktop width and
at 375 px, no sideways scroll at 375 px, one current navigation item, a back link on
sub-pages).
Screenshots of each page go to $JOURNEY_SHOTS when it is set (to look at them)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from cases import services
from cases.models import Case, Review
from meetings.models import (
    CaseDecision,
    DocumentStatus,
    Meeting,
    MeetingDocument,
    MeetingStatus,
    MinutesStatus,
    ResearchReturn,
)
from meetings.tasks import render_document
from panel.dates import london_today
from panel.models import Agency
from tests.browser.pages import DESKTOP, PHONE_WIDTH, check_page_both_widths, sign_in
from tests.browser.world import make_world
from tests.factories import AgencyFactory, UserFactory, agency_lead, make_case
from tests.meetings.docs_helpers import pdf_pages, pdf_text, squash

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("JOURNEY_SHOTS", "")
HELD = "Fictional: known to the school nurse, two contacts in 2026 (browser journey)."


class Journey:
    """Page steps that check every page they land on (check_page, and axe again at 375 px:
    check_page_both_widths) and, with $JOURNEY_SHOTS set, keep screenshots of it."""

    def __init__(self, page: Page):
        self.page = page
        self.shot = 0

    def check(self, name: str = "") -> None:
        check_page_both_widths(self.page)
        if SHOTS:
            self.page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
            try:
                self._screenshot(f"{name}-phone")
            finally:
                self.page.set_viewport_size(DESKTOP)
            self._screenshot(name)

    def _screenshot(self, name: str) -> None:
        self.shot += 1
        slug = re.sub(r"[^a-z0-9]+", "-", (name or self.page.url).lower()).strip("-")
        folder = Path(SHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        # caret="initial": hiding the caret leaves style="" on every input, which htmx
        # then copies onto what it swaps in, and the page's CSP refuses.
        path = folder / f"{self.shot:02d}-{slug}.png"
        self.page.screenshot(path=path, full_page=True, caret="initial")

    def go(self, target: Locator, name: str = "") -> None:
        with self.page.expect_navigation(wait_until="load"):
            target.click()
        self.check(name)

    def follow(self, name: str, *, role: str = "link", shot: str = "") -> None:
        self.go(self.page.get_by_role(role, name=name, exact=True).first, shot or name)

    def nav(self, name: str) -> None:
        self.go(self.page.locator("nav[aria-label='Main']").get_by_role("link", name=name), name)

    def subnav(self, name: str) -> None:
        self.go(
            self.page.locator("nav[aria-label='This meeting']").get_by_role(
                "link", name=name, exact=True
            ),
            name,
        )

    def sign_in(self, user) -> None:
        self.page.context.clear_cookies()
        sign_in(self.page, user)


def rename_child(case: Case, first: str) -> Case:
    """The case's child with a name to find on the pages, and the details the research
    list shows."""
    child = case.child
    child.first_name = first
    child.last_name = "Journey-Test"
    child.known_as = first[:3]
    child.address = "2 Fictional Lane, Testtown"
    child.school_or_setting = "Fictional Academy"
    child.save()
    return case


def test_schedule_publish_research_hold_approve_and_download_the_pack(
    page: Page, server, worker, tmp_path
):
    world = make_world()
    area, police, health = world.area, world.police, world.health
    school = world.referrer.agency
    social_care = AgencyFactory(name="Browser Test Social Care", kind=Agency.Kind.SOCIAL_CARE)
    social_care.areas.add(area)
    la_chair = agency_lead(social_care, first_name="Lou", last_name="Lachair-Test")
    # The police co-chair: a police officer with no panel role (chairing gives them the
    # meeting); the police agency lead sits on the panel as the police member.
    police_chair = UserFactory(agency=police, first_name="Chris", last_name="Policechair-Test")
    # A member agency's named representative with no role at all.
    rep = UserFactory(agency=health, first_name="Remy", last_name="Representative-Test")

    # Awaiting panel, with the police as lead agency and the police lead as lead
    # professional (opening it needs both): the police co-chair may see it.
    awaiting = rename_child(
        make_case(
            area=area,
            agencies=[police, health],
            coordinator_user=world.coordinator,
            lead_professional=world.police_lead,
        ),
        "Alphachild",
    )
    # Open for five weeks (so its review falls due before the next meeting), with health
    # and social care involved: the police co-chair may not see it.
    weeks_ago = timezone.now() - dt.timedelta(days=35)
    open_case = make_case(
        area=area,
        agencies=[health, social_care],
        coordinator_user=world.coordinator,
        lead_professional=UserFactory(agency=health),
        now=weeks_ago - dt.timedelta(days=2),
    )
    open_case = services.transition_case(
        world.coordinator, case=open_case, to_status=Case.Status.OPEN, now=weeks_ago
    )
    rename_child(open_case, "Betachild")

    today = london_today()
    j = Journey(page)
    main = page.locator("main")

    # 1. The coordinator: standing members, the meeting, its members, the agenda.
    j.sign_in(world.coordinator)
    j.nav("Meetings")
    j.follow("Standing members of the Staffordshire panel")
    for agency, person in (
        (police, world.police_lead),
        (social_care, la_chair),
        (school, None),
    ):
        page.get_by_label("Agency").select_option(label=agency.name)
        if person is not None:
            page.get_by_label("Named representative (optional)").select_option(
                label=f"{person.get_full_name()} ({agency.name})"
            )
        j.go(page.get_by_role("button", name="Add the member"), "standing members")
    expect(main).to_contain_text("Pat Policelead-Test")
    expect(main).to_contain_text("Lou Lachair-Test")
    j.go(page.locator("a.govuk-back-link"), "meetings")

    j.follow("Schedule a meeting for Staffordshire")
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Start time").fill("09:30")
    page.get_by_label("Venue").fill("Browser Journey House, Room 4")
    page.get_by_label("Police co-chair (optional)").select_option(
        label=f"Chris Policechair-Test ({police.name})"
    )
    page.get_by_label("Local authority co-chair (optional)").select_option(
        label=f"Lou Lachair-Test ({social_care.name})"
    )
    j.go(page.get_by_role("button", name="Schedule the meeting"), "meeting scheduled")
    meeting = Meeting.objects.get()
    expect(page).to_have_url(re.compile(rf"/meetings/{meeting.pk}/$"))
    expect(main).to_contain_text("Browser Journey House, Room 4")
    expect(main).to_contain_text("Chris Policechair-Test")
    expect(main).to_contain_text("Pat Policelead-Test")
    expect(main).to_contain_text("Lou Lachair-Test")

    j.follow("Change this meeting's members")
    page.get_by_label("Agency").select_option(label=health.name)
    page.get_by_label("Named representative (optional)").select_option(
        label=f"Remy Representative-Test ({health.name})"
    )
    j.go(page.get_by_role("button", name="Add the member"), "meeting members")
    expect(main).to_contain_text("Remy Representative-Test")
    j.go(page.locator("a.govuk-back-link"), "meeting")
    assert meeting.members.count() == 4

    j.subnav("Agenda")
    j.follow("Build the agenda from the database")
    table = page.locator("table")
    expect(table).to_contain_text(awaiting.reference)
    expect(table).to_contain_text(open_case.reference)
    # A meeting today is past its publish-by day: what is added now is late, with a reason.
    page.get_by_label("Why these are added late").fill("Fictional: an extra meeting.")
    j.go(page.get_by_role("button", name="Add these to the agenda"), "agenda built")
    expect(page.locator(".app-agenda__item")).to_have_count(2)
    expect(page.locator(".app-agenda__item", has_text="Late")).to_have_count(2)
    j.follow("Publish the agenda")
    j.go(page.get_by_role("button", name="Publish the agenda"), "agenda published")
    expect(main).to_contain_text("Agenda published")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PUBLISHED

    # 2. The representative: the research list, and a return for each child.
    j.sign_in(rep)
    j.nav("Research lists")
    expect(page.locator("h1")).to_have_text("My research lists")
    j.follow(str(meeting))
    expect(page.locator("h1")).to_have_text("Research list")
    for case, first in ((awaiting, "Alphachild"), (open_case, "Betachild")):
        expect(main).to_contain_text(f"{first} Journey-Test")
        expect(main).to_contain_text(case.reference)
    expect(main).to_contain_text("Fictional Academy")
    expect(main).to_contain_text("2 Fictional Lane, Testtown")
    # Only what is needed to search: no risk level, no way to the case record.
    expect(main.locator(".app-risk-tag, .app-not-assessed")).to_have_count(0)
    expect(main).not_to_contain_text(re.compile(r"\brisk\b", re.IGNORECASE))
    expect(main.locator("a[href^='/cases/']")).to_have_count(0)

    j.follow("Record your return for Alphachild Journey-Test (known as Alp)", shot="return")
    page.get_by_role("radio", name="Information held").check()
    page.get_by_label("Summary of the information held").fill(HELD)
    j.go(page.get_by_role("button", name="Save the return"), "research list")
    j.follow("Record your return for Betachild Journey-Test (known as Bet)", shot="return")
    page.get_by_role("radio", name="Nothing held").check()
    j.go(page.get_by_role("button", name="Save the return"), "research list")
    expect(main).to_contain_text("Nothing held")
    expect(main).to_contain_text(HELD)
    # The meeting's other pages the sub-navigation offers them open (none is refused).
    links = page.locator("nav[aria-label='This meeting'] a")
    assert links.all_inner_texts() == [
        "Meeting",
        "Agenda",
        "Research list",
        "Attendance",
        "Minutes",
        "Meeting pack",
    ]
    for name, heading in (
        ("Agenda", "Agenda"),
        ("Attendance", "Attendance"),
        ("Minutes", "Minutes"),
        ("Meeting pack", "Meeting pack"),
        ("Meeting", "Meeting on"),
    ):
        j.subnav(name)
        expect(page.locator("h1")).to_contain_text(heading)
    expect(page.locator("#agenda-counts")).to_contain_text("0 cases you may see, 2 other cases")
    assert {(r.item.case_id, r.outcome) for r in ResearchReturn.objects.all()} == {
        (awaiting.pk, "held"),
        (open_case.pk, "nothing_held"),
    }

    # 3. The coordinator holds the meeting.
    j.sign_in(world.coordinator)
    j.nav("Meetings")
    j.go(page.locator("tr.app-meeting-row").get_by_role("link"), "meeting")
    j.subnav("Attendance")
    banner = page.locator("#quorum-banner")
    expect(banner).to_contain_text("Not quorate")
    for agency in (police, social_care, health, school):
        page.locator("fieldset", has_text=agency.name).get_by_label("Present", exact=True).check()
    expect(banner).to_contain_text("Quorate")
    expect(banner).not_to_contain_text("Not quorate")
    j.go(page.get_by_role("button", name="Save attendance"), "attendance saved")
    expect(page.locator("#quorum-banner")).to_contain_text("Quorate")
    page.get_by_label("The confidentiality statement was read to the meeting").check()
    page.get_by_label("Read to the meeting by").fill("Chris Policechair-Test")
    j.go(page.get_by_role("button", name="Record the statement as read"), "statement read")
    expect(main).to_contain_text("Read to the meeting by Chris Policechair-Test")

    j.subnav("At the meeting")
    expect(main).to_contain_text("Quorate")
    j.go(page.get_by_role("link", name=awaiting.reference), "hear awaiting")
    expect(page.locator("h1")).to_contain_text(awaiting.reference)
    expect(main).to_contain_text(HELD)  # the health representative's research return
    page.get_by_label("Open the case").check()
    page.get_by_label("Risk level confirmed").check()
    page.get_by_label("Reason for the decision").fill("Fictional: the threshold is met.")
    j.go(page.get_by_role("button", name="Record the decision"), "decision recorded")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Decision recorded")

    j.go(page.get_by_role("link", name=open_case.reference), "hear open")
    expect(main).to_contain_text("Nothing held")
    page.get_by_label("Continue with the plan").check()
    page.get_by_label("Risk level confirmed").check()
    page.get_by_label("Reason for the decision").fill("Fictional: the plan is working.")
    j.go(page.get_by_role("button", name="Record the decision"), "decision recorded")

    awaiting.refresh_from_db()
    assert awaiting.status == Case.Status.OPEN
    continued = CaseDecision.objects.get(case=open_case)
    assert continued.kind == "continue"
    assert continued.review.status == Review.Status.HELD
    assert continued.review.meeting_id == meeting.pk
    assert continued.review.held_on == today
    # Attended by the member agencies present that are involved in the case.
    assert set(continued.review.attending_agencies.all()) == {health, social_care}
    opened = CaseDecision.objects.get(case=awaiting)
    assert opened.kind == "open" and opened.state == "effective"

    j.follow("Close the meeting record")
    expect(main).to_contain_text("Every item on the agenda has been heard or discussed.")
    j.go(page.get_by_role("button", name="Mark the meeting held"), "meeting held")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD

    # 4. Minutes: drafted and circulated by the coordinator, approved by the police chair.
    j.subnav("Minutes")
    j.go(page.get_by_role("button", name="Build the draft minutes"), "minutes drafted")
    expect(page.get_by_role("heading", name=awaiting.reference)).to_be_visible()
    j.go(page.get_by_role("button", name="Circulate the minutes"), "minutes circulated")
    expect(main).to_contain_text("Minutes circulated")

    j.sign_in(police_chair)
    j.nav("Meetings")
    j.go(page.locator("tr.app-meeting-row").get_by_role("link"), "meeting")
    j.subnav("Minutes")
    # A co-chair reads every section.
    expect(page.get_by_role("heading", name=awaiting.reference)).to_be_visible()
    expect(page.get_by_role("heading", name=open_case.reference)).to_be_visible()
    j.go(page.get_by_role("button", name="Approve the minutes"), "minutes approved")
    expect(main).to_contain_text("Minutes approved")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.APPROVED
    assert meeting.minutes.status == MinutesStatus.APPROVED

    # 5. The police member (the agency lead): the approved minutes show only the case the
    # police are involved in, and so does their own copy of the pack, rendered by the real
    # worker.
    j.sign_in(world.police_lead)
    j.nav("Meetings")
    j.go(page.locator("tr.app-meeting-row").get_by_role("link"), "meeting")
    j.subnav("Minutes")
    expect(page.get_by_role("heading", name=awaiting.reference)).to_be_visible()
    expect(main).not_to_contain_text(open_case.reference)
    expect(main).not_to_contain_text("Betachild")
    j.subnav("Meeting pack")
    j.go(page.get_by_role("button", name="Make the meeting pack"), "pack being made")
    expect(page.locator("#pack-status")).to_contain_text("Your copy is being made")
    # The server queued it on the broker's default queue, which this run's worker does not
    # listen to; the task claims the row, so that copy does nothing when a worker reads it.
    document = MeetingDocument.objects.get(meeting=meeting, requested_by=world.police_lead)
    worker.run(render_document, document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    link = page.get_by_role("link", name=re.compile("Download the meeting pack"))
    expect(link).to_be_visible(timeout=10_000)  # htmx asks every 2 seconds
    j.check("pack ready")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"{meeting.reference}-pack.pdf"
    saved = tmp_path / "pack.pdf"
    download.save_as(saved)
    data = saved.read_bytes()
    text = pdf_text(data)
    # Their name on every page, and the marking.
    pages = [squash(p) for p in pdf_pages(data)]
    assert pages and all(squash("Prepared for Pat Policelead-Test") in p for p in pages)
    assert "OFFICIAL-SENSITIVE" in text
    assert awaiting.reference in text
    assert open_case.reference not in text
    assert "Betachild" not in text
    assert squash("1 other case") in text

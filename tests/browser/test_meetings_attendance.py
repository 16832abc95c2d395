"""At the meeting, in Chromium: the coordinator records attendance agency by agency and
watches the quorum banner change until the meeting is quorate (htmx saves each choice; the
form is also saved whole, as without JavaScript), adds an observer, and records the
confidentiality statement as read. Every page is checked by tests.browser.pages.check_page
(axe at zero violations, 375 px, back link)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from meetings.models import MeetingGuest, MeetingMember
from panel.models import Agency
from tests.browser.pages import DESKTOP, PHONE_WIDTH, axe_violations, check_page, sign_in, visit
from tests.browser.test_journeys import go
from tests.browser.world import make_world
from tests.factories import AgencyFactory
from tests.meetings.attendance_helpers import meeting_today, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_records_attendance_until_the_meeting_is_quorate(page: Page, server):
    world = make_world()
    social_care = AgencyFactory(name="Browser Test Social Care", kind=Agency.Kind.SOCIAL_CARE)
    meeting = meeting_today(area=world.area)
    seats = {
        "police": member(meeting, agency=world.police),
        "social care": member(meeting, agency=social_care),
        "health": member(meeting, agency=world.health),
        "school": member(meeting, agency=world.referrer.agency),
    }

    sign_in(page, world.coordinator)
    visit(page, f"/meetings/{meeting.pk}/attendance/")
    banner = page.locator("#quorum-banner")
    expect(banner).to_contain_text(
        "Not quorate: police, children's social care, health and education are not present. "
        "Decisions other than closures take effect and are marked to be ratified; closures "
        "wait for ratification."
    )

    # Each choice is saved as it is made, and the banner follows.
    def choose(agency: Agency, label: str) -> None:
        page.locator("fieldset", has_text=agency.name).get_by_label(label, exact=True).check()

    choose(world.police, "Present")
    expect(banner).to_contain_text(
        "Not quorate: children's social care, health and education are not present."
    )
    choose(world.health, "Present")
    choose(social_care, "Present")
    expect(banner).to_contain_text("Not quorate: education is not present.")
    choose(world.referrer.agency, "Apologies")
    expect(banner).to_contain_text("Not quorate: education is not present.")
    check_page(page)

    # The school's deputy came after all: saved with the whole form.
    choose(world.referrer.agency, "Present")
    expect(banner).to_contain_text("Quorate")
    expect(banner).not_to_contain_text("Not quorate")
    page.get_by_label(
        f"Attended by (a deputy, if not the named representative) for {world.referrer.agency.name}"
    ).fill("Dee Deputy-Test")
    go(page, page.get_by_role("button", name="Save attendance"))
    expect(page.locator("#quorum-banner")).to_contain_text("Quorate")
    assert set(meeting.members.values_list("attendance", flat=True)) == {"present"}
    assert MeetingMember.objects.get(pk=seats["school"].pk).attended_by == "Dee Deputy-Test"

    # An observer, with their organisation.
    page.get_by_label("Name", exact=True).fill("Obi Observer-Test")
    page.get_by_label("Organisation", exact=True).fill("Browser Test Trust")
    page.get_by_label("Observer", exact=True).check()
    go(page, page.get_by_role("button", name="Add to the meeting"))
    expect(page.locator("#guests ~ ul").first).to_contain_text(
        "Obi Observer-Test, Browser Test Trust (observer)"
    )
    assert MeetingGuest.objects.filter(meeting=meeting, kind="observer").exists()

    # The confidentiality statement, read by the chair.
    page.get_by_label("The confidentiality statement was read to the meeting").check()
    page.get_by_label("Read to the meeting by").fill("Chair Person-Test")
    go(page, page.get_by_role("button", name="Record the statement as read"))
    expect(page.locator("main")).to_contain_text("Read to the meeting by Chair Person-Test")
    meeting.refresh_from_db()
    assert meeting.confidentiality_read

    # At a phone's width too, axe finds nothing on the finished page.
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    assert axe_violations(page) == []
    page.set_viewport_size(DESKTOP)

    # The declarations page is reached from here.
    go(page, page.get_by_role("link", name="Declarations of interest in the cases on the agenda"))
    expect(page.locator("h1")).to_have_text("Declarations of interest")

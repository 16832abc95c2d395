"""Scheduling a panel meeting, walked in Chromium by a coordinator: the standing members
kept, the meeting scheduled from the meetings list, seen in the list and on its page, its
members' page and the cancel form. Every page is checked by tests.browser.pages.check_page
(axe at zero violations, no sideways scroll at 375 px, one current navigation item, a back
link on sub-pages)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from meetings.models import Meeting
from panel.dates import london_today
from tests.browser.pages import sign_in
from tests.browser.test_journeys import follow, go, nav
from tests.browser.world import make_world
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_schedules_a_meeting_and_sees_it_listed_and_on_its_page(page: Page, server):
    world = make_world()
    UserFactory(agency=world.police, first_name="Rita", last_name="Policerep-Test")
    day = london_today().replace(day=1).replace(year=london_today().year + 1)

    sign_in(page, world.coordinator)
    nav(page, "Meetings")
    expect(page.locator("main")).to_contain_text("No meetings yet.")

    # The area's standing members: the police with a named representative (not its lead).
    follow(page, "Standing members of the Staffordshire panel")
    page.get_by_label("Agency").select_option(label=world.police.name)
    page.get_by_label("Named representative (optional)").select_option(
        label=f"Rita Policerep-Test ({world.police.name})"
    )
    go(page, page.get_by_role("button", name="Add the member"))
    expect(page.locator("main")).to_contain_text("Rita Policerep-Test")
    go(page, page.locator("a.govuk-back-link"))

    follow(page, "Schedule a meeting for Staffordshire")
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Start time").fill("10am")
    page.get_by_label("Venue").fill("Browser Test Venue, Room 2")
    go(page, page.get_by_role("button", name="Schedule the meeting"))

    meeting = Meeting.objects.get()
    expect(page).to_have_url(re.compile(rf"/meetings/{meeting.pk}/$"))
    main = page.locator("main")
    expect(main).to_contain_text("Browser Test Venue, Room 2")
    expect(main).to_contain_text("Rita Policerep-Test")
    expect(main).to_contain_text("0 cases you may see")
    expect(page.get_by_role("link", name="Download calendar file (.ics)")).to_be_visible()

    follow(page, "Change date, time, place or chairs")
    go(page, page.locator("a.govuk-back-link"))
    follow(page, "Change this meeting's members")
    expect(page.locator("main")).to_contain_text(world.police.name)
    go(page, page.locator("a.govuk-back-link"))
    follow(page, "Cancel the meeting")
    go(page, page.locator("a.govuk-back-link"))

    nav(page, "Meetings")
    row = page.locator("tr.app-meeting-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Browser Test Venue, Room 2")
    expect(row).to_contain_text("Scheduled")

"""The agenda in Chromium: a coordinator builds it from the database, reorders it, adds
general business and publishes it; an agency lead sees only their own case's reference.
Every page is checked by tests.browser.pages.check_page_both_widths: axe at desktop width
and at 375 px, no sideways scrolling at 375 px, one current navigation item, a back link."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from meetings.models import MeetingStatus
from notifications.models import Notification
from panel.dates import london_today
from tests.browser.pages import check_page_both_widths, sign_in
from tests.browser.world import make_world
from tests.factories import MeetingFactory, MeetingMemberFactory, make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def go(page: Page, target) -> None:
    with page.expect_navigation(wait_until="load"):
        target.click()
    check_page_both_widths(page)


def test_a_coordinator_builds_and_publishes_an_agenda(page: Page, server):
    world = make_world()
    meeting = MeetingFactory(
        area=world.area,
        created_by=world.coordinator,
        date=london_today() + dt.timedelta(days=21),
    )
    MeetingMemberFactory(meeting=meeting, agency=world.health)
    police_case = make_case(
        area=world.area, coordinator_user=world.coordinator, agencies=[world.police]
    )
    health_case = make_case(
        area=world.area, coordinator_user=world.coordinator, agencies=[world.health]
    )

    sign_in(page, world.coordinator)
    page.goto(f"/meetings/{meeting.pk}/agenda/")
    check_page_both_widths(page)
    expect(page.locator("main")).to_contain_text("Nothing is on the agenda yet")

    go(page, page.get_by_role("link", name="Build the agenda from the database"))
    expect(page.locator("table")).to_contain_text(police_case.reference)
    expect(page.locator("table")).to_contain_text("Awaiting panel")
    go(page, page.get_by_role("button", name="Add these to the agenda"))
    items = page.locator(".app-agenda__item")
    expect(items).to_have_count(2)

    # The second item up: no JavaScript, a button per move.
    second = items.nth(1).locator("h2 a").inner_text()
    go(page, items.nth(1).get_by_role("button", name="Move up"))
    expect(page.locator(".app-agenda__item").first).to_contain_text(second)

    go(page, page.get_by_role("link", name="Add general business"))
    page.get_by_label("Title").fill("Training update")
    go(page, page.get_by_role("button", name="Add to the agenda"))
    expect(page.locator(".app-agenda__item")).to_have_count(3)

    go(page, page.get_by_role("link", name="Publish the agenda"))
    go(page, page.get_by_role("button", name="Publish the agenda"))
    expect(page.locator("main")).to_contain_text("Agenda published")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PUBLISHED
    assert Notification.objects.filter(recipient=world.health_lead).exists()

    # The health lead sees their case's reference, and the other case only as a count.
    page.context.clear_cookies()
    sign_in(page, world.health_lead)
    page.goto(f"/meetings/{meeting.pk}/agenda/")
    check_page_both_widths(page)
    main = page.locator("main")
    expect(main).to_contain_text(health_case.reference)
    expect(main).not_to_contain_text(police_case.reference)
    expect(main).to_contain_text("1 other case")

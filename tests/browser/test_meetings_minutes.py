"""Minutes in the browser: a coordinator builds the draft from the meeting's record, edits a
section and circulates it; a co-chair approves it. Every page visited is checked by
tests.browser.pages.check_page_both_widths (axe at zero violations at desktop width and at
375 px, no sideways scroll, one current navigation item, a back link)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from meetings.models import MeetingStatus, MinutesStatus
from tests.browser.pages import check_page_both_widths, sign_in
from tests.factories import matrix_tool, with_authenticator
from tests.meetings.minutes_helpers import case_item, decide, held_meeting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def go(page: Page, target) -> None:
    with page.expect_navigation(wait_until="load"):
        target.click()
    check_page_both_widths(page)


def test_a_coordinator_drafts_edits_and_circulates_and_a_chair_approves(page: Page, server):
    matrix_tool()
    world = held_meeting()
    with_authenticator(world.coordinator)
    item = case_item(world, agencies=[world.police])
    decide(world, item, reason="Fictional: the plan is working.")
    reference = item.case.reference
    minutes_path = f"/meetings/{world.meeting.pk}/minutes/"

    sign_in(page, world.coordinator)
    page.goto(minutes_path)
    check_page_both_widths(page)
    go(page, page.get_by_role("button", name="Build the draft minutes"))
    expect(page.get_by_role("heading", name=reference)).to_be_visible()
    expect(page.get_by_text("Decision: Continue with the plan.")).to_be_visible()

    go(page, page.get_by_role("link", name=f"Edit section {reference}"))
    page.get_by_label("Section text").fill("Fictional: the panel agreed to continue.")
    go(page, page.get_by_role("button", name="Save the section"))
    expect(page.get_by_text("Fictional: the panel agreed to continue.")).to_be_visible()

    go(page, page.get_by_role("button", name="Circulate the minutes"))
    expect(page.get_by_text("Minutes circulated to those who attended.")).to_be_visible()
    world.meeting.refresh_from_db()
    assert world.meeting.minutes.status == MinutesStatus.CIRCULATED

    page.context.clear_cookies()
    sign_in(page, world.police_chair)
    page.goto(minutes_path)
    check_page_both_widths(page)
    go(page, page.get_by_role("button", name="Approve the minutes"))
    expect(page.get_by_text("Minutes approved. They are now locked.")).to_be_visible()
    go(page, page.get_by_role("link", name="Add an addendum"))
    page.get_by_label("Which part does it correct?").select_option(label=reference)
    page.get_by_label("Correction").fill("Fictional: a date corrected.")
    go(page, page.get_by_role("button", name="Add the addendum"))
    expect(page.get_by_text("Fictional: a date corrected.")).to_be_visible()

    world.meeting.refresh_from_db()
    assert world.meeting.status == MeetingStatus.APPROVED

"""At the meeting, in Debian's Chromium: the coordinator opens the cases to hear, hears one,
records "continue with the plan" (its review is held at the meeting), and looks at closing
the meeting record and the ratification page. Every page: axe-core finds nothing, at the
desktop width and at 375 px, and it does not scroll sideways on a phone."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from cases.models import Review
from meetings.models import CaseDecision
from tests.browser.pages import (
    DESKTOP,
    PHONE_WIDTH,
    axe_violations,
    scroll_width_at_phone_width,
    sign_in,
)
from tests.factories import matrix_tool, with_authenticator
from tests.meetings.hearing_helpers import panel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page: Page) -> None:
    """check_page's accessibility checks, at the desktop width and at 375 px. (Its
    navigation check needs the "Meetings" item of the header, which the scheduling part
    adds; once merged, check_page can be used as it is.)"""
    page.wait_for_load_state("load")
    problems = [f"axe: {line}" for line in axe_violations(page)]
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    try:
        problems += [f"axe at {PHONE_WIDTH} px: {line}" for line in axe_violations(page)]
    finally:
        page.set_viewport_size(DESKTOP)
    width, wide = scroll_width_at_phone_width(page)
    if width > PHONE_WIDTH:
        problems.append(f"scrolls sideways at {PHONE_WIDTH} px: {width} px wide; {wide}")
    if not page.locator("a.govuk-back-link").count():
        problems.append("sub-page without a back link")
    assert not problems, f"{urlsplit(page.url).path}:\n  " + "\n  ".join(problems)


def test_a_coordinator_hears_a_case_and_continues_it_with_the_review_held(page: Page, server):
    matrix_tool()
    p = panel()
    with_authenticator(p.coordinator)
    case = p.case(agencies=("police", "health"))
    p.item(case)
    waiting = p.case()
    p.item(waiting)

    sign_in(page, p.coordinator)
    page.goto(f"/meetings/{p.meeting.pk}/hearing/")
    check(page)
    expect(page.locator("main")).to_contain_text("Quorate")

    page.get_by_role("link", name=case.reference).click()
    page.wait_for_load_state("load")
    check(page)
    expect(page.locator("h1")).to_contain_text(case.reference)

    page.get_by_label("Continue with the plan").check()
    page.get_by_label("Risk level confirmed").check()
    page.get_by_label("Reason for the decision").fill("The plan is working (browser test).")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_url(f"**/meetings/{p.meeting.pk}/hearing/")
    check(page)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Decision recorded")

    decision = CaseDecision.objects.get(case=case)
    assert decision.kind == "continue"
    assert decision.review.status == Review.Status.HELD
    assert decision.review.meeting_id == p.meeting.pk
    assert decision.review.held_on == p.meeting.date

    page.get_by_role("link", name="Close the meeting record").click()
    page.wait_for_load_state("load")
    check(page)
    expect(page.locator("main")).to_contain_text(waiting.reference)

    page.goto(f"/meetings/{p.meeting.pk}/ratify/")
    check(page)


def test_a_coordinator_minutes_general_business_as_discussed(page: Page, server):
    from meetings.models import AgendaItem

    p = panel()
    with_authenticator(p.coordinator)
    item = AgendaItem.objects.create(
        area=p.area,
        meeting=p.meeting,
        kind="general",
        title="Hotspot update (browser test)",
        added_by=p.coordinator,
    )

    sign_in(page, p.coordinator)
    page.goto(f"/meetings/{p.meeting.pk}/hearing/")
    check(page)
    page.get_by_label("What was said, for the minutes (optional)").fill(
        "Members to check their records for two locations (browser test)."
    )
    page.get_by_role("button", name="Mark as discussed").click()
    page.wait_for_url(f"**/meetings/{p.meeting.pk}/hearing/")
    check(page)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("minuted as discussed")
    expect(page.locator(".govuk-summary-card")).to_contain_text("Discussed")

    item.refresh_from_db()
    assert item.status == "heard"
    assert item.note == "Members to check their records for two locations (browser test)."

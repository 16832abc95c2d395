"""At the meeting, in Debian's Chromium: the coordinator opens the cases to hear, hears one,
records "continue with the plan" (its review is held at the meeting), and looks at closing
the meeting record and the ratification page. Every page is checked by
tests.browser.pages.check_page_both_widths: axe-core finds nothing at the desktop width
and at 375 px, no sideways scroll on a phone, one current navigation item, a back link."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from cases.models import Review
from meetings.models import CaseDecision
from tests.browser.pages import check_page_both_widths, sign_in
from tests.factories import matrix_tool, with_authenticator
from tests.meetings.hearing_helpers import panel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    check_page_both_widths(page)
    expect(page.locator("main")).to_contain_text("Quorate")

    page.get_by_role("link", name=case.reference).click()
    page.wait_for_load_state("load")
    check_page_both_widths(page)
    expect(page.locator("h1")).to_contain_text(case.reference)

    page.get_by_label("Continue with the plan").check()
    page.get_by_label("Risk level confirmed").check()
    page.get_by_label("Reason for the decision").fill("The plan is working (browser test).")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_url(f"**/meetings/{p.meeting.pk}/hearing/")
    check_page_both_widths(page)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Decision recorded")

    decision = CaseDecision.objects.get(case=case)
    assert decision.kind == "continue"
    assert decision.review.status == Review.Status.HELD
    assert decision.review.meeting_id == p.meeting.pk
    assert decision.review.held_on == p.meeting.date

    page.get_by_role("link", name="Close the meeting record").click()
    page.wait_for_load_state("load")
    check_page_both_widths(page)
    expect(page.locator("main")).to_contain_text(waiting.reference)

    page.goto(f"/meetings/{p.meeting.pk}/ratify/")
    check_page_both_widths(page)


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
    check_page_both_widths(page)
    page.get_by_label("What was said, for the minutes (optional)").fill(
        "Members to check their records for two locations (browser test)."
    )
    page.get_by_role("button", name="Mark as discussed").click()
    page.wait_for_url(f"**/meetings/{p.meeting.pk}/hearing/")
    check_page_both_widths(page)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("minuted as discussed")
    expect(page.locator(".govuk-summary-card")).to_contain_text("Discussed")

    item.refresh_from_db()
    assert item.status == "heard"
    assert item.note == "Members to check their records for two locations (browser test)."

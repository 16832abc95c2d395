"""The research list, walked in Chromium: a member agency's named representative (no role
at all, so no second factor: panel/mfa.py asks it of coordinators, auditors and staff)
opens My research lists, then the meeting's list, and records "information held" for one
child and "nothing held" for the other. Every page is checked by check_page (axe at zero
violations, no sideways scroll at 375 px, one current navigation item, a back link)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from meetings.models import ResearchReturn
from tests.browser.pages import DESKTOP, PHONE_WIDTH, axe_violations, sign_in
from tests.browser.test_journeys import follow, go, nav
from tests.factories import ChildFactory, make_case
from tests.meetings.research_helpers import entry, published_meeting, representative

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = "Fictional: known to the youth service, two contacts in 2026 (browser test)."


def child_on_agenda(meeting, first_name: str):
    case = make_case(area=meeting.area)
    child = ChildFactory(
        area=meeting.area,
        first_name=first_name,
        last_name="Research-Test",
        known_as=first_name[:3],
        address="1 Fictional Road, Testtown",
        school_or_setting="Fictional High School",
    )
    case.child = child
    case.save(update_fields=["child"])
    return entry(meeting, case=case)


def test_a_representative_records_information_held_and_nothing_held(page: Page, server):
    meeting = published_meeting()
    rep = representative(meeting, first_name="Lima", last_name="Representative-Test")
    first = child_on_agenda(meeting, "Alphachild")
    second = child_on_agenda(meeting, "Betachild")

    sign_in(page, rep)
    nav(page, "Research lists")
    expect(page.locator("h1")).to_have_text("My research lists")
    expect(page.locator("main")).to_contain_text(str(meeting))
    follow(page, str(meeting))
    expect(page.locator("h1")).to_have_text("Research list")
    main = page.locator("main")
    expect(main).to_contain_text("Alphachild Research-Test")
    expect(main).to_contain_text("Fictional High School")
    expect(main).to_contain_text(first.case.reference)
    expect(main.locator("a[href^='/cases/']")).to_have_count(0)

    # Information held: a summary is needed.
    go(page, page.get_by_role("link", name="Record your return for Alphachild Research-Test"))
    page.get_by_role("radio", name="Information held").check()
    go(page, page.get_by_role("button", name="Save the return"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a short summary")
    page.get_by_label("Summary of the information held").fill(SUMMARY)
    go(page, page.get_by_role("button", name="Save the return"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(first.case.reference)

    # Nothing held.
    go(page, page.get_by_role("link", name="Record your return for Betachild Research-Test"))
    page.get_by_role("radio", name="Nothing held").check()
    go(page, page.get_by_role("button", name="Save the return"))
    expect(page.locator("main")).to_contain_text("Nothing held")
    expect(page.locator("main")).to_contain_text(SUMMARY)

    # axe at a phone's width too (check_page runs it at the desktop's).
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    try:
        assert axe_violations(page) == []
        go(page, page.get_by_role("link", name="Change your return for Betachild Research-Test"))
        assert axe_violations(page) == []
    finally:
        page.set_viewport_size(DESKTOP)

    returns = {r.item_id: (r.agency_id, r.outcome) for r in ResearchReturn.objects.all()}
    assert returns == {
        first.pk: (rep.agency_id, "held"),
        second.pk: (rep.agency_id, "nothing_held"),
    }

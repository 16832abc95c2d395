"""The home page as each role's work queue, in Chromium: the coordinator's, the agency
lead's, the auditor's and the referrer's, each checked at the desktop's width and at 375 px
(axe at zero violations, no sideways scroll). The coordinator follows a figure to its list
and finds the same count there."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cases import services
from panel.dates import london_today
from tests.browser.pages import DESKTOP, PHONE_WIDTH, check_page_both_widths, sign_in
from tests.browser.test_journeys import go
from tests.browser.world import make_world, open_case_with_action, referral_for
from tests.factories import ChildFactory, make_referral
from tests.meetings.research_helpers import entry, published_meeting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = str(Path(tempfile.gettempdir()) / "dashboards-{}-{}.png")


def screenshots(page: Page, name: str) -> None:
    """The page at both widths, for a person to look at."""
    page.screenshot(path=SHOTS.format(name, "desktop"), full_page=True)
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    try:
        page.screenshot(path=SHOTS.format(name, "phone"), full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)


@pytest.fixture
def world():
    world = make_world()
    case, _action = open_case_with_action(world, due=london_today() + dt.timedelta(days=3))
    services.add_action(
        world.coordinator,
        case=case,
        description="Fictional: share the school's attendance record.",
        owning_agency=world.health,
        due_date=london_today() - dt.timedelta(days=4),
        confirm_past_due=True,
    )
    referral_for(
        world, ChildFactory(area=world.area, first_name="Charlie", last_name="Testchild-03")
    )
    make_referral(
        by=world.referrer,
        child=ChildFactory(area=world.area, first_name="Delta", last_name="Testchild-04"),
        immediate_risk=True,
        police_contacted_at=dt.datetime.now(dt.UTC),
        police_contacted_by="Fictional officer",
        police_incident_number="TEST-0042",
    )
    meeting = published_meeting(area=world.area, days_from_today=5)
    entry(meeting, case=case)
    return world


def test_a_coordinator_follows_a_figure_to_the_list_with_the_same_count(page: Page, server, world):
    sign_in(page, world.coordinator)
    main = page.locator("main")
    expect(main.locator("h2").first).to_have_text("Your panel\u2019s work")
    expect(main).to_contain_text("If a child is in immediate danger")
    expect(page.locator(".app-corner-panel")).to_contain_text("Who to call")
    check_page_both_widths(page)
    screenshots(page, "coordinator")

    overdue = page.locator("[data-figure='actions_overdue']")
    count = overdue.get_attribute("data-count")
    assert count == "1"
    go(page, overdue)
    expect(page.locator("h1")).to_have_text("My work")
    expect(page.locator("caption").first).to_have_text(f"{count} action")
    check_page_both_widths(page)

    page.goto("/")
    immediate = page.locator("[data-figure='triage_immediate']")
    assert immediate.get_attribute("data-count") == "1"
    go(page, immediate)
    expect(page.locator("caption").first).to_have_text("1 awaiting triage at immediate risk")
    check_page_both_widths(page)


def test_an_agency_lead_sees_their_agencys_work(page: Page, server, world):
    sign_in(page, world.police_lead)
    expect(page.locator("main h2").first).to_have_text("Your agency\u2019s work")
    expect(page.locator("[data-figure='lead_actions_soon']")).to_have_attribute("data-count", "1")
    check_page_both_widths(page)
    screenshots(page, "agency-lead")


def test_an_auditor_sees_the_trail_and_its_chain_status(page: Page, server, world):
    sign_in(page, world.auditor)
    expect(page.locator("main h2").first).to_have_text("The audit trail")
    expect(page.locator("#chain-status")).to_contain_text("Never verified")
    check_page_both_widths(page)
    screenshots(page, "auditor")


def test_a_referrer_sees_who_to_call_first_and_their_referrals(page: Page, server, world):
    sign_in(page, world.referrer)
    main = page.locator("main")
    expect(main.locator("h2").first).to_have_text("Who to call")
    expect(main).to_contain_text("0800 1313 126")
    expect(page.locator(".app-corner-panel")).to_have_count(0)
    expect(page.locator("[data-figure='referrals_made']")).to_have_attribute("data-count", "3")
    expect(main).to_contain_text("Delta Testchild-04")
    check_page_both_widths(page)
    screenshots(page, "referrer")

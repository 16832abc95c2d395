"""The partnership report in Chromium: a coordinator opens Reports from the navigation,
picks the previous quarter and reads its charts, tables and summaries; an auditor sees every
area with totals and picks one. Every page is checked at both widths (axe at zero
violations, no sideways scroll at 375 px, the content security policy: no inline styles)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cases.models import Action
from tests.browser.pages import DESKTOP, PHONE_WIDTH, check_page_both_widths, sign_in
from tests.browser.test_journeys import go, nav
from tests.factories import AgencyFactory, auditor, coordinator, stoke, with_authenticator
from tests.reports.world import World, london

# Screenshots to look at (the charts at both widths).
SHOTS = Path(tempfile.gettempdir())

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def quarter_of_referrals(world: World) -> None:
    """Referrals, hearings, closures and actions in Q2 2026/27 and a few in Q1."""
    school = AgencyFactory(kind="education", name="Test School 001")
    for day in range(1, 12):
        at = london(2026, 7 + day % 3, day)
        child = world.child(born=dt.date(2008 + day % 8, 3, day), ethnicity_code="white_british")
        referral = world.accepted(
            at, child=child, risk="low", closed=at + dt.timedelta(days=40), reason="risk_reduced"
        )
        world.assessment(at, "high" if day % 2 else None, referral=referral)
        world.decision(world.meeting(at.date() + dt.timedelta(days=6 + day)), referral.case)
        world.action(
            referral.case,
            at.date() + dt.timedelta(days=10),
            done=at + dt.timedelta(days=10 + day % 3),
            four_p=Action.FourP.PROTECT if day % 2 else "",
        )
        world.referral(at, agency=school, triaged_at=at + dt.timedelta(hours=3 + 9 * day))
    for day in range(1, 5):
        world.referral(london(2026, 5, day), triaged_at=london(2026, 5, day + 2))


def test_a_coordinator_reads_the_previous_quarter(page: Page, server):
    world = World()
    quarter_of_referrals(world)
    user = coordinator(world.area)
    with_authenticator(user)
    sign_in(page, user)
    nav(page, "Reports")
    check_page_both_widths(page)
    expect(page.locator("h1")).to_contain_text("Partnership report")
    page.get_by_label("Financial quarter").select_option("2026-Q2")
    go(page, page.get_by_role("button", name="Show the report"))
    check_page_both_widths(page)
    expect(page.locator("h1")).to_have_text("Partnership report: Q2 2026/27")
    section = page.locator("#referrals-by-agency-kind")
    expect(section.locator("svg[role='img'] title")).to_have_text("Referrals by referring agency")
    expect(section.locator("tbody tr").filter(has_text="Education")).to_contain_text("11")
    expect(section.locator(".app-report-section__summary")).to_contain_text(
        "22 referrals in Q2 2026/27, against 4 in Q1 2026/27"
    )
    expect(page.locator("#time-to-triage tbody")).to_contain_text("Median (days)")
    expect(page.locator("#risk-entry-closure tbody")).to_contain_text("Not assessed")
    expect(page.locator("svg.app-chart")).to_have_count(17)
    page.screenshot(path=SHOTS / "reports-coordinator-desktop.png", full_page=True)
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    page.screenshot(path=SHOTS / "reports-coordinator-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)

    # A custom period with its end before its start: a GOV.UK error, no report.
    page.get_by_text("Choose your own dates instead").click()
    page.get_by_label("Or from").fill("2026-08-01")
    page.get_by_label("To", exact=True).fill("2026-07-01")
    go(page, page.get_by_role("button", name="Show the report"))
    check_page_both_widths(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The end date must be on or after the start date."
    )


def test_an_auditor_sees_each_area_with_totals(page: Page, server):
    world = World()
    other = World(area=stoke(), agency=world.agency)
    for day in (1, 2, 3):
        world.referral(london(2026, 8, day))
    other.referral(london(2026, 8, 4))
    user = auditor()
    with_authenticator(user)
    sign_in(page, user)
    nav(page, "Reports")
    page.get_by_label("Financial quarter").select_option("2026-Q2")
    go(page, page.get_by_role("button", name="Show the report"))
    check_page_both_widths(page)
    by_area = page.locator("#by-area")
    expect(by_area.locator("tbody tr").filter(has_text="Staffordshire")).to_contain_text("3")
    expect(by_area.locator("tfoot")).to_contain_text("Total")
    expect(by_area.locator("tfoot td").first).to_have_text("4")
    page.screenshot(path=SHOTS / "reports-auditor-desktop.png", full_page=True)
    page.get_by_label("Area", exact=True).select_option(label="Stoke-on-Trent")
    go(page, page.get_by_role("button", name="Show the report"))
    check_page_both_widths(page)
    expect(page.locator(".govuk-caption-l")).to_have_text("Stoke-on-Trent")
    expect(page.locator("#by-area")).to_have_count(0)

"""The case list, walked in Chromium: a coordinator filters by risk level and age band,
sorts by a column heading, and pages through, with the filters and the order kept. Each
page is checked at both widths (axe at zero violations, no sideways scroll at 375 px: the
table scrolls inside its own container)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from cases.models import Case, Child
from tests.browser.pages import PHONE_WIDTH, check_page_both_widths, sign_in
from tests.browser.test_journeys import go, nav
from tests.browser.world import make_world
from tests.cases.test_case_list import more_cases
from tests.factories import make_case, years_ago

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_filters_sorts_and_pages_the_case_list(page: Page, server, tmp_path):
    world = make_world()
    first = make_case(
        area=world.area,
        agencies=[world.police],
        coordinator_user=world.coordinator,
        lead_professional=world.police_lead,
    )
    # 130 more: high, medium and low risk in turn, children of 15 to 16.
    more_cases(first, 130, world.police)
    younger = make_case(area=world.area, coordinator_user=world.coordinator)
    Child.objects.filter(pk=younger.child_id).update(date_of_birth=years_ago(12))
    Case.objects.filter(pk=younger.pk).update(risk_level="high")
    Case.objects.filter(pk=first.pk).update(risk_level="high")

    sign_in(page, world.coordinator)
    nav(page, "Cases")
    expect(page.locator("h1")).to_have_text("Cases")
    expect(page.locator("#case-count")).to_have_text("Showing 1 to 50 of 132 cases")
    check_page_both_widths(page)

    page.get_by_label("Risk level").select_option("high")
    page.get_by_label("Age band").select_option("16_17")
    go(page, page.get_by_role("button", name="Filter"))
    params = parse_qs(urlsplit(page.url).query)
    assert params["risk"] == ["high"] and params["age_band"] == ["16_17"]
    high_teens = [
        case
        for case in Case.objects.filter(risk_level="high").select_related("child")
        if 16 <= case.child.age() <= 17
    ]
    assert younger.pk not in {case.pk for case in high_teens}
    total = len(high_teens)
    assert total > 1
    expect(page.locator("#case-count")).to_have_text(
        f"Showing 1 to {min(total, 50)} of {total} cases"
    )
    expect(page.locator("main table")).not_to_contain_text(younger.reference)
    check_page_both_widths(page)

    # Sort by reference, then the other way: the heading says which.
    reference = page.get_by_role("columnheader", name="Reference")
    expect(reference).to_have_attribute("aria-sort", "none")
    go(page, reference.get_by_role("link"))
    reference = page.get_by_role("columnheader", name="Reference")
    expect(reference).to_have_attribute("aria-sort", "ascending")
    in_order = sorted(case.reference for case in high_teens)
    rows = page.locator("main table tbody tr th a")
    expect(rows.first).to_have_text(in_order[0])
    go(page, reference.get_by_role("link"))
    expect(page.get_by_role("columnheader", name="Reference")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(rows.first).to_have_text(in_order[-1])
    check_page_both_widths(page)
    params = parse_qs(urlsplit(page.url).query)
    assert params["sort"] == ["-reference"] and params["risk"] == ["high"]

    # Clear the filters and page through, sorted by risk (high first).
    go(page, page.get_by_role("link", name="Clear filters"))
    go(page, page.get_by_role("columnheader", name="Risk").get_by_role("link"))
    go(page, page.get_by_role("columnheader", name="Risk").get_by_role("link"))
    expect(page.get_by_role("columnheader", name="Risk")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(page.locator("main table tbody tr").first).to_contain_text("High")
    go(page, page.get_by_role("link", name="Next page"))
    expect(page.locator("#case-count")).to_have_text("Showing 51 to 100 of 132 cases")
    params = parse_qs(urlsplit(page.url).query)
    assert params["sort"] == ["-risk"] and params["page"] == ["2"]
    check_page_both_widths(page)

    # The table scrolls inside its container at a phone's width, not the page.
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    try:
        container = page.locator(".app-table-container")
        assert container.evaluate("el => el.scrollWidth > el.clientWidth")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH
        page.screenshot(path=str(tmp_path / "case-list-phone.png"))
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(tmp_path / "case-list.png"), full_page=True)

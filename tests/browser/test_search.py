"""Finding a child, in Chromium: a coordinator opens Cases and searches by part of a name
(ranked: the exact name, then the name starting with it, then the name containing it,
whatever the order the cases were opened in), by date of birth, and for a name nobody in
their area has. Every page is checked at both widths (axe at zero violations, no sideways
scroll at 375 px)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import check_page_both_widths, sign_in
from tests.browser.test_journeys import go, nav
from tests.browser.world import make_world
from tests.cases.test_search import case_of
from tests.factories import stoke

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def search_for(page: Page, text: str) -> None:
    page.get_by_label("Find a child").fill(text)
    go(page, page.get_by_role("button", name="Search"))
    check_page_both_widths(page)


def rows(page: Page) -> list[str]:
    return page.locator("tbody tr th a").all_inner_texts()


def test_a_coordinator_finds_a_child_by_part_of_a_name_and_by_date_of_birth(page: Page, server):
    world = make_world()
    boss = world.coordinator
    # Opened oldest first: recency alone would list them the other way round.
    other_day = dt.date(2011, 5, 6)
    exact = case_of("Zoe", "Testchild-Alpha", born=other_day, coordinator_user=boss)
    starts = case_of("Zöe-Ann", "O'Test", born=dt.date(2012, 3, 4), coordinator_user=boss)
    contains = case_of("Testzoe", "Example", born=other_day, coordinator_user=boss)
    case_of("Zoe", "Testchild-Elsewhere", born=dt.date(2012, 3, 4), area=stoke())

    sign_in(page, boss)
    nav(page, "Cases")
    expect(page.get_by_label("Find a child")).to_be_visible()
    check_page_both_widths(page)

    search_for(page, "zoe")
    assert rows(page) == [exact.reference, starts.reference, contains.reference]
    expect(page.locator("#case-count")).to_have_text("Showing 1 to 3 of 3 cases")
    expect(page.get_by_label("Find a child")).to_have_value("zoe")

    search_for(page, "zoe ann o'test")
    assert rows(page) == [starts.reference]

    search_for(page, "4 March 2012")
    assert rows(page) == [starts.reference]
    expect(page.locator("tbody")).to_contain_text("Zöe-Ann O'Test")

    search_for(page, "Testchild-Elsewhere")
    assert rows(page) == []
    expect(page.locator("tbody")).to_contain_text("No cases match your search")

    search_for(page, "31/02/2012")
    expect(page.locator(".govuk-error-summary")).to_contain_text("is not a real date")

"""Disruption, walked in Chromium: a coordinator opens the disruption list from the
navigation, records a CAWN against a person of concern (an empty form first: the errors),
reads the record and filters the list. Every page is checked at both widths (axe at zero
violations, no sideways scroll at 375 px, one current navigation item, a back link)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from intelligence.models import Disruption
from panel.dates import london_today
from tests.browser.pages import check_page_both_widths, sign_in
from tests.browser.test_journeys import go, nav
from tests.browser.world import make_world
from tests.factories import LocationFactory, PersonOfConcernFactory, grant_intelligence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_records_and_reads_disruption(page: Page, server):
    world = make_world()
    world.police.areas.add(world.area)
    grant_intelligence(world.police, world.area)
    person = PersonOfConcernFactory(area=world.area, source_agency=world.police)
    LocationFactory(area=world.area, source_agency=world.police)

    sign_in(page, world.coordinator)
    nav(page, "Disruption")
    expect(page.locator("h1")).to_have_text("Disruption")
    expect(page.locator("main")).to_contain_text("No disruption matches.")
    check_page_both_widths(page)

    page.goto(f"/intelligence/disruption/new/?person={person.pk}")
    expect(page.locator("h1")).to_have_text("Record disruption")
    check_page_both_widths(page)
    go(page, page.get_by_role("button", name="Record disruption"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the kind of disruption.")
    check_page_both_widths(page)

    page.get_by_role("radio", name="Child Abduction Warning Notice").check()
    today = london_today()
    page.locator("#id_date_day").fill(str(today.day))
    page.locator("#id_date_month").fill(str(today.month))
    page.locator("#id_date_year").fill(str(today.year))
    page.get_by_label("Agency that carried it out").select_option(str(world.police.pk))
    page.get_by_label("Outcome (optional)").fill("Fictional: notice served (browser test).")
    go(page, page.get_by_role("button", name="Record disruption"))
    expect(page.locator("h1")).to_have_text("Child Abduction Warning Notice")
    expect(page.locator("main")).to_contain_text(person.name)
    check_page_both_widths(page)
    assert Disruption.objects.get().recorded_by_id == world.coordinator.pk

    go(page, page.locator("a.govuk-back-link"))
    expect(page.locator(".app-disruption-row")).to_have_count(1)
    page.get_by_label("Kind", exact=True).select_option("patrol")
    go(page, page.get_by_role("button", name="Filter"))
    expect(page.locator(".app-disruption-row")).to_have_count(0)
    check_page_both_widths(page)

"""Persons of concern, locations and vehicles, walked in Chromium: a coordinator opens the
Intelligence item, tries to save an empty person (the errors), records a person whose name
matches one already held (the duplicate is shown and must be confirmed as different), adds
an alias, and opens every record page: status, identifiers, edit, merge, a merge's page and
its undo, the locations and vehicles lists (a partial registration found by wildcard) and
their pages. Every page is checked at both widths (axe at zero violations, no sideways
scroll at 375 px, one current navigation item, a back link below the top level)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from intelligence.models import PersonOfConcern
from intelligence.services import merges, records
from tests.browser.pages import check_page_both_widths, sign_in
from tests.browser.test_journeys import go, nav
from tests.browser.world import make_world, open_case_with_action
from tests.factories import (
    LinkFactory,
    LocationFactory,
    PersonOfConcernFactory,
    VehicleFactory,
    grant_intelligence,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_records_and_reads_intelligence_records(page: Page, server):
    world = make_world()
    world.police.areas.add(world.area)
    grant_intelligence(world.police, world.area)
    held = PersonOfConcernFactory(
        area=world.area, source_agency=world.police, name="Testperson Browser-Dupe"
    )
    case, _ = open_case_with_action(world)
    LinkFactory(case=case, person=held, area=world.area, source_agency=world.police)
    location = LocationFactory(area=world.area, source_agency=world.police)
    vehicle = VehicleFactory(area=world.area, source_agency=world.police, registration="TE5 1??")
    spare = VehicleFactory(area=world.area, source_agency=world.police, registration="TE5 1AB")

    sign_in(page, world.coordinator)
    nav(page, "Intelligence")
    expect(page.locator("main")).to_contain_text(held.name)
    check_page_both_widths(page)

    page.goto("/intelligence/persons/new/")
    check_page_both_widths(page)
    go(page, page.get_by_role("button", name="Save"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the name.")
    check_page_both_widths(page)

    page.get_by_label("Name", exact=True).fill("testperson  browser-dupe")
    page.get_by_label("Approximate age").fill("35")
    page.get_by_role("radio", name="B: untested").check()
    page.get_by_role("radio", name="2: known personally to the source, not to the officer").check()
    page.get_by_label("Source agency").select_option(str(world.police.pk))
    go(page, page.get_by_role("button", name="Save"))
    expect(page.locator("main")).to_contain_text(held.name)  # the possible duplicate
    check_page_both_widths(page)
    assert PersonOfConcern.objects.count() == 1

    page.goto(f"/intelligence/persons/{held.pk}/")
    expect(page.locator("h1")).to_contain_text(held.name)
    expect(page.locator("main")).to_contain_text(case.reference)
    check_page_both_widths(page)
    for suffix in ("edit/", "status/", "identifiers/new/", "merge/", "chart/"):
        page.goto(f"/intelligence/persons/{held.pk}/{suffix}")
        check_page_both_widths(page)

    alias = records.add_identifier(
        world.coordinator, person=held, kind="alias", value="Testalias Browser"
    )
    page.goto(f"/intelligence/persons/{held.pk}/identifiers/{alias.pk}/remove/")
    check_page_both_widths(page)

    page.goto("/intelligence/locations/")
    expect(page.locator("main")).to_contain_text(location.name)
    check_page_both_widths(page)
    for path in ("new/", f"{location.pk}/", f"{location.pk}/edit/", f"{location.pk}/merge/"):
        page.goto(f"/intelligence/locations/{path}")
        check_page_both_widths(page)

    page.goto("/intelligence/vehicles/?registration=TE5*")
    expect(page.locator(f"main a[href='/intelligence/vehicles/{vehicle.pk}/']")).to_have_count(1)
    check_page_both_widths(page)
    for path in ("new/", f"{vehicle.pk}/", f"{vehicle.pk}/edit/", f"{vehicle.pk}/merge/"):
        page.goto(f"/intelligence/vehicles/{path}")
        check_page_both_widths(page)

    merge = merges.merge_records(
        world.coordinator, kind="vehicle", kept=vehicle, merged=spare,
        reason="The same car seen twice (fictional).",
    )  # fmt: skip
    page.goto(f"/intelligence/merges/{merge.pk}/")
    check_page_both_widths(page)
    page.goto(f"/intelligence/merges/{merge.pk}/undo/")
    check_page_both_widths(page)

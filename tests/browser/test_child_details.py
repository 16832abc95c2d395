"""The ethnic group, in Chromium: a referrer picks one from the ONS 2021 list on "Refer a
child" and types the family's words, and the referral is sent; a coordinator sees a child's
gender and ethnic group still "not known" on the child's page, fills them in, and sees them
there. Every page is checked (axe at zero violations, 375 px, CSP) at both widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from cases.models import Child
from tests.browser.pages import check_page_both_widths, sign_in
from tests.browser.test_journeys import fill_referral, go
from tests.browser.world import born, make_world, referral_for
from tests.factories import ChildFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_referrer_picks_an_ethnic_group_and_the_referral_is_sent(page: Page, server):
    world = make_world()
    sign_in(page, world.referrer)

    fill_referral(page, first="Golf", last="Testchild-07", born_on=born(14))
    group = page.get_by_label("Ethnic group")
    expect(group).to_have_value("not_known")
    expect(group.locator("optgroup")).to_have_count(5)
    group.select_option("white_gypsy_traveller")
    page.get_by_label("How the child or their family describe their ethnicity").fill(
        "Romany (fictional)"
    )
    check_page_both_widths(page)
    go(page, page.get_by_role("button", name="Send referral"))

    main = page.locator("main")
    expect(main).to_contain_text("White: Gypsy or Irish Traveller")
    expect(main).to_contain_text("Romany (fictional)")
    check_page_both_widths(page)
    child = Child.objects.get(first_name="Golf")
    assert child.ethnicity_code == "white_gypsy_traveller"
    assert child.ethnicity == "Romany (fictional)"


def test_a_coordinator_fills_in_a_childs_ethnic_group_from_not_known(page: Page, server):
    world = make_world()
    child = ChildFactory(
        area=world.area, first_name="Hotel", last_name="Testchild-08", gender="not_known"
    )
    referral_for(world, child)
    sign_in(page, world.coordinator)

    page.goto(f"/children/{child.pk}/")
    main = page.locator("main")
    expect(main).to_contain_text("Details not yet known: gender, ethnic group.")
    check_page_both_widths(page)
    go(page, page.get_by_role("link", name="Add the details you now know for Hotel Testchild-08"))

    expect(page.locator("h1")).to_have_text("Change the child's details")
    check_page_both_widths(page)
    # Sent with a group that is not on the list (as a tampered form would): refused.
    page.get_by_label("Ethnic group").evaluate("select => { select.options[0].value = 'martian'; }")
    go(page, page.get_by_role("button", name="Save the details"))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select the child's ethnic group from the list, or Not known"
    )
    check_page_both_widths(page)

    page.get_by_role("radio", name="Female").check()
    page.get_by_label("Ethnic group").select_option("asian_bangladeshi")
    go(page, page.get_by_role("button", name="Save the details"))

    expect(page.locator(".govuk-notification-banner")).to_contain_text("Child's details updated")
    expect(main).to_contain_text("Asian, Asian British or Asian Welsh: Bangladeshi")
    expect(main).not_to_contain_text("Details not yet known")
    check_page_both_widths(page)
    child.refresh_from_db()
    assert (child.gender, child.ethnicity_code, child.version) == (
        "female",
        "asian_bangladeshi",
        2,
    )

"""The safeguards issue 8 added, walked in Chromium as a practitioner meets them: a referral
sent with the matrix unanswered is Not assessed and cannot be accepted until the panel
assesses it; a strong match held by another area's panel is signalled without a detail of
that child; a link made by mistake is undone; a second referral for the same child is asked
about, never refused; a case closes as "risk reduced or removed" only on a current level
that is not high. Every page is checked by tests.browser.pages.check_page (axe, 375 px,
navigation, back link)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from cases import services
from cases.models import Case, Child, Referral
from tests.browser.pages import check_page, sign_in
from tests.browser.test_journeys import fill_referral, go, refer
from tests.browser.world import LOW_ANSWERS, born, make_world, referral_for
from tests.factories import ChildFactory, coordinator, make_referral, referrer, stoke

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_not_assessed_under_13_is_assessed_at_triage_before_it_is_accepted(page: Page, server):
    world = make_world()
    child = ChildFactory(
        area=world.area, first_name="Hotel", last_name="Testchild-08", date_of_birth=born(12)
    )
    referral = make_referral(by=world.referrer, child=child, answers={})
    services.confirm_new_child(world.coordinator, referral=referral)

    sign_in(page, world.coordinator)
    go(page, page.locator("nav[aria-label='Main']").get_by_role("link", name="Triage"))
    row = page.locator("tr", has_text="Testchild-08")
    expect(row).to_contain_text("Not assessed")
    expect(row).to_contain_text("Under 13")
    expect(row).not_to_contain_text("Low")
    go(page, row.get_by_role("link").first)

    # Accepting before the risk is assessed is refused, with the reason on the page.
    accept = page.locator("form[action$='/accept/']")
    accept.get_by_label("Why the referral meets the threshold for the panel").fill(
        "Fictional: concerns from school."
    )
    accept.get_by_label("Lead agency").select_option(label=world.police.name)
    go(page, page.get_by_role("button", name="Accept and open a case"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("not been assessed")
    assert not Case.objects.exists()

    # The coordinator assesses it: one low indicator, and under 13 is never low.
    go(page, page.get_by_role("link", name="Assess risk"))
    page.check("input[name='answer_missing-late'][value=present]")
    page.fill("[name='evidence_missing-late']", "Fictional: home after midnight twice.")
    check_page(page)
    go(page, page.get_by_role("button", name="Save the assessment"))
    expect(page.locator("main")).to_contain_text("Medium")

    accept = page.locator("form[action$='/accept/']")
    accept.get_by_label("Why the referral meets the threshold for the panel").fill(
        "Fictional: concerns from school."
    )
    accept.get_by_label("Lead agency").select_option(label=world.police.name)
    go(page, page.get_by_role("button", name="Accept and open a case"))
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    assert Case.objects.get().risk_level == "medium"


def test_a_match_held_by_another_panel_is_signalled_and_a_mistaken_link_is_undone(
    page: Page, server
):
    world = make_world()
    dob = born(15)
    # Held by Stoke-on-Trent's panel: this coordinator may not see it.
    ChildFactory(area=stoke(), first_name="India", last_name="Testchild-09", date_of_birth=dob)
    coordinator(stoke(), first_name="Sid", last_name="Stokecoordinator-Test")
    # Known here under a spelling with a hyphen and an accent.
    known = ChildFactory(
        area=world.area, first_name="Índia", last_name="Test-child-09", date_of_birth=dob
    )
    make_referral(by=referrer(agency=world.referrer.agency), child=known, answers=LOW_ANSWERS)
    again = ChildFactory(
        area=world.area, first_name="India", last_name="Testchild-09", date_of_birth=dob
    )
    referral = referral_for(world, again)

    sign_in(page, world.coordinator)
    page.goto(f"/triage/{referral.pk}/")
    check_page(page)
    signal = page.locator("#held-elsewhere")
    expect(signal).to_contain_text("A possible match is held by the Stoke-on-Trent panel")
    expect(signal).not_to_contain_text("Testchild")
    expect(signal).not_to_contain_text("CSE-")

    # The spelling variant is offered, linked, and the link undone.
    duplicates = page.locator("table", has=page.locator("caption", has_text="Possible duplicates"))
    expect(duplicates).to_contain_text("Test-child-09")
    go(page, page.get_by_role("button", name=re.compile(r"^Same child")))
    referral.refresh_from_db()
    assert referral.child_id == known.pk
    go(page, page.get_by_role("button", name=re.compile(r"^Undo this link")))
    referral.refresh_from_db()
    assert referral.child_id == again.pk
    assert Child.objects.filter(pk=known.pk).exists()


def test_a_second_referral_for_the_same_child_is_asked_about_never_refused(page: Page, server):
    world = make_world()
    sign_in(page, world.referrer)
    refer(page, first="Juliet", last="Testchild-10", born_on=born(16))

    # A new incident that evening: the same child, different concerns, at immediate risk.
    fill_referral(page, first="Juliet", last="Testchild-10", born_on=born(16), immediate=True)
    page.fill("[name=concerns]", "Fictional: seen getting into an unknown car tonight.")
    go(page, page.get_by_role("button", name="Send referral"))
    main = page.locator("main")
    expect(main).to_contain_text("Send this one as well?")
    # The 999 message stays first on the page.
    assert main.inner_text().index("999") < main.inner_text().index("Send this one as well?")
    assert Referral.objects.count() == 1
    page.get_by_label("Yes, this is a different referral: send it as well").check()
    go(page, page.get_by_role("button", name="Send referral"))
    expect(page).to_have_url(re.compile(r"/referrals/\d+/$"))
    assert Referral.objects.count() == 2


def test_risk_reduced_closure_needs_a_current_level_that_is_not_high(page: Page, server):
    world = make_world()
    child = ChildFactory(area=world.area, first_name="Kilo", last_name="Testchild-11")
    referral = referral_for(world, child)
    services.confirm_new_child(world.coordinator, referral=referral)
    case = services.accept_referral(
        world.coordinator,
        referral=referral,
        reason="Fictional: meets the panel threshold.",
        lead_agency=world.police,
        lead_professional=world.police_lead,
        involved_agencies=[world.police],
    )
    services.record_assessment(
        world.coordinator,
        case=case,
        answers={"disclosure": services.AnswerInput("present", "Fictional disclosure.")},
    )

    sign_in(page, world.coordinator)
    page.goto(f"/cases/{case.pk}/close/")
    check_page(page)
    main = page.locator("main")
    expect(main).to_contain_text("risk is reduced or removed")
    expect(main).to_contain_text("The current risk level is high")
    page.get_by_label("Risk reduced or removed", exact=True).check()
    page.get_by_label("Summary of the multi-agency decision").fill("Fictional: safe now.")
    go(page, page.get_by_role("button", name="Close the case"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("high")
    case.refresh_from_db()
    assert case.status != Case.Status.CLOSED

    # A new assessment from the closure page, then back to close.
    go(page, page.get_by_role("link", name="Record a new assessment", exact=True))
    page.check("input[name='answer_missing-late'][value=not_present]")
    page.check("input[name='answer_hotspots'][value=not_present]")
    go(page, page.get_by_role("button", name="Save the assessment"))
    expect(page).to_have_url(re.compile(r"/close/$"))
    page.get_by_label("Risk reduced or removed", exact=True).check()
    page.get_by_label("Summary of the multi-agency decision").fill("Fictional: safe now.")
    go(page, page.get_by_role("button", name="Close the case"))
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    case.refresh_from_db()
    assert (case.status, case.risk_level) == (Case.Status.CLOSED, "low")

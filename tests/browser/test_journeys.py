"""One journey per role through the real server and worker, in Debian's Chromium. Every page
visited is checked by tests.browser.pages.check_page: axe-core finds nothing, no sideways
scroll at 375 px, one current navigation item, a back link on sub-pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Locator, Page, expect

from cases.models import Action, Case, Child, Referral
from notifications.models import Notification
from notifications.tasks import scan_actions, send_notification_emails
from panel.dates import london_today
from tests.browser.pages import check_page, sign_in
from tests.browser.world import (
    LOW_ANSWERS,
    born,
    make_world,
    open_case_with_action,
    referral_for,
)
from tests.conftest import child_details, child_details_in
from tests.factories import ChildFactory, make_referral, referrer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def go(page: Page, target: Locator) -> None:
    """Click a link or button that loads a page, wait for that page and check it."""
    with page.expect_navigation(wait_until="load"):
        target.click()
    check_page(page)


def follow(page: Page, name: str, *, role: str = "link") -> None:
    """Click a link or button and check the page it leads to."""
    go(page, page.get_by_role(role, name=name, exact=True).first)


def nav(page: Page, name: str) -> None:
    go(page, page.locator("nav[aria-label='Main']").get_by_role("link", name=name))


def refer(page: Page, **answers) -> None:
    """Fill in "Refer a child" as a referrer would and send it; the confirmation is shown."""
    fill_referral(page, **answers)
    go(page, page.get_by_role("button", name="Send referral"))
    expect(page).to_have_url(re.compile(r"/referrals/\d+/$"))


def fill_referral(
    page: Page,
    *,
    first: str,
    last: str,
    born_on: dt.date,
    immediate: bool = False,
    present: str = "missing-late",
) -> None:
    """Fill in "Refer a child" as a referrer would, without sending it."""
    nav(page, "Refer a child")
    page.check(f"input[name=immediate_risk][value={'yes' if immediate else 'no'}]")
    if immediate:
        today = london_today()
        page.fill("[name=police_contacted_on_day]", str(today.day))
        page.fill("[name=police_contacted_on_month]", str(today.month))
        page.fill("[name=police_contacted_on_year]", str(today.year))
        page.fill("[name=police_contacted_time]", "00:05")
        page.fill("[name=police_contacted_by]", "Rey Referrer-Test")
        page.fill("[name=police_incident_number]", "INC-0000-TEST")
    page.fill("[name=first_name]", first)
    page.fill("[name=last_name]", last)
    page.fill("[name=date_of_birth_day]", str(born_on.day))
    page.fill("[name=date_of_birth_month]", str(born_on.month))
    page.fill("[name=date_of_birth_year]", str(born_on.year))
    page.locator("input[name=gender]").first.check()
    page.get_by_label("Staffordshire").check()
    page.fill("[name=referrer_role]", "Designated safeguarding lead")
    page.fill("[name=referrer_contact]", "01234 000000")
    page.fill("[name=concerns]", "Fictional concerns written for a browser test.")
    page.check("input[name=contact_methods][value=online]")
    page.check("input[name=known_to_social_care][value=no]")
    page.locator("input[name=legal_status]").first.check()
    for question in ("child_aware", "child_agrees", "parents_aware", "parents_agree"):
        page.check(f"input[name={question}][value=yes]")
    # The Risk Factor Matrix, answered: one indicator present with what was seen, others not.
    page.check(f"input[name='answer_{present}'][value=present]")
    page.fill(f"[name='evidence_{present}']", "Fictional: seen by a teacher last week.")
    for other in ("sexting", "unknown-adults", "hotspots"):
        if other != present:
            page.check(f"input[name='answer_{other}'][value=not_present]")
    # The reveals and the live risk level, as they are shown before sending.
    check_page(page)


def test_a_referrer_refers_three_children(page: Page, server):
    world = make_world()
    sign_in(page, world.referrer)
    nav(page, "Notifications")

    # Sent empty: the errors, and the 999 message first when immediate risk is ticked.
    nav(page, "Refer a child")
    go(page, page.get_by_role("button", name="Send referral"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.check("input[name=immediate_risk][value=yes]")
    go(page, page.get_by_role("button", name="Send referral"))
    expect(page.locator("main")).to_contain_text("999")

    refer(page, first="Alpha", last="Testchild-01", born_on=born(14), immediate=True)
    expect(page.locator("main")).to_contain_text("Immediate risk")

    # Under 13 with one low indicator: never low.
    refer(page, first="Charlie", last="Testchild-03", born_on=born(12))
    under_13 = Referral.objects.get(child__first_name="Charlie")
    assert under_13.assessments.get().final_level in ("medium", "high")

    refer(page, first="Delta", last="Testchild-04", born_on=born(17))
    expect(page.locator("main")).not_to_contain_text("16 or 17")
    nav(page, "My referrals")
    for name in ("Testchild-01", "Testchild-03", "Testchild-04"):
        expect(page.locator("main")).to_contain_text(name)
    assert Referral.objects.count() == 3


def test_an_immediate_risk_confirmation_repeats_999_and_never_advises_early_help(
    page: Page, server
):
    """Issue 8 point 1: a 14-year-old at immediate risk with one low indicator."""
    world = make_world()
    sign_in(page, world.referrer)
    refer(page, first="Echo", last="Testchild-05", born_on=born(14), immediate=True)
    main = page.locator("main")
    expect(main).to_contain_text("999")
    expect(main).to_contain_text("0800 1313 126")
    expect(main).not_to_contain_text("Early help")


def test_early_help_is_advised_before_sending_a_low_referral_and_never_for_immediate_risk(
    page: Page, server
):
    """Issue 8 point 1: the advice is shown as the level is worked out, before sending, for a
    low, non-urgent referral with consent, and goes when immediate risk is ticked."""
    world = make_world()
    sign_in(page, world.referrer)
    fill_referral(page, first="Foxtrot", last="Testchild-06", born_on=born(15))
    level = page.locator("#risk-level")
    expect(level).to_contain_text("Low")
    expect(level).to_contain_text("Early help may be better than a panel referral")
    expect(level).to_contain_text("Early Help Assessment")
    assert Referral.objects.count() == 0  # nothing was sent to show it

    page.check("input[name=immediate_risk][value=yes]")
    expect(page.locator("main")).to_contain_text("999")
    expect(level).not_to_contain_text("Early help")
    check_page(page)


def fill_date(page: Page, name: str, day: dt.date) -> None:
    page.fill(f"[name={name}_day]", str(day.day))
    page.fill(f"[name={name}_month]", str(day.month))
    page.fill(f"[name={name}_year]", str(day.year))


def add_action(page: Page, description: str, agency: str, four_p: str) -> None:
    follow(page, "Add an action")
    page.get_by_label("What needs to be done").fill(description)
    page.get_by_label("Owning agency").select_option(label=agency)
    fill_date(page, "due_date", london_today() + dt.timedelta(days=14))
    page.check("input[name=priority][value=normal]")
    page.get_by_label(four_p, exact=True).check()
    check_page(page)
    go(page, page.get_by_role("button", name="Add the action"))
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))


def test_a_coordinator_triages_a_duplicate_accepts_acts_reviews_and_closes(page: Page, server):
    world = make_world()
    dob = born(15)
    names = {"first_name": "Golf", "last_name": "Testchild-07", "date_of_birth": dob}
    known = ChildFactory(area=world.area, **names)
    # Known from another referrer's referral (the same referrer twice in a day would be a
    # repeat referral, which is another rule).
    make_referral(by=referrer(agency=world.referrer.agency), child=known, answers=LOW_ANSWERS)
    again = ChildFactory(area=world.area, **names)
    referral = referral_for(world, again)

    sign_in(page, world.coordinator)
    nav(page, "Triage")
    page.goto(f"/triage/{referral.pk}/")
    check_page(page)
    # The duplicate: the same child already known.
    go(page, page.get_by_role("button", name=re.compile(r"^Same child")))
    referral.refresh_from_db()
    assert referral.child_id == known.pk

    # Accept, naming the team.
    accept = page.locator("form[action$='/accept/']")
    accept.get_by_label("Why the referral meets the threshold for the panel").fill(
        "Fictional: indicators present and escalating."
    )
    accept.get_by_label("Lead agency").select_option(label=world.police.name)
    accept.get_by_label("Lead professional").select_option(value=str(world.police_lead.pk))
    accept.get_by_label("Local Support Team").select_option(value=str(world.lst.pk))
    accept.get_by_label("LST contact").fill("Fictional LST contact, 01234 000001")
    accept.get_by_label(world.health.name).check()
    check_page(page)
    go(page, page.get_by_role("button", name="Accept and open a case"))
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert case.lead_agency == world.police and case.lead_professional == world.police_lead

    # The panel hears it: the case opens.
    follow(page, "Panel heard: open the case")
    for box in page.locator("main form textarea").all():
        box.fill("Fictional: heard at today's panel.")
    go(page, page.get_by_role("button", name="Open the case"))
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))

    add_action(page, "Fictional: police visit with the school nurse.", world.police.name, "Protect")
    add_action(page, "Fictional: health check-up booked.", world.health.name, "Prevent")

    # The sub-pages a coordinator opens from the case page, each with a way back.
    back = page.url
    follow(page, "Golf Testchild-07")
    page.goto(back)
    follow(page, "Change the team")
    follow(page, "Back")
    go(page, page.get_by_role("link", name=re.compile("Fictional: police visit")))
    follow(page, "Re-assign this action")
    follow(page, "Back")
    follow(page, "Back")

    # A new risk assessment, answered, before the review.
    follow(page, "Record a new risk assessment")
    page.check("input[name='answer_hotspots'][value=present]")
    page.fill("[name='evidence_hotspots']", "Fictional: seen at a known hotspot.")
    page.check("input[name='answer_missing-late'][value=not_present]")
    check_page(page)
    go(page, page.get_by_role("button", name="Save the assessment"))
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))

    # A review, held today, confirming the level.
    follow(page, "Hold the review")
    fill_date(page, "held_on", london_today())
    page.get_by_label(world.police.name).check()
    page.get_by_label(world.health.name).check()
    page.get_by_label("Outcome: what the panel agreed").fill("Fictional: the plan is working.")
    check_page(page)
    go(page, page.get_by_role("button", name="Record the review"))
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))

    # Both actions done, then the case closes.
    for description in ("Fictional: police visit", "Fictional: health check-up"):
        go(page, page.get_by_role("link", name=re.compile(description)))
        page.check("input[name=status][value=done]")
        page.get_by_label("What was done").fill("Fictional: done as agreed.")
        go(page, page.get_by_role("button", name="Save the update"))
        go(page, page.locator("a.govuk-back-link"))
    follow(page, "Close the case")
    page.get_by_label("Other", exact=True).check()
    page.get_by_label("Summary of the multi-agency decision").fill(
        "Fictional: the panel agreed the child is safe."
    )
    check_page(page)
    go(page, page.get_by_role("button", name="Close the case"))
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    follow(page, "Re-open the case")

    # The coordinator's other lists.
    nav(page, "Reviews due")
    nav(page, "My work")
    nav(page, "Cases")
    nav(page, "Notifications")


def text_of(message) -> str:
    """Every text part of an email, decoded."""
    return "\n".join(
        part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        for part in message.walk()
        if not part.is_multipart()
    )


def test_an_agency_lead_is_reminded_updates_an_action_and_meets_a_conflict(
    page: Page, server, worker
):
    world = make_world()
    case, action = open_case_with_action(world, due=london_today() + dt.timedelta(days=2))
    # The real worker's reminder scan: the action is due within 3 days.
    worker.run(scan_actions)
    assert Notification.objects.filter(
        recipient=world.police_lead, kind=Notification.Kind.ACTION_DUE
    ).exists()
    # ... and its email sender: a reference and a link, never the child's details.
    worker.run(send_notification_emails)
    sent = worker.emails()
    assert sent
    texts = [
        SimpleNamespace(subject=message["Subject"], body=text_of(message), to=message["To"])
        for message in sent
    ]
    children = [child_details(child) for child in Child.objects.all()]
    assert not child_details_in(texts, children)

    sign_in(page, world.police_lead)
    nav(page, "Cases")
    follow(page, case.reference)
    nav(page, "Notifications")
    expect(page.locator("main")).to_contain_text(case.reference)
    nav(page, "My work")
    follow(page, action.description)
    assert page.url.endswith(f"/actions/{action.pk}/")

    # The same action open twice: the first save wins, the second is refused and keeps
    # what was typed.
    other = page.context.new_page()
    other.goto(page.url)
    check_page(other)

    page.check("input[name=status][value=in_progress]")
    page.get_by_label("Progress note").fill("Fictional: first visit arranged.")
    go(page, page.get_by_role("button", name="Save the update"))
    expect(page.locator("main")).to_contain_text("Action updated.")

    other.check("input[name=status][value=in_progress]")
    other.get_by_label("Progress note").fill("Fictional: second note, typed meanwhile.")
    go(other, other.get_by_role("button", name="Save the update"))
    expect(other.locator("main")).to_contain_text("Changed while you were editing")
    expect(other.get_by_label("Progress note")).to_have_value(
        "Fictional: second note, typed meanwhile."
    )
    action.refresh_from_db()
    assert action.status == Action.Status.IN_PROGRESS
    assert action.updates.count() == 1


def test_an_auditor_searches_the_trail_and_exports_it(page: Page, server):
    world = make_world()
    case, _ = open_case_with_action(world)

    sign_in(page, world.auditor)
    nav(page, "Cases")
    follow(page, case.reference)
    follow(page, "Full audit history of this case")
    follow(page, "Back")
    follow(page, "Who has viewed this child's record")
    # The auditor's own reads: the case list that showed the child, the case page opened.
    viewers = page.locator("main table")
    expect(viewers).to_contain_text("Saw it in a list")
    expect(viewers).to_contain_text("The case list")
    expect(viewers).to_contain_text("Opened the record")

    nav(page, "Audit trail")
    page.get_by_label("Case reference").fill(case.reference)
    go(page, page.get_by_role("button", name="Search"))
    expect(page.locator("main table")).to_contain_text(case.reference)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export these events as CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) > 1, rows
    assert any(case.reference in cell for row in rows[1:] for cell in row)

    # By person: part of a name finds the people to choose from (no script needed); the
    # events are then the chosen person's.
    nav(page, "Audit trail")
    page.get_by_label("Person").fill(world.coordinator.username)
    go(page, page.get_by_role("button", name="Search"))
    expect(page.locator("#chosen-person")).to_contain_text(world.coordinator.username)
    expect(page.locator("main table")).to_contain_text(world.coordinator.username)


def test_a_long_chronology_shows_the_latest_entries_and_earlier_ones_on_request(
    page: Page, server, tmp_path
):
    """A case with a long history: the page shows the latest 50 entries; "Show earlier
    entries" inserts the 50 before them above (htmx), until the start; without JavaScript
    the same link opens the page at that earlier slice."""
    from cases.chronology import chronology
    from cases.models import CaseNote
    from tests.browser.pages import check_page_both_widths

    world = make_world()
    case, _ = open_case_with_action(world)
    start = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
    CaseNote.objects.bulk_create(
        CaseNote(
            case=case,
            author=world.coordinator,
            created_at=start + dt.timedelta(hours=5 * n),
            text=f"Fictional: note {n:03} from a long history.",
        )
        for n in range(120)
    )
    history = chronology(case)
    sign_in(page, world.coordinator)
    page.goto(f"/cases/{case.pk}/")
    entries = page.locator("#chronology-entries > li")
    expect(entries).to_have_count(50)
    expect(entries.first).to_contain_text(history[-50].detail)
    check_page_both_widths(page)
    earlier = page.get_by_role("link", name="Show earlier entries")
    no_script_link = earlier.get_attribute("href")

    earlier.click()
    expect(entries).to_have_count(100)
    expect(entries.first).to_contain_text(history[-100].detail)
    expect(entries.nth(50)).to_contain_text(history[-50].detail)
    check_page_both_widths(page)
    # For a person to look at: the chronology's heading with the control and the entries
    # inserted under it (in pytest's tmp_path).
    page.locator("#chronology").scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "chronology-earlier.png"))
    page.set_viewport_size({"width": 375, "height": 800})
    page.locator("#chronology").scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "chronology-earlier-phone.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Show earlier entries").click()
    expect(entries).to_have_count(len(history))
    expect(page.locator("#chronology-earlier")).to_contain_text("start of the case")
    expect(entries.first).to_contain_text(history[0].detail)
    check_page_both_widths(page)

    # Without JavaScript: the link's own address, the slice before the latest 50.
    page.goto(no_script_link)
    expect(entries).to_have_count(50)
    expect(entries.first).to_contain_text(history[-100].detail)
    expect(page.locator("main")).to_contain_text("Show the most recent entries")
    check_page_both_widths(page)

"""A child's ethnic group (ONS 2021) and the details still "not known": chosen on the
referral form and API, shown on the referral, triage and child pages, and filled in later
by a coordinator of the child's area (service, page and API), audited and version-checked."""

import html
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from cases import services
from cases.forms.children import ETHNICITY_CHOICES
from cases.models import ETHNIC_GROUPS, Child, Ethnicity, Referral, ethnicity_label
from panel.errors import Conflict
from tests.cases.test_api import child_body, client_for, referral_body
from tests.cases.test_referral_views import form_data
from tests.factories import (
    AgencyFactory,
    ChildFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    make_referral,
    referrer,
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db

NEW = "/referrals/new/"


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def details_url(child: Child) -> str:
    return f"/children/{child.pk}/details/"


def details(child: Child, **changes) -> dict:
    """The details form as posted: the child's current values, with ``changes``."""
    child = Child.objects.get(pk=child.pk)
    return {
        "version": child.version,
        "gender": child.gender,
        "ethnicity_code": child.ethnicity_code,
        "ethnicity": child.ethnicity,
        "school_or_setting": child.school_or_setting,
    } | changes


def update(user, child: Child, **changes) -> Child:
    return services.update_child_details(user, child=child, **details(child, **changes))


# --- the coded list ------------------------------------------------------------------------


def test_the_select_offers_every_ons_category_once_in_its_census_group():
    offered = []
    for value, label in ETHNICITY_CHOICES:
        if isinstance(label, list):
            assert [code for code, _ in label] == list(ETHNIC_GROUPS[value])
            offered += [code for code, _ in label]
        else:
            offered.append(value)
    assert sorted(offered) == sorted(Ethnicity.values)
    assert ETHNICITY_CHOICES[0][0] == "not_known"
    assert ETHNICITY_CHOICES[-1][0] == "declined"


def test_a_code_is_shown_with_its_group():
    assert ethnicity_label("white_irish") == "White: Irish"
    assert ethnicity_label("asian_other") == (
        "Asian, Asian British or Asian Welsh: Any other Asian background"
    )
    assert ethnicity_label("not_known") == "Not known"
    assert ethnicity_label("declined") == "Declined to say"


# --- the referral form ---------------------------------------------------------------------


def test_the_referral_form_offers_the_groups_with_not_known_chosen(client, matrix):
    client.force_login(referrer())

    page = text_of(client.get(NEW))

    select = re.search(r'<select[^>]*name="ethnicity_code".*?</select>', page, re.S).group(0)
    assert re.findall(r'<optgroup label="([^"]+)"', select) == list(ETHNIC_GROUPS)
    assert re.findall(r'<option value="([^"]+)" selected', select) == ["not_known"]
    assert '<option value="declined">Declined to say</option>' in select
    assert 'for="id_ethnicity_code">Ethnic group</label>' in page
    assert 'aria-describedby="id_ethnicity_code-hint"' in select
    assert 'name="ethnicity"' in page  # the words they use, still asked


def test_a_referral_keeps_the_chosen_group_and_the_words_used(client, matrix):
    client.force_login(referrer())

    response = client.post(
        NEW, form_data(ethnicity_code="mixed_white_asian", ethnicity="  Fictional: mixed  ")
    )

    assert response.status_code == 302
    child = Child.objects.get()
    assert child.ethnicity_code == "mixed_white_asian"
    assert child.ethnicity == "Fictional: mixed"


def test_a_referral_that_does_not_say_is_not_known(client, matrix):
    client.force_login(referrer())

    response = client.post(NEW, form_data())

    assert response.status_code == 302
    assert Child.objects.get().ethnicity_code == "not_known"


def test_a_group_not_on_the_list_is_refused_by_the_field(client, matrix):
    client.force_login(referrer())

    response = client.post(NEW, form_data(ethnicity_code="martian", ethnicity="Fictional"))

    page = text_of(response)
    assert response.status_code == 200
    assert not Child.objects.exists()
    message = "Select the child's ethnic group from the list, or Not known"
    assert f'<a href="#id_ethnicity_code">{message}</a>' in page
    assert 'id="id_ethnicity_code-error"' in page
    assert "govuk-select--error" in page
    assert 'value="Fictional"' in page  # what was typed is kept


# --- the referral API ----------------------------------------------------------------------


def test_the_api_takes_the_code_and_the_words(matrix):
    body = referral_body(
        child_body(ethnicity_code="black_caribbean", ethnicity="Fictional: Caribbean")
    )

    response = client_for(referrer()).post("/api/v1/referrals/", body, format="json")

    assert response.status_code == 201, response.json()
    child = Child.objects.get()
    assert (child.ethnicity_code, child.ethnicity) == ("black_caribbean", "Fictional: Caribbean")


def test_the_api_codes_a_child_not_known_when_the_code_is_left_out(matrix):
    response = client_for(referrer()).post("/api/v1/referrals/", referral_body(), format="json")

    assert response.status_code == 201
    assert Child.objects.get().ethnicity_code == "not_known"


def test_the_api_refuses_a_code_not_on_the_list_under_the_child(matrix):
    body = referral_body(child_body(ethnicity_code="White British"))

    response = client_for(referrer()).post("/api/v1/referrals/", body, format="json")

    assert response.status_code == 400
    assert "ethnicity_code" in response.json()["child"]
    assert not Child.objects.exists()


def test_the_panel_reads_the_code_and_its_label_over_the_api():
    case = make_case()
    Child.objects.filter(pk=case.child_id).update(ethnicity_code="white_roma", ethnicity="Fict")

    body = client_for(coordinator()).get(f"/api/v1/children/{case.child_id}/").json()

    assert body["ethnicity_code"] == "white_roma"
    assert body["ethnic_group"] == "White: Roma"
    assert body["ethnicity"] == "Fict"
    assert body["version"] == 1


# --- where it is shown ---------------------------------------------------------------------


def test_the_referral_triage_and_child_pages_show_the_group_and_the_words(client):
    child = ChildFactory(ethnicity_code="asian_indian", ethnicity="Fictional words")
    referral = make_referral(child=child)
    boss = coordinator()
    client.force_login(boss)

    for url in (
        f"/triage/{referral.pk}/",
        f"/children/{child.pk}/",
    ):
        page = text_of(client.get(url))
        assert re.search(
            r"Ethnic group</dt>\s*<dd[^>]*>\s*Asian, Asian British or Asian Welsh: Indian", page
        ), url
        assert re.search(r"As described</dt>\s*<dd[^>]*>\s*Fictional words", page), url

    client.force_login(referral.referrer)
    page = text_of(client.get(f"/referrals/{referral.pk}/"))
    assert re.search(r"Ethnic group</dt>\s*<dd[^>]*>\s*Asian, Asian British", page)
    assert re.search(r"As described</dt>\s*<dd[^>]*>\s*Fictional words", page)


# --- the service ---------------------------------------------------------------------------


def test_a_coordinator_fills_in_what_was_not_known_and_it_is_audited():
    child = make_referral(child=ChildFactory(gender="not_known", ethnicity="Fictional")).child
    boss = coordinator()

    updated = update(boss, child, gender="male", ethnicity_code="white_gypsy_traveller")

    assert updated.version == 2
    child.refresh_from_db()
    assert (child.gender, child.ethnicity_code, child.ethnicity) == (
        "male",
        "white_gypsy_traveller",
        "Fictional",
    )
    event = AuditEvent.objects.get(verb="updated", object_type="cases.child")
    assert event.actor_id == boss.pk and event.object_id == str(child.pk)
    assert event.changes == {
        "gender": ["not_known", "male"],
        "ethnicity_code": ["not_known", "white_gypsy_traveller"],
    }


def test_a_stale_version_is_a_conflict_and_changes_nothing():
    child = make_referral().child
    boss = coordinator()
    read = details(child)
    update(boss, child, ethnicity_code="white_irish")

    with pytest.raises(Conflict) as conflict:
        services.update_child_details(boss, child=child, **(read | {"gender": "male"}))

    assert conflict.value.current_version == 2
    child.refresh_from_db()
    assert (child.gender, child.ethnicity_code, child.version) == ("female", "white_irish", 2)
    assert AuditEvent.objects.filter(verb="updated", object_type="cases.child").count() == 1


def test_saving_without_a_change_records_nothing():
    child = make_referral().child

    update(coordinator(), child)

    assert Child.objects.get(pk=child.pk).version == 1
    assert not AuditEvent.objects.filter(verb="updated", object_type="cases.child").exists()


@pytest.mark.parametrize(
    "who",
    [
        lambda: coordinator(stoke()),
        lambda: agency_lead(),
        lambda: referrer(),
        lambda: auditor(),
        lambda: coordinator(is_staff=True),
    ],
    ids=["other area's coordinator", "agency lead", "referrer", "auditor", "staff"],
)
def test_only_a_coordinator_of_the_childs_area_may_change_them(who):
    child = make_referral().child

    with pytest.raises(PermissionDenied):
        update(who(), child, ethnicity_code="white_irish")

    assert Child.objects.get(pk=child.pk).ethnicity_code == "not_known"


def test_a_code_not_on_the_list_is_refused_by_the_service():
    child = make_referral().child

    with pytest.raises(ValidationError) as refused:
        update(coordinator(), child, ethnicity_code="martian")

    assert "ethnicity_code" in refused.value.message_dict
    assert Child.objects.get(pk=child.pk).version == 1


def test_the_name_and_date_of_birth_are_never_changed_here(client):
    child = make_referral().child
    client.force_login(coordinator())

    client.post(
        details_url(child),
        details(child, first_name="Changed", date_of_birth="2001-01-01", gender="male"),
    )

    again = Child.objects.get(pk=child.pk)
    assert again.gender == "male"
    assert (again.first_name, again.date_of_birth) == (child.first_name, child.date_of_birth)


# --- the page ------------------------------------------------------------------------------


def test_a_coordinator_opens_the_form_with_the_childs_details_and_it_is_viewed(client):
    child = make_referral(child=ChildFactory(ethnicity_code="other_arab")).child
    boss = coordinator()
    client.force_login(boss)

    response = client.get(details_url(child))

    page = text_of(response)
    assert response.status_code == 200
    assert '<option value="other_arab" selected>Arab</option>' in page
    assert 'name="first_name"' not in page and 'name="date_of_birth' not in page
    assert AuditEvent.objects.filter(
        verb="viewed", actor=boss, object_type="cases.child", object_id=str(child.pk)
    ).exists()


def test_saving_the_form_goes_back_to_the_child_page_showing_the_group(client):
    child = make_referral().child
    client.force_login(coordinator())

    response = client.post(
        details_url(child), details(child, ethnicity_code="black_african"), follow=True
    )

    page = text_of(response)
    assert response.redirect_chain[-1][0] == f"/children/{child.pk}/"
    assert "Child's details updated." in page
    assert re.search(r"Ethnic group</dt>\s*<dd[^>]*>\s*Black, Black British", page)


def test_a_stale_form_says_so_and_shows_the_current_details(client):
    child = make_referral().child
    boss = coordinator()
    client.force_login(boss)
    stale = details(child, ethnicity_code="white_irish")
    update(boss, child, ethnicity_code="asian_chinese")

    response = client.post(details_url(child), stale, follow=True)

    page = text_of(response)
    assert "Someone else changed this child's details" in page
    assert '<option value="asian_chinese" selected>' in page
    assert Child.objects.get(pk=child.pk).ethnicity_code == "asian_chinese"


def test_a_bad_form_shows_its_errors_and_saves_nothing(client):
    child = make_referral().child
    client.force_login(coordinator())

    response = client.post(details_url(child), details(child, gender="", ethnicity_code="martian"))

    page = text_of(response)
    assert response.status_code == 200
    assert '<a href="#id_gender">Select the child\'s gender, or Not known</a>' in page
    assert "Select the child's ethnic group from the list, or Not known" in page
    assert Child.objects.get(pk=child.pk).version == 1


def test_those_who_see_the_child_but_may_not_change_them_are_refused_and_others_get_404(client):
    agency = AgencyFactory()
    agency.areas.add(staffordshire())
    case = make_case(agencies=[agency])
    url = details_url(case.child)

    for user, status in (
        (agency_lead(agency), 403),
        (auditor(), 403),
        (coordinator(stoke()), 404),
        (referrer(), 404),
    ):
        client.force_login(user)
        assert client.get(url).status_code == status
        assert client.post(url, details(case.child, gender="male")).status_code == status
    assert Child.objects.get(pk=case.child_id).gender == "female"


# --- the child page's hint -----------------------------------------------------------------


def test_the_child_page_tells_a_coordinator_what_is_not_yet_known(client):
    child = make_referral(child=ChildFactory(gender="not_known")).child
    client.force_login(coordinator())

    page = text_of(client.get(f"/children/{child.pk}/"))

    assert "Details not yet known: gender, ethnic group." in page
    assert f'href="/children/{child.pk}/details/"' in page


def test_no_hint_once_known_and_declined_is_an_answer(client):
    child = make_referral(child=ChildFactory(ethnicity_code="declined")).child
    client.force_login(coordinator())

    page = text_of(client.get(f"/children/{child.pk}/"))

    assert "Details not yet known" not in page
    assert "Change the child's details" in page


def test_the_hint_and_the_link_are_for_coordinators_only(client):
    agency = AgencyFactory()
    agency.areas.add(staffordshire())
    case = make_case(agencies=[agency])
    client.force_login(agency_lead(agency))

    page = text_of(client.get(f"/children/{case.child_id}/"))

    assert "Ethnic group" in page
    assert "Details not yet known" not in page
    assert "/details/" not in page
    assert "/details/" not in text_of(client.get(f"/cases/{case.pk}/"))


def test_the_case_page_links_a_coordinator_to_the_childs_details(client):
    case = make_case()
    client.force_login(coordinator())

    page = text_of(client.get(f"/cases/{case.pk}/"))

    assert f'href="/children/{case.child_id}/details/"' in page
    assert "(not yet known: ethnic group)" in page


# --- the API action ------------------------------------------------------------------------


def test_a_coordinator_sets_the_details_over_the_api():
    case = make_case()
    url = f"/api/v1/children/{case.child_id}/details/"
    body = details(case.child, ethnicity_code="mixed_other", ethnicity="Fictional")

    response = client_for(coordinator()).post(url, body, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["ethnicity_code"] == "mixed_other"
    assert response.json()["version"] == 2
    assert AuditEvent.objects.get(verb="updated", object_type="cases.child").changes == {
        "ethnicity": ["", "Fictional"],
        "ethnicity_code": ["not_known", "mixed_other"],
    }


def test_a_stale_version_over_the_api_is_409_with_the_current_one():
    case = make_case()
    boss = coordinator()
    url = f"/api/v1/children/{case.child_id}/details/"
    stale = details(case.child, gender="male")
    update(boss, case.child, ethnicity_code="white_other")

    response = client_for(boss).post(url, stale, format="json")

    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert Child.objects.get(pk=case.child_id).gender == "female"


def test_the_api_refuses_others_before_reading_the_body():
    agency = AgencyFactory()
    agency.areas.add(staffordshire())
    case = make_case(agencies=[agency])
    url = f"/api/v1/children/{case.child_id}/details/"

    assert client_for(agency_lead(agency)).post(url, {}, format="json").status_code == 403
    assert client_for(auditor()).post(url, {}, format="json").status_code == 403
    assert client_for(coordinator(stoke())).post(url, {}, format="json").status_code == 404
    assert client_for(coordinator()).post(url, {}, format="json").status_code == 400
    assert Referral.objects.count() == 1

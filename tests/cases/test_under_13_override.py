"""Walk-through: a 12-year-old's referral with the level overridden to "low" by professional
judgement was saved as Low, and the referrer was told early help may be better than a panel
referral, beside "Under 13: never rated low". Under 13 is never rated low, by the rules or
by anyone's judgement (DOMAIN.md): the override is refused with a clear message."""

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.models import Referral
from tests.cases.test_referral_views import _date, form_data
from tests.factories import ChildFactory, coordinator, make_referral, referrer, years_ago

pytestmark = pytest.mark.django_db

NEW = "/referrals/new/"
UNDER_13 = _date("date_of_birth", years_ago(12, 30))
OVERRIDE_LOW = {"override_level": "low", "override_reason": "Fictional: professional judgement."}


@pytest.fixture
def me(client, matrix):
    user = referrer()
    client.force_login(user)
    return user


def test_the_form_refuses_low_for_an_under_13(client, me):
    response = client.post(NEW, form_data(**UNDER_13, **OVERRIDE_LOW))

    assert response.status_code == 200
    page = response.content.decode()
    assert "A child under 13 is never rated low" in page
    assert "Early help may be better" not in page
    assert not Referral.objects.exists()


def test_the_live_level_gives_no_early_help_for_an_under_13_overridden_low(client, me):
    page = client.post("/referrals/score/", form_data(**UNDER_13, **OVERRIDE_LOW))

    assert "Early help may be better" not in page.content.decode()


def test_a_13_year_old_may_still_be_judged_low(client, me):
    response = client.post(
        NEW, form_data(**_date("date_of_birth", years_ago(13, 30)), **OVERRIDE_LOW)
    )

    assert response.status_code == 302
    assert Referral.objects.get().assessments.get().final_level == "low"


def test_a_coordinator_cannot_assess_an_under_13_as_low_at_triage(matrix):
    from tests.factories import staffordshire

    area = staffordshire()
    child = ChildFactory(area=area, date_of_birth=years_ago(12, 30))
    referral = make_referral(by=referrer(), child=child)
    with pytest.raises(ValidationError) as refused:
        services.assess_referral(
            coordinator(area),
            referral=referral,
            answers={},
            override_level="low",
            override_reason="Fictional: professional judgement.",
        )
    assert "override_level" in refused.value.message_dict


def test_the_triage_assessment_page_says_why_low_is_refused(client, matrix):
    import uuid

    from tests.factories import staffordshire

    area = staffordshire()
    user = coordinator(area)
    child = ChildFactory(area=area, date_of_birth=years_ago(12, 30))
    referral = make_referral(by=referrer(), child=child)
    client.force_login(user)

    response = client.post(
        f"/triage/{referral.pk}/assess/",
        {"submission_token": str(uuid.uuid4()), **OVERRIDE_LOW},
    )

    assert response.status_code == 200
    assert "A child under 13 is never rated low" in response.content.decode()
    assert referral.assessments.count() == 1

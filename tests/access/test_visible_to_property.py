"""visible_to() against a brute-force statement of the need-to-know rule, on random cases,
referrals and memberships (DESIGN.md rule 1)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.models import Case, CaseAgency, Child, Referral
from panel.models import Agency, Role, RoleAssignment, User
from tests.factories import (
    AgencyFactory,
    ChildFactory,
    UserFactory,
    make_case,
    make_referral,
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db


def expected_cases(user: User) -> set[int]:
    """The rule in plain Python, from the current rows."""
    if not user.is_active:
        return set()
    roles = set(RoleAssignment.objects.filter(user=user).values_list("role", "area_id"))
    if any(role == Role.AUDITOR for role, _ in roles):
        return set(Case.objects.values_list("pk", flat=True))
    areas = {area for role, area in roles if role == Role.COORDINATOR}
    lead = any(role == Role.AGENCY_LEAD for role, _ in roles)
    seen = set()
    for case in Case.objects.all():
        involved = set(CaseAgency.objects.filter(case=case).values_list("agency_id", flat=True))
        if case.area_id in areas or (lead and user.agency_id in involved):
            seen.add(case.pk)
    return seen


def expected_referrals(user: User) -> set[int]:
    if not user.is_active:
        return set()
    roles = set(RoleAssignment.objects.filter(user=user).values_list("role", "area_id"))
    if any(role == Role.AUDITOR for role, _ in roles):
        return set(Referral.objects.values_list("pk", flat=True))
    areas = {area for role, area in roles if role == Role.COORDINATOR}
    cases = expected_cases(user)
    lead = any(role == Role.AGENCY_LEAD for role, _ in roles)
    return {
        r.pk
        for r in Referral.objects.all()
        if r.area_id in areas or r.referrer_id == user.pk or (lead and r.case_id in cases)
    }


role_sets = st.lists(
    st.sampled_from(
        ["coordinator-staffs", "coordinator-stoke", "agency_lead", "referrer", "auditor"]
    ),
    max_size=3,
    unique=True,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_visible_to_matches_the_rule(data):
    areas = {"staffs": staffordshire(), "stoke": stoke()}
    agencies = list(Agency.objects.all()[:3])
    while len(agencies) < 3:
        agencies.append(AgencyFactory())
    referrers = [UserFactory(roles=["referrer"], agency=agencies[0]) for _ in range(2)]

    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        area = areas[data.draw(st.sampled_from(["staffs", "stoke"]))]
        involved = data.draw(st.lists(st.sampled_from(agencies), max_size=3, unique=True))
        if data.draw(st.booleans()):
            make_case(area=area, agencies=involved)
        else:
            make_referral(by=data.draw(st.sampled_from(referrers)), child=ChildFactory(area=area))

    roles = data.draw(role_sets)
    user = UserFactory(
        agency=data.draw(st.sampled_from(agencies)), is_active=data.draw(st.booleans())
    )
    for role in roles:
        if role.startswith("coordinator"):
            RoleAssignment.objects.create(
                user=user, role=Role.COORDINATOR, area=areas[role.split("-")[1]]
            )
        else:
            RoleAssignment.objects.create(user=user, role=role)
    if data.draw(st.booleans()):
        user = data.draw(st.sampled_from(referrers))
    user = User.objects.get(pk=user.pk)  # fresh: roles are read from the current rows

    assert set(Case.objects.visible_to(user).values_list("pk", flat=True)) == expected_cases(user)
    assert set(Referral.objects.visible_to(user).values_list("pk", flat=True)) == (
        expected_referrals(user)
    )
    visible_children = set(Child.objects.visible_to(user).values_list("pk", flat=True))
    expected_children = set(
        Case.objects.filter(pk__in=expected_cases(user)).values_list("child_id", flat=True)
    ) | set(
        Referral.objects.filter(pk__in=expected_referrals(user)).values_list("child_id", flat=True)
    )
    assert visible_children == expected_children


def test_a_moved_user_loses_access_at_once():
    old, new = AgencyFactory(), AgencyFactory()
    case = make_case(agencies=[old])
    lead = UserFactory(roles=["agency_lead"], agency=old)
    assert Case.objects.visible_to(User.objects.get(pk=lead.pk)).filter(pk=case.pk).exists()

    User.objects.filter(pk=lead.pk).update(agency=new)

    assert not Case.objects.visible_to(User.objects.get(pk=lead.pk)).exists()


def test_a_deactivated_user_sees_nothing():
    make_case()
    user = UserFactory(roles=["auditor"], is_active=False)

    assert not Case.objects.visible_to(user).exists()

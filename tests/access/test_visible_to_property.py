"""visible_to() against a brute-force statement of the need-to-know rule, on random cases,
referrals and memberships (DESIGN.md rule 1), and the narrow scopes of the people doing
the work: a case's lead professional and the owners of its open actions (rule 11)."""

import datetime as dt

import pytest
from django.db.models import Q
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.models import Action, Case, CaseAgency, Child, Referral, RiskAssessment
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
        # The lead professional, while their agency is involved in the case.
        if case.lead_professional_id == user.pk and user.agency_id in involved:
            seen.add(case.pk)
        # An owner of an open action, while still in its owning agency, which is involved.
        for action in Action.objects.filter(case=case, owner=user):
            if (
                action.status in ("open", "in_progress")
                and user.agency_id == action.owning_agency_id
                and action.owning_agency_id in involved
            ):
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
    return {
        r.pk
        for r in Referral.objects.all()
        if r.area_id in areas or r.referrer_id == user.pk or r.case_id in cases
    }


role_sets = st.lists(
    st.sampled_from(
        ["coordinator-staffs", "coordinator-stoke", "agency_lead", "referrer", "auditor"]
    ),
    max_size=3,
    unique=True,
)


@settings(
    max_examples=40,
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
    # The user under test and a colleague: either may be named lead professional or owner.
    user = UserFactory(agency=data.draw(st.sampled_from(agencies)))
    colleague = UserFactory(roles=["referrer"], agency=data.draw(st.sampled_from(agencies)))
    workers = [user, colleague]

    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        area = areas[data.draw(st.sampled_from(["staffs", "stoke"]))]
        involved = data.draw(st.lists(st.sampled_from(agencies), max_size=3, unique=True))
        # Mostly cases, and mostly with a worker named, so the narrow scopes are exercised.
        if data.draw(st.integers(min_value=0, max_value=2)):
            lead = data.draw(st.sampled_from([*workers, None]))
            if lead is not None and lead.agency not in involved:
                involved.append(lead.agency)
            case = make_case(area=area, agencies=involved, lead_professional=lead)
            # Accepting named a lead agency, so at least one agency is involved.
            on_case = list(case.involved_agencies.order_by("pk"))
            for owning in data.draw(st.lists(st.sampled_from(on_case), max_size=3)):
                members = [w for w in workers if w.agency_id == owning.pk]
                status = data.draw(st.sampled_from(["open", "in_progress", "done", "cancelled"]))
                Action.objects.create(
                    case=case,
                    description="Fictional action for the property test.",
                    owning_agency=owning,
                    owner=data.draw(st.sampled_from([*members, None])),
                    due_date=dt.date(2030, 1, 1),
                    status=status,
                    completion_note="Fictional." if status == "done" else "",
                    completed_at=timezone.now() if status == "done" else None,
                    cancel_reason="Fictional." if status == "cancelled" else "",
                    created_by=colleague,
                )
        else:
            make_referral(by=data.draw(st.sampled_from(referrers)), child=ChildFactory(area=area))

    # People move agency after they were named: their links to the case may no longer be
    # live (a lead professional whose agency is not involved, an owner who left the agency).
    elsewhere = AgencyFactory()  # involved in no case
    for worker in workers:
        if data.draw(st.booleans()):
            moved_to = data.draw(st.sampled_from([elsewhere, *agencies]))
            User.objects.filter(pk=worker.pk).update(agency=moved_to)
    User.objects.filter(pk=user.pk).update(is_active=data.draw(st.booleans()))
    for role in data.draw(role_sets):
        if role.startswith("coordinator"):
            RoleAssignment.objects.create(
                user=user, role=Role.COORDINATOR, area=areas[role.split("-")[1]]
            )
        else:
            RoleAssignment.objects.create(user=user, role=role)
    user = data.draw(st.sampled_from([user, user, colleague, referrers[0]]))
    user = User.objects.get(pk=user.pk)  # fresh: roles are read from the current rows

    cases = expected_cases(user)
    referrals = expected_referrals(user)
    assert set(Case.objects.visible_to(user).values_list("pk", flat=True)) == cases
    assert set(Referral.objects.visible_to(user).values_list("pk", flat=True)) == referrals
    visible_children = set(Child.objects.visible_to(user).values_list("pk", flat=True))
    expected_children = set(
        Case.objects.filter(pk__in=cases).values_list("child_id", flat=True)
    ) | set(Referral.objects.filter(pk__in=referrals).values_list("child_id", flat=True))
    assert visible_children == expected_children
    assert set(Action.objects.visible_to(user).values_list("pk", flat=True)) == set(
        Action.objects.filter(case_id__in=cases).values_list("pk", flat=True)
    )
    assert set(RiskAssessment.objects.visible_to(user).values_list("pk", flat=True)) == set(
        RiskAssessment.objects.filter(
            Q(case_id__in=cases) | Q(referral_id__in=referrals)
        ).values_list("pk", flat=True)
    )


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


# --- the research list (panel meetings): its own narrow scope --------------------------


def expected_research(user: User, today: dt.date) -> set[int]:
    """The research list rule in plain Python: case items still on the agenda (to be heard
    or heard) of a meeting whose list is open today (published, minutes not approved, no
    more than MEETING_RESEARCH_DAYS_AFTER days past), for an active non-staff user who
    audits, coordinates the meeting's area, or is named for a member agency they are
    still in."""
    from django.conf import settings as django_settings

    from meetings.models import AgendaItem, MeetingMember

    if not user.is_active or user.is_staff or user.is_superuser:
        return set()
    roles = set(RoleAssignment.objects.filter(user=user).values_list("role", "area_id"))
    audits = any(role == Role.AUDITOR for role, _ in roles)
    areas = {area for role, area in roles if role == Role.COORDINATOR}
    oldest = today - dt.timedelta(days=django_settings.MEETING_RESEARCH_DAYS_AFTER)
    seen = set()
    for item in AgendaItem.objects.select_related("meeting"):
        meeting = item.meeting
        if item.kind != "case" or meeting is None or item.status not in ("pending", "heard"):
            continue
        if not (
            meeting.status in ("published", "held")
            and meeting.published_at is not None
            and meeting.approved_at is None
            and meeting.date >= oldest
        ):
            continue
        seat = MeetingMember.objects.filter(
            meeting=meeting, representative=user, agency_id=user.agency_id
        ).exists()
        if audits or meeting.area_id in areas or (user.agency_id and seat):
            seen.add(item.pk)
    return seen


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_research_scope_matches_the_rule_and_never_widens_the_case_scope(data):
    from meetings.models import (
        AgendaItem,
        Meeting,
        MeetingMember,
        ResearchListEntry,
        ResearchReturn,
    )
    from panel.dates import london_today

    today = london_today()
    areas = {"staffs": staffordshire(), "stoke": stoke()}
    agencies = list(Agency.objects.all()[:3])
    while len(agencies) < 3:
        agencies.append(AgencyFactory())
    user = UserFactory(agency=data.draw(st.sampled_from(agencies)))
    colleague = UserFactory(agency=data.draw(st.sampled_from(agencies)))
    boss = UserFactory(
        roles=[(Role.COORDINATOR, areas["staffs"]), (Role.COORDINATOR, areas["stoke"])]
    )

    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        area = areas[data.draw(st.sampled_from(["staffs", "stoke"]))]
        status = data.draw(
            st.sampled_from(["scheduled", "published", "held", "approved", "cancelled"])
        )
        published = status != "scheduled" and data.draw(st.integers(0, 4)) > 0
        meeting = Meeting.objects.create(
            area=area,
            date=today + dt.timedelta(days=data.draw(st.sampled_from([-20, -15, -14, -1, 0, 3]))),
            start_time=dt.time(10),
            venue="Test Venue (fictional)",
            status=status,
            published_at=timezone.now() if published else None,
            approved_at=timezone.now() if status == "approved" else None,
            cancel_reason="Fictional." if status == "cancelled" else "",
            created_by=boss,
        )
        for agency in data.draw(st.lists(st.sampled_from(agencies), max_size=3, unique=True)):
            MeetingMember.objects.create(
                meeting=meeting,
                agency=agency,
                representative=data.draw(st.sampled_from([user, colleague, None])),
            )
        for _ in range(data.draw(st.integers(min_value=0, max_value=2))):
            involved = data.draw(st.lists(st.sampled_from(agencies), max_size=2, unique=True))
            item = AgendaItem.objects.create(
                area=area,
                meeting=meeting,
                case=make_case(area=area, agencies=involved, coordinator_user=boss),
                status=data.draw(
                    st.sampled_from(["pending", "heard", "not_reached", "moved", "withdrawn"])
                ),
                added_by=boss,
            )
            for agency in data.draw(st.lists(st.sampled_from(agencies), max_size=2, unique=True)):
                ResearchReturn.objects.create(
                    item=item,
                    agency=agency,
                    outcome="nothing_held",
                    recorded_by=boss,
                    recorded_at=timezone.now(),
                )
        if data.draw(st.booleans()):
            AgendaItem.objects.create(
                area=area, meeting=meeting, kind="general", case=None, title="Fictional.",
                added_by=boss,
            )  # fmt: skip

    # Membership moves after the meetings were set up: access follows it live.
    if data.draw(st.booleans()):
        User.objects.filter(pk=user.pk).update(agency=data.draw(st.sampled_from(agencies)))
    seat = MeetingMember.objects.filter(representative=user).first()
    if seat is not None and data.draw(st.integers(0, 4)) == 0:
        seat.delete()  # removed from one meeting (or their agency removed)
    User.objects.filter(pk=user.pk).update(
        is_active=data.draw(st.integers(0, 5)) > 0, is_staff=data.draw(st.integers(0, 8)) == 0
    )
    for role in data.draw(role_sets):
        if role.startswith("coordinator"):
            RoleAssignment.objects.create(
                user=user, role=Role.COORDINATOR, area=areas[role.split("-")[1]]
            )
        else:
            RoleAssignment.objects.create(user=user, role=role)
    user = User.objects.get(pk=user.pk)

    research = expected_research(user, today)
    assert set(ResearchListEntry.objects.visible_to(user).values_list("pk", flat=True)) == research
    # Never wider: the research list adds nothing to the case, child or referral scopes.
    # (expected_cases does not know staff: staff read nothing, as cases/access.py says.)
    staff = user.is_staff
    cases = set() if staff else expected_cases(user)
    assert set(Case.objects.visible_to(user).values_list("pk", flat=True)) == cases
    assert set(Referral.objects.visible_to(user).values_list("pk", flat=True)) == (
        set() if staff else expected_referrals(user)
    )
    # Returns: every one on a case the user sees; their agency's own on the open entries at
    # which they hold a live seat; all for auditors.
    seat_items = {
        pk
        for pk in research
        if user.agency_id
        and MeetingMember.objects.filter(
            meeting__items__pk=pk, representative=user, agency_id=user.agency_id
        ).exists()
    }
    if not user.is_active or user.is_staff:
        expected_returns = set()
    elif user.is_auditor:
        expected_returns = set(ResearchReturn.objects.values_list("pk", flat=True))
    else:
        expected_returns = {
            r.pk
            for r in ResearchReturn.objects.select_related("item")
            if r.item.case_id in cases
            or (r.agency_id == user.agency_id and r.item_id in seat_items)
        }
    assert set(ResearchReturn.objects.visible_to(user).values_list("pk", flat=True)) == (
        expected_returns
    )

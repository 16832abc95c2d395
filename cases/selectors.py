"""Reads that take more than a filter: lists with their annotations, a case's chronology.
Every one starts from a visible_to(user) queryset."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as SqlCase

from cases.access import works_on_a_case
from cases.models import (
    Action,
    Case,
    Referral,
    Review,
    RiskAssessment,
)
from panel.dates import london_today
from panel.models import User


def _latest_assessment_level(ref: str) -> Subquery:
    return Subquery(
        RiskAssessment.objects.filter(**{ref: OuterRef("pk")})
        .order_by("-assessed_at", "-id")
        .values("final_level")[:1]
    )


def triage_queue(user: User) -> QuerySet[Referral]:
    """Referrals awaiting triage in the areas the user coordinates: immediate risk first,
    then oldest first."""
    return (
        Referral.objects.visible_to(user)
        .filter(status=Referral.Status.SUBMITTED, area_id__in=user.coordinator_area_ids)
        .select_related("child", "area", "referrer_agency")
        .annotate(
            risk_level=_latest_assessment_level("referral"),
            # A repeat links to the earlier referral only for those who may open it.
            repeat_of_visible=Exists(
                Referral.objects.visible_to(user).filter(pk=OuterRef("repeat_of_id"))
            ),
        )
        .order_by("-immediate_risk", "referred_at", "pk")
    )


def case_list(user: User) -> QuerySet[Case]:
    upcoming = Review.objects.filter(case=OuterRef("pk"), status=Review.Status.UPCOMING)
    return (
        Case.objects.visible_to(user)
        .select_related("child", "area", "lead_agency")
        .annotate(
            next_review=Subquery(upcoming.values("due_date")[:1]),
            open_actions=Count(
                "actions", filter=Q(actions__status__in=Action.OPEN_STATUSES), distinct=True
            ),
        )
        .order_by("-opened_at", "-pk")
    )


# A case's chronology is paged in the database: cases/chronology.py. Entry and the full
# read stay importable from here for existing callers.
from cases.chronology import Entry, chronology  # noqa: E402, F401

# --- actions and reviews ---------------------------------------------------------------


def _flag(condition: Q) -> SqlCase:
    return SqlCase(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def overdue_actions(today: dt.date | None = None) -> Q:
    """Open actions past their due date in Europe/London: derived, never stored."""
    return Q(status__in=Action.OPEN_STATUSES, due_date__lt=today or london_today())


def overdue_reviews(today: dt.date | None = None) -> Q:
    return Q(status=Review.Status.UPCOMING, due_date__lt=today or london_today())


def actions_with_overdue(queryset: QuerySet[Action]) -> QuerySet[Action]:
    """``overdue`` worked out in the query, so lists can filter and sort on it."""
    return queryset.annotate(overdue=_flag(overdue_actions()))


def reviews_with_overdue(queryset: QuerySet[Review]) -> QuerySet[Review]:
    return queryset.annotate(overdue=_flag(overdue_reviews()))


def has_work(user: User) -> bool:
    """Coordinators and agency leads have work, and so has anyone who is a case's lead
    professional or owns an open action (cases/access.py); auditors read and change
    nothing."""
    if not (user.is_authenticated and user.is_active and not user.is_auditor):
        return False
    if user.coordinator_area_ids or (user.is_agency_lead and user.agency_id):
        return True
    return works_on_a_case(user)


def work_actions(user: User) -> QuerySet[Action]:
    """The actions that are the user's to follow: their agency's (agency leads), every
    action in the areas they coordinate (coordinators) and those they own, among what they
    may see; overdue first, then by due date."""
    mine = Q(owner_id=user.pk)
    if user.is_agency_lead and user.agency_id:
        mine |= Q(owning_agency_id=user.agency_id)
    if user.coordinator_area_ids:
        mine |= Q(case__area_id__in=user.coordinator_area_ids)
    return (
        actions_with_overdue(Action.objects.visible_to(user).filter(mine))
        .select_related("case", "case__area", "owning_agency", "owner")
        .order_by("-overdue", "due_date", "pk")
    )


def work_cases(user: User) -> QuerySet[Case]:
    """The cases still active that the user may see (for an agency lead: those their agency
    is involved in; for a coordinator: their areas'; for a lead professional or an owner:
    the cases they work on), the next review first."""
    return (
        case_list(user)
        .exclude(status=Case.Status.CLOSED)
        .order_by(F("next_review").asc(nulls_last=True), "pk")
    )


def reviews_due(user: User) -> QuerySet[Review]:
    """Upcoming reviews in the areas the user coordinates, earliest due first."""
    return (
        reviews_with_overdue(
            Review.objects.visible_to(user).filter(
                status=Review.Status.UPCOMING, case__area_id__in=user.coordinator_area_ids
            )
        )
        .select_related("case", "case__area", "case__child")
        .order_by("due_date", "pk")
    )

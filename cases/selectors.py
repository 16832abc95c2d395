"""Reads that take more than a filter: lists with their annotations, a case's chronology.
Every one starts from a visible_to(user) queryset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db.models import (
    BooleanField,
    Count,
    DateField,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.functions import Coalesce

from cases.access import is_auditor, works_on_a_case
from cases.models import (
    Action,
    Case,
    Referral,
    Review,
    RiskAssessment,
)
from panel.dates import london_today
from panel.models import Agency, Area, User


def _latest_assessment_level(ref: str) -> Subquery:
    return Subquery(
        RiskAssessment.objects.filter(**{ref: OuterRef("pk")})
        .order_by("-assessed_at", "-id")
        .values("final_level")[:1]
    )


def my_referrals(user: User, status: str = "") -> QuerySet[Referral]:
    """The referrals ``user`` made (whatever their roles), newest first; with ``status``
    (a ``Referral.Status`` value) only those in it. "My referrals" lists these and the
    home page's referral figures count them."""
    referrals = Referral.objects.visible_to(user).filter(referrer=user)
    if status:
        referrals = referrals.filter(status=status)
    return referrals.select_related("child").order_by("-referred_at", "-pk")


def triage_waiting(user: User, *, immediate_only: bool = False) -> QuerySet[Referral]:
    """Referrals awaiting triage in the areas the user coordinates (with ``immediate_only``,
    those flagged at immediate risk), unordered and unannotated: what the triage queue
    lists and the home page's triage figures count."""
    waiting = Referral.objects.visible_to(user).filter(
        status=Referral.Status.SUBMITTED, area_id__in=user.coordinator_area_ids
    )
    return waiting.filter(immediate_risk=True) if immediate_only else waiting


def triage_queue(user: User, *, immediate_only: bool = False) -> QuerySet[Referral]:
    """Referrals awaiting triage in the areas the user coordinates (``triage_waiting``):
    immediate risk first, then oldest first."""
    return (
        triage_waiting(user, immediate_only=immediate_only)
        .select_related("child", "area", "referrer_agency")
        .annotate(
            risk_level=_latest_assessment_level("referral"),
            # A repeat links to the earlier referral only for those who may open it. Asked
            # only of a repeat, and as "one of the referrals the user may see" (worked out
            # once, when the queue holds a repeat at all), not a probe per row.
            repeat_of_visible=SqlCase(
                When(repeat_of__isnull=True, then=Value(False)),
                When(
                    repeat_of_id__in=Referral.objects.visible_to(user).values("pk"),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by("-immediate_risk", "referred_at", "pk")
    )


def upcoming_review_due(case_ref: str = "pk") -> Subquery:
    """The due date of the case's upcoming review (at most one: ``review_one_upcoming``),
    read through that partial unique index."""
    upcoming = Review.objects.filter(case_id=OuterRef(case_ref), status=Review.Status.UPCOMING)
    # No order: there is one, and Review's default order (by case, so by the case's
    # opened_at) would join the case table again for every row.
    return Subquery(upcoming.order_by().values("due_date")[:1], output_field=DateField())


def open_action_count(case_ref: str = "pk") -> Coalesce:
    """How many open actions the case has, as a correlated subquery: PostgreSQL works it
    out for the rows a page shows (after the LIMIT), never for every visible case."""
    counted = (
        Action.objects.filter(case_id=OuterRef(case_ref), status__in=Action.OPEN_STATUSES)
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def review_due_by(day: dt.date) -> Exists:
    """Cases whose upcoming review is due on or before ``day`` (``next_review <= day``),
    as an EXISTS the planner can drive from the reviews, not a subquery per case."""
    return Exists(
        Review.objects.filter(
            case_id=OuterRef("pk"), status=Review.Status.UPCOMING, due_date__lte=day
        )
    )


def case_filter_choices(user: User) -> tuple[QuerySet[Area], QuerySet[Agency]]:
    """The case list's area and agency choices, from reference data the user may use,
    never by aggregating the list: an auditor every area and agency; a coordinator the
    areas they coordinate; an agency lead the areas their agency serves (a case's
    agencies are its area's, so theirs are among those); and the agencies of those areas
    (an agency lead's own always). A user with several roles has the union. Anything else
    sent is refused by the form as an invalid choice."""
    if is_auditor(user):
        return Area.objects.all(), Agency.objects.all()
    served = Agency.areas.through.objects
    areas = Q(pk__in=sorted(user.coordinator_area_ids))
    agencies = Q(pk__in=[])
    if user.is_agency_lead and user.agency_id:
        areas |= Q(pk__in=served.filter(agency_id=user.agency_id).values("area_id"))
        agencies |= Q(pk=user.agency_id)
    area_choices = Area.objects.filter(areas)
    agencies |= Q(pk__in=served.filter(area__in=area_choices).values("agency_id"))
    return area_choices, Agency.objects.filter(agencies)


def case_list(user: User) -> QuerySet[Case]:
    """The cases the user may see, newest first (the ``case_opened`` and
    ``case_area_opened`` indexes), with the next review's due date and the count of open
    actions worked out for the page's rows only."""
    return (
        Case.objects.visible_to(user)
        .select_related("child", "area", "lead_agency")
        .annotate(next_review=upcoming_review_due(), open_actions=open_action_count())
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


def work_actions(user: User, statuses: Collection[str] | None = None) -> QuerySet[Action]:
    """The actions that are the user's to follow: their agency's (agency leads), every
    action in the areas they coordinate (coordinators) and those they own, among what they
    may see, with ``statuses`` only (None: any); overdue first, then by due date.

    Among open actions an action is overdue exactly when its due date is past, and a
    finished one never is: for statuses all open or all finished, "overdue first, then by
    due date" is the due date's order, which an index gives (``action_open_due``,
    ``action_status_due``) without working out the flag for every action first. Only a
    mix of open and finished statuses sorts on the flag."""
    mine = Q(owner_id=user.pk)
    if user.is_agency_lead and user.agency_id:
        mine |= Q(owning_agency_id=user.agency_id)
    if user.coordinator_area_ids:
        mine |= Q(case__area_id__in=user.coordinator_area_ids)
    actions = Action.objects.visible_to(user).filter(mine)
    if statuses is not None:
        actions = actions.filter(status__in=statuses)
    open_only = statuses is not None and set(statuses) <= set(Action.OPEN_STATUSES)
    finished_only = statuses is not None and not set(statuses) & set(Action.OPEN_STATUSES)
    order = ("due_date", "pk") if open_only or finished_only else ("-overdue", "due_date", "pk")
    return (
        actions_with_overdue(actions)
        .select_related("case", "case__area", "owning_agency", "owner")
        .order_by(*order)
    )


ACTIVE_CASE_STATUSES = tuple(s for s in Case.Status.values if s != Case.Status.CLOSED)


def work_cases(user: User) -> QuerySet[Case]:
    """The cases still active that the user may see (for an agency lead: those their agency
    is involved in; for a coordinator: their areas'; for a lead professional or an owner:
    the cases they work on), the next review first. "Not closed" is spelled as the active
    statuses so that the (area, status) index can find them."""
    # The next review by a join (a case has at most one upcoming review, so no row
    # repeats): sorting on it costs a join, not a subquery per active case.
    upcoming = FilteredRelation("reviews", condition=Q(reviews__status=Review.Status.UPCOMING))
    return (
        Case.objects.visible_to(user)
        .filter(status__in=ACTIVE_CASE_STATUSES)
        .select_related("child", "area", "lead_agency")
        .annotate(upcoming=upcoming)
        .annotate(next_review=F("upcoming__due_date"), open_actions=open_action_count())
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

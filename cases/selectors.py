"""Reads that take more than a filter: lists with their annotations, a case's chronology.
Every one starts from a visible_to(user) queryset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.core.paginator import Page, Paginator
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
    CASE_RISK_RANK,
    CASE_STATUS_RANK,
    Action,
    Case,
    Referral,
    Review,
    RiskAssessment,
)
from panel.dates import london_today
from panel.models import Agency, Area, User, reads_case_data


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
        # Counting the case column, which the open actions' partial index holds
        # (action_open_case): an index-only scan, no visit to the actions themselves.
        .annotate(n=Count("case_id"))
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


def review_due_between(start: dt.date | None = None, end: dt.date | None = None) -> Exists:
    """Cases whose upcoming review is due on or after ``start`` and on or before ``end``
    (either may be None: open-ended), as an EXISTS over the upcoming reviews (see
    ``review_due_by``)."""
    due = {}
    if start is not None:
        due["due_date__gte"] = start
    if end is not None:
        due["due_date__lte"] = end
    return Exists(
        Review.objects.filter(case_id=OuterRef("pk"), status=Review.Status.UPCOMING, **due)
    )


def has_overdue_actions(today: dt.date | None = None) -> Exists:
    """Cases with an open action due before today (Europe/London): ``overdue_actions`` as
    an EXISTS, driven by the open actions' partial index, never a count per case."""
    return Exists(
        Action.objects.filter(case_id=OuterRef("pk")).filter(overdue_actions(today)).order_by()
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


def lead_professional_choices(agencies: QuerySet[Agency]) -> QuerySet[User]:
    """The people the case list offers as lead professional: accounts that may read case
    data, in the agencies of the viewer's agency choices (``case_filter_choices``: a case's
    lead professional is in one of its area's agencies), who lead at least one case (an
    EXISTS on the lead professional's index), by name. Never every user: choosing anyone
    else could only list nothing."""
    leads = Case.objects.filter(lead_professional_id=OuterRef("pk"))
    return (
        User.objects.filter(reads_case_data(), agency__in=agencies)
        .filter(Exists(leads))
        .select_related("agency")
        .order_by("last_name", "first_name", "pk")
    )


# --- the case list's orders ---------------------------------------------------------------
#
# ``sort_cases`` is the one place the case list is ordered, on the page and in the API.
# Every order ends with the case's id (in the same direction), so a page boundary never
# splits or repeats rows that tie. How PostgreSQL serves each (migration 0017 adds the
# indexes named here; README "The case list: filters and sorting"):
#   opened        case_opened / case_area_opened, read in order and stopped at the page;
#   reference     the reference's unique index, read in order;
#   status, risk  expression indexes on the rank (case_status_rank, case_risk_rank),
#                 read in order; the rank, not the word: risk high > medium > low, status
#                 awaiting panel > open > closed (the lifecycle);
#   child, age    the child's name index (child_name) or date of birth (child_dob_name),
#                 read in order and joined to the child's cases, then sorted by id within
#                 each name or date (a handful of rows);
#   area, lead_agency
#                 the few areas or agencies in name order, each one's cases by
#                 case_area_id / case_lead_agency_id: bounded by the largest area's or
#                 agency's cases, not the whole list;
#   next_review   the upcoming review joined (at most one per case: no row repeats) and a
#                 top-N sort of the viewer's cases; cases with no upcoming review last;
#   open_actions  the count for every case the viewer sees, then a top-N sort: the one
#                 order an index cannot give (a count is not stored). Bounded by the
#                 viewer's scope and filters; measured in bench/pages.py.

RISK_RANK = CASE_RISK_RANK
STATUS_RANK = CASE_STATUS_RANK


def _order(cases: QuerySet[Case], key: str) -> tuple[QuerySet[Case], list[tuple]]:
    """The ascending order of a sort key: the queryset (with what the order joins) and the
    terms to order by before the id, each (expression, descending, may be empty)."""
    if key == "opened":
        return cases, [(F("opened_at"), False, False)]
    if key == "reference":
        return cases, [(F("reference"), False, False)]
    if key == "child":
        return cases, [
            (F("child__last_name"), False, False),
            (F("child__first_name"), False, False),
        ]
    if key == "age":
        # Youngest first: the latest date of birth first.
        return cases, [(F("child__date_of_birth"), True, False)]
    if key == "area":
        return cases, [(F("area__name"), False, False)]
    if key == "status":
        return cases, [(STATUS_RANK, False, False)]
    if key == "risk":
        return cases, [(RISK_RANK, False, False)]
    if key == "lead_agency":
        return cases, [(F("lead_agency__name"), False, True)]
    if key == "next_review":
        # The upcoming review by a join (at most one a case, so no row repeats).
        upcoming = FilteredRelation("reviews", condition=Q(reviews__status=Review.Status.UPCOMING))
        cases = cases.alias(sort_upcoming=upcoming)
        return cases, [(F("sort_upcoming__due_date"), False, True)]
    if key == "open_actions":
        cases = cases.alias(sort_open_actions=open_action_count())
        return cases, [(F("sort_open_actions"), False, False)]
    raise ValueError(f"not a case list sort: {key!r}")


# Column keys, in the order the list shows them, with their headings.
SORT_COLUMNS: dict[str, str] = {
    "reference": "Reference",
    "child": "Child",
    "age": "Age",
    "area": "Area",
    "status": "Status",
    "risk": "Risk",
    "lead_agency": "Lead agency",
    "next_review": "Next review",
    "open_actions": "Open actions",
    "opened": "Opened",
}
SORT_KEYS: tuple[str, ...] = (*SORT_COLUMNS, *(f"-{key}" for key in SORT_COLUMNS))
DEFAULT_SORT = "-opened"


def sort_cases(cases: QuerySet[Case], key: str) -> QuerySet[Case]:
    """``cases`` in the order of a column: ``key`` a column key (``SORT_COLUMNS``) for
    ascending, ``-key`` for descending; ties broken by the case's id in the same
    direction. Empty values (no lead agency, no upcoming review) come last either way.
    Only orders: any caller's scoped queryset; ValueError for any other key."""
    descending = key.startswith("-")
    cases, terms = _order(cases, key.removeprefix("-"))
    order = []
    for expression, term_descending, nullable in [*terms, (F("pk"), False, False)]:
        # Empty values last either way; only asked of a column that may be empty, so an
        # index's order (NULLS LAST ascending, NULLS FIRST descending) still matches.
        nulls = {"nulls_last": True} if nullable else {}
        if term_descending != descending:
            order.append(expression.desc(**nulls))
        else:
            order.append(expression.asc(**nulls))
    return cases.order_by(*order)


class CasePaginator(Paginator):
    """Pages a case list in two steps: the page's ids in the list's order first, reading
    only the case rows and what the order and the filters join (not the child, area and
    agency shown, nor the per-row subqueries); then those cases with everything shown. An
    order that no index serves then sorts narrow rows; an indexed one reads its index
    either way. One query more than a plain page, whatever its size. For the case list
    page and the API's case list; the object list is a scoped queryset."""

    def page(self, number: int | str) -> Page:
        if not isinstance(self.object_list, QuerySet):
            # A search's answer, already read (at most a page): paged from memory.
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        # The same queryset (scope and filters asked again, of these ids only).
        rows = {row.pk: row for row in self.object_list.order_by().filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


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

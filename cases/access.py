"""Need to know: the one place that decides which case data a user may read.

Every view, viewset, form choice, export and task reads case data through these
``visible_to(user)`` methods. The rules, from current rows only (roles, the user's agency,
the agencies involved in a case), never from copied ownership fields:

- coordinators: everything in the areas they coordinate;
- agency leads: cases their agency is involved in, and what hangs off those cases;
- the people doing the work, whatever their roles: a case's lead professional while their
  agency is involved in the case, and the owner of an open action while they are still in
  its owning agency (and it is involved), read that case and what hangs off it, as an
  agency lead of an involved agency does. The reminders tell exactly these people
  (``live_lead_professionals`` and ``live_owned_actions`` are the one definition of both);
- referrers: the referrals they made (and the child on them), nothing of the case; anyone
  who made a referral, whatever their role, sees what they sent;
- auditors: everything, read-only;
- anyone else: nothing;
- staff and superusers: nothing at all, whatever role rows their account has. They
  configure the panel; staff status and roles are kept apart (panel/services.py), and a
  role row on a staff account that got there another way still gives nothing.

A user with several roles sees the union.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, Subquery

if TYPE_CHECKING:
    from panel.models import User

NOTHING = Q(pk__in=[])


def _active(user: User | None) -> bool:
    """Whether the user may read case data at all. Staff and superusers configure the
    panel and read none, whatever role rows their account has (``User.role_rows`` ignores
    them too): the admin cannot grant itself a way in."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and not (user.is_staff or user.is_superuser)
    )


def is_auditor(user: User | None) -> bool:
    return _active(user) and user.is_auditor


def _involved(case_field: str, agency_field: str) -> Exists:
    """Whether the agency in ``agency_field`` of the row is involved in the case in
    ``case_field``: the CaseAgency row that gives an agency its link to a case."""
    from cases.models import CaseAgency

    return Exists(
        CaseAgency.objects.filter(case_id=OuterRef(case_field), agency_id=OuterRef(agency_field))
    )


def live_lead_professionals() -> models.QuerySet:
    """Cases whose lead professional's link is live: an active account in an agency still
    involved in the case. The review reminders tell them; the case scope lets them read."""
    from cases.models import Case
    from panel.models import reads_case_data

    return Case.objects.filter(reads_case_data("lead_professional__")).filter(
        _involved("pk", "lead_professional__agency_id")
    )


def live_owned_actions() -> models.QuerySet:
    """Open actions whose owner's link is live: an active account still in the owning
    agency, which is still involved in the case. The action reminders tell them; the case
    scope lets them read the case, and they may update the action."""
    from cases.models import Action
    from panel.models import reads_case_data

    return Action.objects.filter(
        reads_case_data("owner__"),
        status__in=Action.OPEN_STATUSES,
        owner__agency_id=F("owning_agency_id"),
    ).filter(_involved("case_id", "owning_agency_id"))


class InFewIds(Func):
    """``column IN (subquery)`` for a subquery that yields a handful of ids (the cases a
    person leads or owns an action on). On PostgreSQL it is written ``column = ANY(ARRAY(
    subquery))``: the ids are worked out once (an InitPlan) and looked up on the column's
    index, so "in my areas OR one of these few cases" is a BitmapOr of two index scans,
    where ``IN (subquery)`` under an OR can only be a hashed subplan checked against every
    row of a sequential scan (60 ms of 100,000 cases for a count). Not for large sets (an
    agency's cases): a big array is searched row by row."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, queryset: models.QuerySet) -> None:
        super().__init__(F(column), Subquery(queryset.order_by()))

    def as_sql(self, compiler, connection, **extra_context):
        column, queryset = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        ids_sql, ids_params = compiler.compile(queryset)
        return f"{column_sql} IN {ids_sql}", (*column_params, *ids_params)

    def as_postgresql(self, compiler, connection, **extra_context):
        column, queryset = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        ids_sql, ids_params = compiler.compile(queryset)
        return f"{column_sql} = ANY(ARRAY{ids_sql})", (*column_params, *ids_params)


def case_scope(user: User | None, prefix: str = "") -> Q:
    """The Q that selects the cases ``user`` may see, on a model reaching Case by
    ``prefix`` (``""`` for Case itself, ``"case__"`` for an action, and so on)."""
    from cases.models import CaseAgency

    if not _active(user):
        return NOTHING
    if user.is_auditor:
        return Q()
    scope = NOTHING
    if user.coordinator_area_ids:
        scope |= Q(**{f"{prefix}area_id__in": user.coordinator_area_ids})
    # Each narrower scope is "the case is one of these", a subquery that does not depend
    # on the row: PostgreSQL works it out once and looks each row up in it (a hashed
    # subplan or a semi-join), where a correlated EXISTS under an OR was planned, and
    # costed, as one probe per row of every table scoped (which also set off JIT compiling
    # on every count). The same rows either way.
    case_id = f"{prefix.removesuffix('__')}_id__in" if prefix else "pk__in"
    if user.is_agency_lead and user.agency_id:
        involved = CaseAgency.objects.filter(agency_id=user.agency_id).values("case_id")
        scope |= Q(**{case_id: involved})
    if user.agency_id and not user.is_agency_lead:
        # Narrow scopes, whatever the user's other roles. Both need the user's agency to be
        # involved in the case, which already lets an agency lead read it: only others (and
        # only those with an agency) pay for the subqueries.
        # A person leads or owns actions on a few cases: ids looked up on an index.
        column = f"{prefix.removesuffix('__')}_id" if prefix else "pk"
        leads = live_lead_professionals().filter(lead_professional_id=user.pk).values("pk")
        owns = live_owned_actions().filter(owner_id=user.pk).values("case_id")
        scope |= Q(InFewIds(column, leads)) | Q(InFewIds(column, owns))
    return scope


def _case_id_sets(user: User) -> list[models.QuerySet]:
    """The parts of ``case_scope`` for a user who is not an auditor, each as one subquery of
    case ids that does not depend on the row and that an index answers: the user's areas'
    cases, their agency's links, the cases they lead and those of their open actions."""
    from cases.models import Case, CaseAgency

    sets = []
    if user.coordinator_area_ids:
        sets.append(Case.objects.filter(area_id__in=user.coordinator_area_ids).values("pk"))
    if user.is_agency_lead and user.agency_id:
        sets.append(CaseAgency.objects.filter(agency_id=user.agency_id).values("case_id"))
    if user.agency_id and not user.is_agency_lead:
        sets.append(live_lead_professionals().filter(lead_professional_id=user.pk).values("pk"))
        sets.append(live_owned_actions().filter(owner_id=user.pk).values("case_id"))
    return sets


def case_id_scope(user: User | None, field: str = "case_id") -> Q:
    """``case_scope`` asked of a column holding a case's id (``field``): "the id is one of
    these", for each part of the scope (``_case_id_sets``). PostgreSQL works each out once,
    as a small hashed set, where "one of the cases the user may see"
    (``Case.objects.visible_to(user)`` as a subquery) reads every case to test the OR of
    its parts. The same cases; a row with no case is never in."""
    if not _active(user):
        return NOTHING
    if user.is_auditor:
        return Q(**{f"{field}__isnull": False})
    scope = NOTHING
    for ids in _case_id_sets(user):
        scope |= Q(**{f"{field}__in": ids})
    return scope


def _referral_sets(user: User) -> list[models.QuerySet]:
    """The parts of ``ReferralQuerySet.visible_to`` for a user who is not an auditor, each
    a query of referrals that an index answers: those they made, those of their areas and
    (for a user with an agency) those of each part of their case scope."""
    from cases.models import Referral

    sets = [Referral.objects.filter(referrer_id=user.pk)]
    if user.coordinator_area_ids:
        sets.append(Referral.objects.filter(area_id__in=user.coordinator_area_ids))
    if user.agency_id:
        sets += [Referral.objects.filter(case_id__in=ids) for ids in _case_id_sets(user)]
    return sets


def referral_id_scope(user: User | None, field: str) -> Q:
    """``ReferralQuerySet.visible_to`` asked of a column holding a referral's id, in the
    same way as ``case_id_scope``: "one of these ids" for each part of the scope."""
    if not _active(user):
        return NOTHING
    if user.is_auditor:
        return Q(**{f"{field}__isnull": False})
    scope = NOTHING
    for referrals in _referral_sets(user):
        scope |= Q(**{f"{field}__in": referrals.values("pk")})
    return scope


def case_child_scope(user: User | None, field: str = "pk") -> Q:
    """Whether the child whose id is in ``field`` is the child of a case the user may see,
    as "one of these children" for each part of the case scope (see ``case_id_scope``)."""
    from cases.models import Case

    if not _active(user):
        return NOTHING
    if user.is_auditor:
        return Q(**{f"{field}__isnull": False})
    scope = NOTHING
    for ids in _case_id_sets(user):
        # The user's areas' cases by their own index, not "one of these case ids".
        cases = ids if ids.model is Case else Case.objects.filter(pk__in=ids)
        scope |= Q(**{f"{field}__in": cases.values("child_id")})
    return scope


def flag(condition: Q) -> models.Expression:
    """A condition as a true/false column."""
    return models.Case(
        models.When(condition, then=models.Value(True)),
        default=models.Value(False),
        output_field=models.BooleanField(),
    )


def works_on_a_case(user: User | None) -> bool:
    """Whether the user is, right now, a live lead professional or the owner of an open
    action (one query): they have work to list, whatever their roles."""
    from panel.models import User

    if not _active(user) or user.is_auditor or not user.agency_id:
        return False
    leads = live_lead_professionals().filter(lead_professional_id=OuterRef("pk"))
    owns = live_owned_actions().filter(owner_id=OuterRef("pk"))
    return User.objects.filter(pk=user.pk).filter(Q(Exists(leads)) | Q(Exists(owns))).exists()


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user: User | None) -> CaseQuerySet:
        return self.filter(case_scope(user))


class CaseChildQuerySet(models.QuerySet):
    """For records that hang off one case (reviews, notes, transitions)."""

    def visible_to(self, user: User | None) -> models.QuerySet:
        # The case's id "one of these", each part answered by an index (case_id_scope),
        # not a join to every case to test its area: the list then reads its own index
        # in its order and stops at the page.
        if is_auditor(user):
            return self.all()
        return self.filter(case_id_scope(user, "case_id"))


class ActionQuerySet(CaseChildQuerySet):
    pass


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user: User | None) -> ReferralQuerySet:
        if not _active(user):
            return self.none()
        if user.is_auditor:
            return self.all()
        # What you sent is yours to follow, whichever role you referred in.
        scope = Q(referrer_id=user.pk)
        if user.coordinator_area_ids:
            scope |= Q(area_id__in=user.coordinator_area_ids)
        if user.agency_id:
            # Agency leads, lead professionals and owners: the referrals of their cases.
            # (As "one of these case ids", each answered by an index, not "one of the
            # cases the user may see", which reads every case.)
            scope |= case_id_scope(user, "case_id")
        return self.filter(scope)


class ChildQuerySet(models.QuerySet):
    def visible_to(self, user: User | None) -> ChildQuerySet:
        if not _active(user):
            return self.none()
        if user.is_auditor:
            return self.all()
        # The children of the cases and of the referrals the user may see, part by part,
        # each "one of these children" answered by an index (see case_id_scope).
        scope = case_child_scope(user, "pk")
        for referrals in _referral_sets(user):
            scope |= Q(pk__in=referrals.values("child_id"))
        return self.filter(scope)


class RiskAssessmentQuerySet(models.QuerySet):
    def visible_to(self, user: User | None) -> RiskAssessmentQuerySet:
        if not _active(user):
            return self.none()
        if user.is_auditor:
            return self.all()
        return self.filter(case_id_scope(user, "case_id") | referral_id_scope(user, "referral_id"))


def case_visible(user: User | None, field: str = "case_id") -> models.Expression:
    """Whether the case a row points at is one the user may see, as an annotation (in the
    same query, never a query per row). A link to a case, or its reference, is shown only
    then, so a case's reference never reaches someone outside it: the web pages and the API
    both decide linked cases with this one expression. Not a correlated EXISTS repeating
    the user's whole scope for each row: ``case_id_scope``'s subqueries, worked out once."""
    return flag(case_id_scope(user, field))


def referral_visible(user: User | None, field: str) -> models.Expression:
    """As ``case_visible``, for a column holding a referral's id (a repeat's earlier
    referral): whether it is one the user may see. Asked only of a row that has one, so the
    referral scope's subqueries are worked out only when a row needs them."""
    return models.Case(
        models.When(**{f"{field}__isnull": True}, then=models.Value(False)),
        models.When(referral_id_scope(user, field), then=models.Value(True)),
        default=models.Value(False),
        output_field=models.BooleanField(),
    )


def get_for_user(model, user: User | None, pk, *, viewed: bool = False, queryset=None):
    """The one way a view or viewset fetches a single record of case data.

    Out of scope and not existing are the same 404, so existence never leaks; an attempt
    on a record that does exist is recorded as ``denied``. With ``viewed``, reading a
    child's record is recorded as ``viewed``.
    """
    from django.http import Http404

    from audit.models import AuditEvent
    from audit.services import record

    scoped = queryset if queryset is not None else model.objects.all()
    try:
        obj = scoped.visible_to(user).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        if _is_pk(pk) and model.objects.filter(pk=pk).exists():
            record(
                actor=user,
                verb=AuditEvent.Verb.DENIED,
                object_type=model._meta.label_lower,
                object_id=pk,
            )
        raise Http404(f"No {model._meta.verbose_name} found.") from None
    if viewed:
        record(
            actor=user,
            verb=AuditEvent.Verb.VIEWED,
            obj=obj,
            case_reference=getattr(obj, "reference", "") or _case_reference(obj),
        )
    return obj


def _is_pk(pk) -> bool:
    return str(pk).isdigit()


def _case_reference(obj) -> str:
    case = getattr(obj, "case", None)
    return case.reference if case is not None else ""


def listed_objects(rows: Iterable[models.Model]) -> list[tuple[str, int]]:
    """What a page of records names for the audit trail: each record, the child it is
    about, and the case of a record that belongs to one (an action, a review, a note).

    Read from the rows' own foreign keys and the case each row was fetched with
    (``select_related``), so it adds no query however many rows; a page whose rows came
    without their case costs one query more for all of them, never one per row."""
    from cases.models import Case, Child

    found: list[tuple[str, int]] = []
    cases_needed: list[int] = []
    for row in rows:
        found.append((row._meta.label_lower, row.pk))
        if isinstance(row, Child):
            continue
        if getattr(row, "child_id", None) is not None:
            found.append(("cases.child", row.child_id))
            continue
        case_id = getattr(row, "case_id", None)
        if case_id is None:
            continue
        found.append(("cases.case", case_id))
        if type(row).case.is_cached(row):
            found.append(("cases.child", row.case.child_id))
        else:
            cases_needed.append(case_id)
    if cases_needed:
        children = Case.objects.filter(pk__in=cases_needed).values_list("child_id", flat=True)
        found += [("cases.child", child_id) for child_id in children.order_by()]
    return found


def record_list(
    user: User,
    rows: Iterable[models.Model],
    *,
    list_name: str,
    model: type[models.Model] | None,
) -> list[models.Model]:
    """Record that ``user`` was shown ``rows`` (one page of a list or search) as one
    ``listed`` event naming each record and its child; return the rows as a list, for the
    page to show exactly what was recorded. An empty page is recorded too. ``model`` is
    what the list lists (None for a page of several kinds, such as My work)."""
    from audit.services import record_listed

    rows = list(rows)
    record_listed(
        user,
        list_name=list_name,
        object_type=model._meta.label_lower if model is not None else "",
        objects=listed_objects(rows),
    )
    return rows

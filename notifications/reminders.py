"""Reminders and escalations: what is due, read from the database, and who hears of it.

Plain functions, called by the Celery tasks in ``notifications.tasks`` (and by tests). The
action and review scans read the people to tell once (two queries, as many rows as
coordinators and agency leads) and the due rows in batches of ``REMINDER_SCAN_BATCH_SIZE``
by primary key, so memory stays one batch however many rows are due. Each batch costs the
same queries: the rows, which of its keys exist (the unique index on key), and one insert
of the rest (``services.create_new_notifications``), skipped when nothing is new. A key is
(kind, recipient, object, due date), so a scan run twice, on two workers at once, or again
after a redelivery or a failure part-way (each batch's insert commits on its own) creates
nothing more, and a changed due date is a new reminder. "Today" is Europe/London's. The
weekly digest counts in SQL (a few rows per area) and writes one row per coordinator.

The rules (days from settings):

- a review due within ``REMINDER_REVIEW_DAYS_AHEAD`` days: the lead professional and the
  area's coordinators;
- a review overdue: the coordinators, again each full week it stays overdue;
- an action due within ``REMINDER_ACTION_DAYS_AHEAD`` days, and once overdue: its owner
  and the owning agency's leads; once overdue by ``ESCALATE_ACTION_OVERDUE_DAYS``, also the
  area's coordinators (those not already told as owner or lead);
- on Mondays, a digest for each coordinator: counts for their areas, no cases named.

Closed cases are never reminded; done and cancelled actions, held and cancelled reviews
never. People are told only while their link to the case is live: an active account, an
agency still involved in the case, an owner still in the owning agency. For the lead
professional and an action's owner that link is defined once, in ``cases.access``
(``live_lead_professionals``, ``live_owned_actions``): exactly who is reminded may read.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse

from cases.access import live_lead_professionals, live_owned_actions
from cases.models import Action, Case, CaseAgency, Referral, Review
from notifications.models import Notification
from notifications.services import Notice, create_new_notifications, create_notifications
from panel.dates import london_today
from panel.models import Role, RoleAssignment, User, reads_case_data

log = logging.getLogger(__name__)
key_for = Notice.key_for

ACTIVE_CASE = (Case.Status.AWAITING_PANEL, Case.Status.OPEN)

# Due rows handled together by the action and review scans (REMINDER_SCAN_BATCH_SIZE, a
# setting tests make tiny): streamed by one query, and per batch a query for which keys
# exist and one insert. Each batch's insert commits on its own:
# the keys make a batch idempotent, so a scan stopped after any batch and run again creates
# exactly what is missing, and two runs at once tell nobody twice.
BATCH_SIZE = 1000


def _days(name: str) -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, name))


def _coordinators_by_area() -> dict[int, set[int]]:
    """Active coordinators of every area, in one query (once per scan: as many rows as
    coordinators, however many cases)."""
    by_area: dict[int, set[int]] = defaultdict(set)
    rows = RoleAssignment.objects.filter(
        reads_case_data("user__"), role=Role.COORDINATOR
    ).values_list("area_id", "user_id")
    for area_id, user_id in rows:
        by_area[area_id].add(user_id)
    return by_area


def _leads_by_agency() -> dict[int, set[int]]:
    """Active agency leads of every agency, in one query (once per scan)."""
    by_agency: dict[int, set[int]] = defaultdict(set)
    rows = (
        User.objects.filter(
            reads_case_data(),
            role_assignments__role=Role.AGENCY_LEAD,
            agency_id__isnull=False,
        )
        .values_list("agency_id", "id")
        .distinct()
    )
    for agency_id, user_id in rows:
        by_agency[agency_id].add(user_id)
    return by_agency


def _involved(agency_field: str) -> Exists:
    """Whether the agency in ``agency_field`` (of the row scanned) is involved in its case."""
    return Exists(
        CaseAgency.objects.filter(case_id=OuterRef("case_id"), agency_id=OuterRef(agency_field))
    )


def _batch_size() -> int:
    return getattr(settings, "REMINDER_SCAN_BATCH_SIZE", BATCH_SIZE)


def _batches(rows: QuerySet) -> Iterator[list[dict]]:
    """The rows of a ``values()`` queryset in lists of ``_batch_size()``, streamed by one
    query (a server-side cursor on PostgreSQL, fetched in chunks on SQLite), so memory
    holds one batch whatever the number of rows."""
    size = _batch_size()
    batch: list[dict] = []
    for row in rows.order_by("pk").iterator(chunk_size=size):
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _linker(view: str) -> Callable[[int], str]:
    """The link to ``view`` for an object's pk, reversed once a scan rather than once a
    notification (reverse() was most of a large scan's time)."""
    marker = 987654321
    before, after = reverse(view, args=[marker]).split(str(marker))
    return lambda pk: f"{before}{pk}{after}"


def scan_reviews(today: dt.date | None = None) -> int:
    """Reviews due soon or overdue on cases awaiting panel or open. Returns how many
    notifications were created (0 when the scan has already run for today)."""
    today = today or london_today()
    due = Review.objects.filter(
        status=Review.Status.UPCOMING,
        case__status__in=ACTIVE_CASE,
        due_date__lte=today + _days("REMINDER_REVIEW_DAYS_AHEAD"),
    ).values(
        "id",
        "due_date",
        "case_id",
        reference=F("case__reference"),
        area_id=F("case__area_id"),
        lead_id=F("case__lead_professional_id"),
        lead_live=Exists(live_lead_professionals().filter(pk=OuterRef("case_id"))),
    )
    coordinators: dict[int, set[int]] | None = None
    case_link = _linker("cases:case-detail")
    seen = created = 0
    for reviews in _batches(due):
        if coordinators is None:
            coordinators = _coordinators_by_area()
        seen += len(reviews)
        # key -> the Notice's fields: a Notice is made only for a key that is new.
        pending: dict[str, tuple] = {}
        for review in reviews:
            due_date = review["due_date"]
            if due_date >= today:
                kind = Notification.Kind.REVIEW_DUE
                about = f"review:{review['id']}:{due_date.isoformat()}"
                recipients = set(coordinators[review["area_id"]])
                if review["lead_id"] and review["lead_live"]:
                    recipients.add(review["lead_id"])
            else:
                # A new key each full week overdue: week0 from the first day, week1 from
                # the seventh, and so on.
                kind = Notification.Kind.REVIEW_OVERDUE
                weeks = (today - due_date).days // 7
                about = f"review:{review['id']}:{due_date.isoformat()}:week{weeks}"
                recipients = coordinators[review["area_id"]]
            link = case_link(review["case_id"])
            for user_id in recipients:
                pending[key_for(kind, user_id, about)] = (
                    user_id,
                    kind,
                    link,
                    about,
                    review["reference"],
                )
        created += create_new_notifications(pending)
    log.info("Review scan: %s reviews due or overdue, %s notifications new", seen, created)
    return created


def scan_actions(today: dt.date | None = None) -> int:
    """Open and in-progress actions due soon or overdue, on cases that are not closed.
    Returns how many notifications were created."""
    today = today or london_today()
    escalate_after = settings.ESCALATE_ACTION_OVERDUE_DAYS
    due = Action.objects.filter(
        status__in=Action.OPEN_STATUSES,
        case__status__in=ACTIVE_CASE,
        due_date__lte=today + _days("REMINDER_ACTION_DAYS_AHEAD"),
    ).values(
        "id",
        "due_date",
        "case_id",
        "owner_id",
        "owning_agency_id",
        reference=F("case__reference"),
        area_id=F("case__area_id"),
        agency_involved=_involved("owning_agency_id"),
        # In the one streamed query PostgreSQL hashes the live owned actions once a scan.
        owner_live=Exists(live_owned_actions().filter(pk=OuterRef("pk"))),
    )
    leads: dict[int, set[int]] | None = None
    coordinators: dict[int, set[int]] = {}
    action_link = _linker("cases:action-detail")
    seen = created = 0
    for actions in _batches(due):
        if leads is None:
            leads, coordinators = _leads_by_agency(), _coordinators_by_area()
        seen += len(actions)
        pending: dict[str, tuple] = {}
        for action in actions:
            due_date = action["due_date"]
            about = f"action:{action['id']}:{due_date.isoformat()}"
            told: set[int] = set()
            if action["agency_involved"]:
                told |= leads[action["owning_agency_id"]]
            if action["owner_id"] and action["owner_live"]:
                told.add(action["owner_id"])
            kind = (
                Notification.Kind.ACTION_OVERDUE
                if due_date < today
                else Notification.Kind.ACTION_DUE
            )
            link = action_link(action["id"])
            escalated: set[int] = set()
            if (today - due_date).days >= escalate_after:
                escalated = coordinators[action["area_id"]] - told
            for recipients, key_about in ((told, about), (escalated, f"{about}:escalated")):
                for user_id in recipients:
                    pending[key_for(kind, user_id, key_about)] = (
                        user_id,
                        kind,
                        link,
                        key_about,
                        action["reference"],
                    )
        created += create_new_notifications(pending)
    log.info("Action scan: %s actions due or overdue, %s notifications new", seen, created)
    return created


# What a coordinator's digest counts, in the order the email lists them.
DIGEST_FIGURES = (
    "referrals_to_triage",
    "active_cases",
    "reviews_due_soon",
    "reviews_overdue",
    "actions_due_soon",
    "actions_overdue",
)


def weekly_digest(today: dt.date | None = None) -> int:
    """One digest a coordinator each ISO week: counts for the areas they coordinate, a link
    to the case list, no case named. Returns how many digests were created."""
    today = today or london_today()
    year, week, _ = today.isocalendar()
    with transaction.atomic():
        areas_of: dict[int, set[int]] = defaultdict(set)
        rows = RoleAssignment.objects.filter(
            reads_case_data("user__"), role=Role.COORDINATOR
        ).values_list("user_id", "area_id")
        for user_id, area_id in rows:
            areas_of[user_id].add(area_id)
        if not areas_of:
            return 0
        per_area = _figures_by_area(today)
        notices = []
        for user_id, area_ids in areas_of.items():
            total: Counter = Counter()
            for area_id in area_ids:
                total.update(per_area[area_id])
            notices.append(
                Notice(
                    recipient_id=user_id,
                    kind=Notification.Kind.WEEKLY_DIGEST,
                    link=reverse("cases:case-list"),
                    about=f"digest:{year}-W{week:02d}",
                    counts={name: total[name] for name in DIGEST_FIGURES},
                )
            )
        created = create_notifications(notices)
    log.info("Weekly digest %s-W%02d: %s digests new", year, week, created)
    return created


def _figures_by_area(today: dt.date) -> dict[int, Counter]:
    """Every digest figure, per area, in four queries."""
    per_area: dict[int, Counter] = defaultdict(Counter)
    referrals = (
        Referral.objects.filter(status=Referral.Status.SUBMITTED)
        .values("area_id")
        .annotate(n=Count("id"))
    )
    for row in referrals:
        per_area[row["area_id"]]["referrals_to_triage"] = row["n"]
    cases = Case.objects.filter(status__in=ACTIVE_CASE).values("area_id").annotate(n=Count("id"))
    for row in cases:
        per_area[row["area_id"]]["active_cases"] = row["n"]
    for model, prefix, statuses, ahead in (
        (Review, "reviews", [Review.Status.UPCOMING], "REMINDER_REVIEW_DAYS_AHEAD"),
        (Action, "actions", list(Action.OPEN_STATUSES), "REMINDER_ACTION_DAYS_AHEAD"),
    ):
        rows = (
            model.objects.filter(
                status__in=statuses,
                case__status__in=ACTIVE_CASE,
                due_date__lte=today + _days(ahead),
            )
            .values(area=F("case__area_id"))
            .annotate(
                due_soon=Count("id", filter=Q(due_date__gte=today)),
                overdue=Count("id", filter=Q(due_date__lt=today)),
            )
        )
        for row in rows:
            per_area[row["area"]][f"{prefix}_due_soon"] = row["due_soon"]
            per_area[row["area"]][f"{prefix}_overdue"] = row["overdue"]
    return per_area

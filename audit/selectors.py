"""Reading the audit trail: for auditors only, never scoped down (they see everything)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.db.models.functions import Upper

from audit.models import AuditEvent, AuditEventObject, about_reference
from cases.models import Case, Child, Referral
from panel.dates import LONDON
from panel.models import User

PEOPLE_SHOWN = 20


@dataclass(frozen=True)
class EventFilter:
    case_reference: str = ""
    # The person chosen (a user's id): their events are read through (actor, at, id).
    actor: int | None = None
    # Part of a name or username typed to find the person to choose (never matched
    # against the trail itself).
    person: str = ""
    agency: str = ""
    verb: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    # One event by its number: a role-grant notification links here.
    event: int | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v}


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=LONDON)


def search(criteria: EventFilter) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor").order_by("-at", "-id")
    if criteria.event:
        events = events.filter(pk=criteria.event)
    if criteria.case_reference:
        events = about_reference(events, criteria.case_reference)
    if criteria.actor:
        events = events.filter(actor_id=criteria.actor)
    if criteria.agency:
        # Exactly as recorded (a choice of agency names): the (actor_agency, at, id) index.
        events = events.filter(actor_agency=criteria.agency)
    if criteria.verb:
        events = events.filter(verb=criteria.verb)
    if criteria.date_from:
        events = events.filter(at__gte=_start_of(criteria.date_from))
    if criteria.date_to and criteria.date_to < dt.date.max:
        # Up to the start of the next day; the calendar's last day has none, and every
        # event is before its end anyway, so it sets no upper bound.
        events = events.filter(at__lt=_start_of(criteria.date_to + dt.timedelta(days=1)))
    return events


def people_matching(text: str, limit: int = PEOPLE_SHOWN) -> list[User]:
    """Up to ``limit`` accounts (active or not) whose username, first or last name contains
    ``text``: the people an auditor may choose to search the trail by. Searched over the
    users table (thousands of rows), never the trail. Accounts with events cannot be
    deleted (the events' actor is PROTECT), so every recorded actor is here."""
    words = text.split()
    if not words:
        return []
    people = User.objects.select_related("agency")
    for word in words[:4]:
        people = people.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    return list(people.order_by("last_name", "first_name", "username")[:limit])


def person_fits(person: User, text: str) -> bool:
    """Whether ``person`` is among those ``people_matching(text)`` would find."""
    names = f"{person.username} {person.first_name} {person.last_name}".lower()
    return all(word.lower() in names for word in text.split()[:4])


def case_history(case: Case) -> QuerySet[AuditEvent]:
    """Everything recorded about a case, oldest first: its own events and those of the
    referrals, assessments, actions, reviews and notes that carry its reference."""
    return (
        about_reference(AuditEvent.objects.all(), case.reference)
        .select_related("actor")
        .order_by("at", "id")
    )


def child_record_views(child: Child) -> QuerySet[AuditEvent]:
    """Who has looked at this child's record, newest first: the child page, their cases and
    referrals opened or exported, and every list or search that showed them (``listed``
    events, found through the side table's (object type, object id) index, never by reading
    events' JSON).

    One query: the events opened (on the events' own indexes) and the events whose side
    rows name the child (an index-only lookup) are a UNION of ids, and the page is read by
    primary key."""
    case_refs = list(Case.objects.filter(child=child).values_list("reference", flat=True))
    referral_ids = [
        str(pk) for pk in Referral.objects.filter(child=child).values_list("pk", flat=True)
    ]
    opened = (
        AuditEvent.objects.alias(reference_upper=Upper("case_reference"))
        .filter(verb__in=[AuditEvent.Verb.VIEWED, AuditEvent.Verb.EXPORTED])
        .filter(
            Q(object_type="cases.child", object_id=str(child.pk))
            | Q(reference_upper__in=[ref.upper() for ref in case_refs])
            | Q(object_type="cases.referral", object_id__in=referral_ids)
        )
        .order_by()
        .values("pk")
    )
    listed = (
        AuditEventObject.objects.filter(object_type="cases.child", object_id=child.pk)
        .order_by()
        .values("event_id")
    )
    return (
        AuditEvent.objects.filter(pk__in=opened.union(listed))
        .select_related("actor")
        .order_by("-at", "-id")
    )

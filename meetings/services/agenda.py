"""The agenda: built from the database, then edited by the coordinator; published (locked)
by ``MEETING_PUBLISH_DAYS_BEFORE`` days before the meeting.

A case is proposed when it is awaiting panel; when it is open and its upcoming review falls
due on or before the area's next meeting after this one (or this meeting's date plus the
high-risk cadence when none is scheduled); when it is open with an action overdue; when it
has been open 12 months or more (a step-down or escalation discussion); and when it is on
the area's "to be scheduled" list (carried over). Closed cases are never proposed.

Once the agenda is published, or once today is after the publish-by day, every addition
needs a reason and is marked late. Items on the "to be scheduled" list have no meeting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from audit.services import record
from cases.models import Action, Case, Review
from cases.services.common import may_write
from meetings.access import live_seats
from meetings.models import (
    AgendaItem,
    AgendaItemKind,
    AgendaItemStatus,
    AgendaReason,
    Meeting,
    MeetingMember,
    MeetingStatus,
)
from meetings.services.common import (
    CASE_REFERENCE,
    Verb,
    copy_item,
    lock_meeting,
    meeting_link,
    move,
    next_order,
    require_coordinator,
)
from meetings.workflow import AGENDA_OPEN
from notifications.models import Notification
from notifications.services import coordinators_of, notify
from panel.dates import LONDON, london_today
from panel.models import Role, User, reads_case_data

Reason = AgendaReason
ACTIVE = [AgendaItemStatus.PENDING, AgendaItemStatus.HEARD]
RISK_RANK = {"high": 0, "medium": 1, "low": 2}
# The order reasons are listed in when a case has several; the first is the item's reason.
REASON_ORDER = [
    Reason.CARRIED_OVER,
    Reason.AWAITING_PANEL,
    Reason.REVIEW_DUE,
    Reason.ACTIONS_OVERDUE,
    Reason.OPEN_12_MONTHS,
]
LATE_REASON = "The agenda is published or past its publish-by day: give the reason this is late."


@dataclass
class Candidate:
    """A case (or a general item carried over) the agenda should have, and why."""

    reasons: list[str]
    case: Case | None = None
    # The "to be scheduled" item this would move onto the meeting, if any.
    carried: AgendaItem | None = None
    extra_detail: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return self.reasons[0]

    def reason_labels(self) -> list[str]:
        return [Reason(reason).label for reason in self.reasons]

    @property
    def reason_detail(self) -> str:
        """What the item's reason_detail says: the other reasons, then any carried note."""
        parts = []
        if len(self.reasons) > 1:
            parts.append("Also: " + "; ".join(self.reason_labels()[1:]) + ".")
        parts += self.extra_detail
        return " ".join(parts)

    @property
    def sort_key(self) -> tuple:
        awaiting = Reason.AWAITING_PANEL in self.reasons
        if self.case is None:
            return (2, 3, self.carried.pk if self.carried else 0, "")
        return (
            0 if awaiting else 1,
            RISK_RANK.get(self.case.risk_level, 3),
            0,
            self.case.reference,
        )


# --- reads --------------------------------------------------------------------------------


def review_horizon(meeting: Meeting) -> dt.date:
    """Reviews falling due on or before this day must be heard at this meeting: the date of
    the area's next meeting after it, or its date plus the high-risk cadence."""
    following = (
        Meeting.objects.filter(area_id=meeting.area_id, date__gt=meeting.date)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("date", "start_time")
        .values_list("date", flat=True)
        .first()
    )
    if following is not None:
        return following
    return meeting.date + dt.timedelta(days=settings.REVIEW_CADENCE_DAYS["high"])


def twelve_months_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def open_since_cutoff(today: dt.date) -> dt.datetime:
    """A case opened before this moment (London midnight after the day 12 months ago) has
    been open 12 months or more."""
    day = twelve_months_before(today) + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time.min, tzinfo=LONDON)


def active_on(meeting: Meeting) -> Exists:
    return Exists(
        AgendaItem.objects.filter(meeting_id=meeting.pk, case_id=OuterRef("pk"), status__in=ACTIVE)
    )


def to_be_scheduled(area_id: int):
    """The area's "to be scheduled" list: items carried over with no meeting yet."""
    return AgendaItem.objects.filter(
        area_id=area_id, meeting__isnull=True, status=AgendaItemStatus.PENDING
    )


def agenda_candidates(meeting: Meeting, *, today: dt.date | None = None) -> list[Candidate]:
    """What the agenda should have that it has not: every case proposed (each once, with all
    its reasons) and the general items on the area's "to be scheduled" list, in agenda order.
    A read of three queries (the next meeting, the list, the cases) whatever the number of cases."""
    today = today or london_today()
    horizon = review_horizon(meeting)
    on_list = list(to_be_scheduled(meeting.area_id).select_related("case").order_by("id"))
    listed = {item.case_id: item for item in on_list if item.case_id is not None}
    general = [item for item in on_list if item.case_id is None]

    is_open = Q(status=Case.Status.OPEN)
    review_due = Exists(
        Review.objects.filter(
            case_id=OuterRef("pk"), status=Review.Status.UPCOMING, due_date__lte=horizon
        )
    )
    overdue = Exists(
        Action.objects.filter(
            case_id=OuterRef("pk"), status__in=Action.OPEN_STATUSES, due_date__lt=today
        )
    )
    cutoff = open_since_cutoff(today)
    cases = (
        Case.objects.filter(area_id=meeting.area_id)
        .exclude(status=Case.Status.CLOSED)
        .exclude(active_on(meeting))
        .annotate(review_due=review_due, actions_overdue=overdue)
        .filter(
            Q(status=Case.Status.AWAITING_PANEL)
            | Q(Exists(to_be_scheduled(meeting.area_id).filter(case_id=OuterRef("pk"))))
            | (is_open & (Q(review_due=True) | Q(actions_overdue=True) | Q(opened_at__lt=cutoff)))
        )
    )
    found = []
    for case in cases:
        reasons = []
        carried = listed.get(case.pk)
        if carried is not None:
            reasons.append(Reason.CARRIED_OVER)
        if case.status == Case.Status.AWAITING_PANEL:
            reasons.append(Reason.AWAITING_PANEL)
        if case.status == Case.Status.OPEN:
            if case.review_due:
                reasons.append(Reason.REVIEW_DUE)
            if case.actions_overdue:
                reasons.append(Reason.ACTIONS_OVERDUE)
            if case.opened_at < cutoff:
                reasons.append(Reason.OPEN_12_MONTHS)
        extra = [carried.reason_detail] if carried is not None and carried.reason_detail else []
        found.append(Candidate(reasons=reasons, case=case, carried=carried, extra_detail=extra))
    for item in general:
        found.append(
            Candidate(
                reasons=[Reason.CARRIED_OVER],
                carried=item,
                extra_detail=[item.reason_detail] if item.reason_detail else [],
            )
        )
    return sorted(found, key=lambda candidate: candidate.sort_key)


def is_late(meeting: Meeting, today: dt.date | None = None) -> bool:
    """Additions are late once the agenda is published or today is after its publish-by
    day."""
    today = today or london_today()
    return meeting.status != MeetingStatus.SCHEDULED or today > meeting.publish_by()


def may_request_case(user: User, meeting: Meeting) -> bool:
    """Who may ask for a case to be brought to this meeting: a live representative of a
    member agency, or an agency lead of a member agency (one query)."""
    if not may_write(user) or not user.agency_id:
        return False
    seats = live_seats(user).filter(meeting_id=meeting.pk)
    if user.is_agency_lead:
        seats = MeetingMember.objects.filter(meeting_id=meeting.pk, agency_id=user.agency_id)
    return seats.exists()


def agenda_open(meeting: Meeting) -> bool:
    return meeting.status in AGENDA_OPEN


# --- writes -------------------------------------------------------------------------------


def _require_agenda_open(meeting: Meeting) -> None:
    if not agenda_open(meeting):
        raise ValidationError(
            {"meeting": "This meeting has been held or cancelled: its agenda cannot change."}
        )


def _late_for(meeting: Meeting, reason_detail: str, today: dt.date) -> bool:
    late = is_late(meeting, today)
    if late and not reason_detail.strip():
        raise ValidationError({"reason_detail": LATE_REASON})
    return late


def _record_item(actor: User, item: AgendaItem, verb: str = Verb.CREATED, **changes) -> None:
    record(
        actor=actor,
        verb=verb,
        obj=item,
        case_reference=item.case.reference if item.case_id else "",
        changes=changes
        or {
            "meeting": [None, item.meeting_id],
            "reason": [None, item.reason],
            "late": [None, item.late],
        },
    )


def _take_off_list(item: AgendaItem | None) -> None:
    if item is not None:
        item.status = AgendaItemStatus.MOVED
        item.version += 1
        item.save(update_fields=["status", "version"])


def build_agenda(
    actor: User, *, meeting: Meeting, late_reason: str = "", now: dt.datetime | None = None
) -> list[AgendaItem]:
    """Add every candidate (``agenda_candidates``) to the meeting's agenda, after what it
    already has: awaiting panel first, then by risk level (high to low), then the rest.
    Items on the area's "to be scheduled" list move onto the meeting (reason carried over,
    ``moved_from`` the list item). Idempotent: a second build adds only what is new.
    Coordinators of the area; a late build needs ``late_reason``. Records ``created`` per
    item, with its case reference."""
    require_coordinator(actor, meeting)
    now = now or timezone.now()
    today = now.astimezone(LONDON).date()
    with transaction.atomic():
        locked = lock_meeting(meeting)
        _require_agenda_open(locked)
        candidates = agenda_candidates(locked, today=today)
        if not candidates:
            return []
        late = _late_for(locked, late_reason, today)
        order = next_order(locked.area_id, locked)
        made = []
        for offset, candidate in enumerate(candidates):
            carried = candidate.carried
            detail = candidate.reason_detail
            if late:
                detail = f"{detail} Late: {late_reason.strip()}".strip()
            item = AgendaItem.objects.create(
                area_id=locked.area_id,
                meeting=locked,
                order=order + offset,
                kind=AgendaItemKind.CASE
                if candidate.case
                else (carried.kind if carried is not None else AgendaItemKind.GENERAL),
                case=candidate.case,
                # An intelligence item (a person of concern or a location) keeps its subject.
                person_id=carried.person_id if carried is not None else None,
                location_id=carried.location_id if carried is not None else None,
                title=carried.title if carried is not None and not candidate.case else "",
                reason=candidate.reason,
                reason_detail=detail,
                requested_by=carried.requested_by if carried is not None else None,
                late=late,
                moved_from=carried,
                added_by=actor,
            )
            _take_off_list(carried)
            _record_item(actor, item)
            made.append(item)
    return made


def _add(
    actor: User,
    *,
    meeting: Meeting,
    today: dt.date,
    kind: str,
    reason: str,
    reason_detail: str,
    case: Case | None = None,
    title: str = "",
    requested_by: User | None = None,
) -> AgendaItem:
    with transaction.atomic():
        locked = lock_meeting(meeting)
        _require_agenda_open(locked)
        errors = {}
        listed = None
        if case is not None:
            case = Case.objects.select_for_update().get(pk=case.pk)
            if case.area_id != locked.area_id:
                errors["case"] = "Choose a case of this meeting's area."
            elif case.status == Case.Status.CLOSED:
                errors["case"] = "A closed case cannot go on an agenda."
            elif AgendaItem.objects.filter(meeting=locked, case=case, status__in=ACTIVE).exists():
                errors["case"] = "This case is already on the agenda."
            listed = to_be_scheduled(locked.area_id).filter(case=case).first()
        if reason not in Reason.values:
            errors["reason"] = "Choose why the item is on the agenda."
        if errors:
            raise ValidationError(errors)
        late = _late_for(locked, reason_detail, today)
        item = AgendaItem(
            area_id=locked.area_id,
            meeting=locked,
            order=next_order(locked.area_id, locked),
            kind=kind,
            case=case,
            title=title,
            reason=reason,
            reason_detail=reason_detail.strip(),
            requested_by=requested_by,
            late=late,
            moved_from=listed,
            added_by=actor,
        )
        item.full_clean(exclude=["moved_from", "requested_by", "added_by", "area", "meeting"])
        item.save()
        _take_off_list(listed)
        _record_item(actor, item)
    return item


def add_case_item(
    actor: User,
    *,
    meeting: Meeting,
    case: Case,
    reason: str = Reason.ADDED,
    reason_detail: str = "",
    requested_by: User | None = None,
    now: dt.datetime | None = None,
) -> AgendaItem:
    """Put a case on the agenda: a case of the meeting's area, not closed, not already on
    it. Coordinators of the area. Late (published, or past the publish-by day) needs a
    reason. A case on the "to be scheduled" list comes off it. Records ``created``."""
    require_coordinator(actor, meeting)
    today = (now or timezone.now()).astimezone(LONDON).date()
    return _add(
        actor,
        meeting=meeting,
        today=today,
        kind=AgendaItemKind.CASE,
        case=case,
        reason=reason,
        reason_detail=reason_detail,
        requested_by=requested_by,
    )


def request_case(
    actor: User,
    *,
    meeting: Meeting,
    case: Case,
    reason_detail: str,
    now: dt.datetime | None = None,
) -> AgendaItem:
    """A member asks for a case to be brought: a live representative of a member agency or
    an agency lead of one, for a case they may see, with the reason. The item is on the
    agenda as asked for by them (the coordinator sees it there and may withdraw it).
    Records ``created``."""
    if not may_request_case(actor, meeting):
        raise PermissionDenied("Only the meeting's members may ask for a case to be brought.")
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise ValidationError({"case": "Choose a case you work on."})
    if not reason_detail.strip():
        raise ValidationError({"reason_detail": "Say why the panel should hear this case."})
    today = (now or timezone.now()).astimezone(LONDON).date()
    return _add(
        actor,
        meeting=meeting,
        today=today,
        kind=AgendaItemKind.CASE,
        case=case,
        reason=Reason.MEMBER_REQUEST,
        reason_detail=reason_detail,
        requested_by=actor,
    )


def add_general_item(
    actor: User,
    *,
    meeting: Meeting,
    title: str,
    reason_detail: str = "",
    now: dt.datetime | None = None,
) -> AgendaItem:
    """General business (a title, never a child's name). Coordinators of the area; late
    needs a reason. Records ``created``."""
    require_coordinator(actor, meeting)
    if not title.strip():
        raise ValidationError({"title": "Give the item a title."})
    named = {
        field: "Every member sees general business: leave out case references (add the case "
        "to the agenda instead)."
        for field, text in (("title", title), ("reason_detail", reason_detail))
        if CASE_REFERENCE.search(text)
    }
    if named:
        raise ValidationError(named)
    today = (now or timezone.now()).astimezone(LONDON).date()
    return _add(
        actor,
        meeting=meeting,
        today=today,
        kind=AgendaItemKind.GENERAL,
        title=title.strip(),
        reason=Reason.ADDED,
        reason_detail=reason_detail,
    )


def _lock_item(actor: User, item: AgendaItem) -> tuple[AgendaItem, Meeting | None]:
    """The item and its meeting, locked (meeting first, as every agenda write does); the
    actor must coordinate the item's area, and the item must still be to be heard."""
    if not (may_write(actor) and item.area_id in actor.coordinator_area_ids):
        raise PermissionDenied("Only a coordinator of this area may do this.")
    meeting = lock_meeting(item.meeting) if item.meeting_id else None
    locked = (
        AgendaItem.objects.select_for_update(of=("self",)).select_related("case").get(pk=item.pk)
    )
    if meeting is not None:
        _require_agenda_open(meeting)
    if locked.status != AgendaItemStatus.PENDING:
        raise ValidationError({"item": "This item is no longer to be heard."})
    return locked, meeting


def withdraw_item(actor: User, *, item: AgendaItem, reason: str = "") -> AgendaItem:
    """Take an item off the agenda (or the "to be scheduled" list). Coordinators of the
    area. Records ``transitioned`` with the reason."""
    with transaction.atomic():
        locked, _meeting = _lock_item(actor, item)
        locked.status = AgendaItemStatus.WITHDRAWN
        locked.version += 1
        locked.save(update_fields=["status", "version"])
        _record_item(
            actor,
            locked,
            Verb.TRANSITIONED,
            status=[AgendaItemStatus.PENDING, AgendaItemStatus.WITHDRAWN],
            **({"withdraw_reason": [None, reason.strip()]} if reason.strip() else {}),
        )
    return locked


def reorder_items(actor: User, *, meeting: Meeting, order: list[int]) -> list[AgendaItem]:
    """Set the order of the items to be heard: ``order`` lists every one of their ids.
    Coordinators of the area. Records one ``updated`` event on the meeting."""
    require_coordinator(actor, meeting)
    with transaction.atomic():
        locked = lock_meeting(meeting)
        _require_agenda_open(locked)
        items = list(
            AgendaItem.objects.select_for_update()
            .filter(meeting=locked, status=AgendaItemStatus.PENDING)
            .order_by("order", "id")
        )
        before = [item.pk for item in items]
        if sorted(before) != sorted(order) or len(set(order)) != len(order):
            raise ValidationError({"order": "List every item still to be heard, once."})
        by_id = {item.pk: item for item in items}
        ordered = [by_id[pk] for pk in order]
        for position, item in enumerate(ordered, start=1):
            item.order = position
        AgendaItem.objects.bulk_update(ordered, ["order"])
        if before != order:
            record(
                actor=actor,
                verb=Verb.UPDATED,
                obj=locked,
                changes={"agenda_order": [before, list(order)]},
            )
    return ordered


def shift_item(actor: User, *, item: AgendaItem, by: int) -> list[AgendaItem]:
    """Move an item up (``by=-1``) or down (``by=1``) the agenda (see reorder_items)."""
    if item.meeting_id is None:
        raise ValidationError({"item": "Items to be scheduled have no order to change."})
    ids = list(
        AgendaItem.objects.filter(meeting_id=item.meeting_id, status=AgendaItemStatus.PENDING)
        .order_by("order", "id")
        .values_list("pk", flat=True)
    )
    if item.pk in ids:
        at = ids.index(item.pk)
        to = min(max(at + by, 0), len(ids) - 1)
        ids.insert(to, ids.pop(at))
    return reorder_items(actor, meeting=item.meeting, order=ids)


def move_targets(area_id: int, *, today: dt.date | None = None):
    """Meetings of the area an item may move to: not yet held, not cancelled, not past."""
    today = today or london_today()
    return Meeting.objects.filter(area_id=area_id, status__in=AGENDA_OPEN, date__gte=today)


def move_item(
    actor: User,
    *,
    item: AgendaItem,
    to_meeting: Meeting | None = None,
    reason_detail: str = "",
    now: dt.datetime | None = None,
) -> AgendaItem:
    """Move an item to another not-yet-held meeting of the area, or (no ``to_meeting``) to
    the area's "to be scheduled" list. The item is marked moved and a new one made where it
    goes, ``moved_from`` the old. Onto a late agenda it needs a reason. Coordinators of the
    area. Records ``transitioned`` on the old item and ``created`` on the new."""
    now = now or timezone.now()
    today = now.astimezone(LONDON).date()
    with transaction.atomic():
        locked, _meeting = _lock_item(actor, item)
        target = None
        late = False
        if to_meeting is not None:
            target = lock_meeting(to_meeting)
            if (
                target.pk == locked.meeting_id
                or target.area_id != locked.area_id
                or not move_targets(locked.area_id, today=today).filter(pk=target.pk).exists()
            ):
                raise ValidationError(
                    {"to_meeting": "Choose another meeting of this area that is still to come."}
                )
            if (
                locked.case_id
                and AgendaItem.objects.filter(
                    meeting=target, case_id=locked.case_id, status__in=ACTIVE
                ).exists()
            ):
                raise ValidationError({"to_meeting": "The case is already on that agenda."})
            late = _late_for(target, reason_detail or locked.reason_detail, today)
        elif locked.meeting_id is None:
            raise ValidationError({"to_meeting": "The item is already to be scheduled."})
        elif (
            locked.case_id
            and to_be_scheduled(locked.area_id).filter(case_id=locked.case_id).exists()
        ):
            raise ValidationError({"to_meeting": "The case is already to be scheduled."})
        detail = reason_detail.strip() or locked.reason_detail
        new = copy_item(
            locked,
            added_by=actor,
            target=target,
            order=next_order(locked.area_id, target),
            reason=locked.reason if target is None else Reason.CARRIED_OVER,
            reason_detail=detail,
            late=late,
        )
        locked.status = AgendaItemStatus.MOVED
        locked.version += 1
        locked.save(update_fields=["status", "version"])
        _record_item(
            actor,
            locked,
            Verb.TRANSITIONED,
            status=[AgendaItemStatus.PENDING, AgendaItemStatus.MOVED],
            moved_to=[None, target.pk if target else "to be scheduled"],
        )
        _record_item(actor, new)
    return new


def agenda_audience(meeting: Meeting) -> list[User]:
    """Who hears that the agenda is published: every live representative of a member
    agency (still in that agency, active), the agency leads of member agencies, the
    co-chairs and the area's coordinators."""
    members = MeetingMember.objects.filter(meeting_id=meeting.pk)
    seats = Exists(
        members.filter(representative_id=OuterRef("pk"), agency_id=OuterRef("agency_id"))
    )
    leads = Q(role_assignments__role=Role.AGENCY_LEAD) & Q(
        agency_id__in=members.values("agency_id")
    )
    chairs = Q(pk__in=[user.pk for user in meeting.chairs()])
    people = User.objects.filter(reads_case_data()).filter(Q(seats) | leads | chairs).distinct()
    found = {user.pk: user for user in people}
    for user in coordinators_of(meeting.area_id):
        found.setdefault(user.pk, user)
    return list(found.values())


def publish_agenda(
    actor: User, *, meeting: Meeting, version: int, now: dt.datetime | None = None
) -> Meeting:
    """Publish (lock) the agenda: scheduled -> published. Coordinators of the area, at the
    version they read (a stale one is a Conflict). Later additions are late and need a
    reason. Records ``transitioned`` and tells the members, agency leads of member agencies,
    chairs and the area's coordinators (``agenda_published``: a link to the meeting page,
    never a case reference)."""
    require_coordinator(actor, meeting)
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_meeting(meeting, version)
        from_status = locked.status
        move(locked, MeetingStatus.PUBLISHED)
        locked.published_at = now
        locked.published_by = actor
        locked.save(update_fields=["status", "version", "published_at", "published_by"])
        record(
            actor=actor,
            verb=Verb.TRANSITIONED,
            obj=locked,
            changes={"status": [from_status, MeetingStatus.PUBLISHED]},
        )
        notify(
            recipients=agenda_audience(locked),
            kind=Notification.Kind.AGENDA_PUBLISHED,
            link=meeting_page(locked),
            about=f"agenda:{locked.pk}",
        )
    return locked


def meeting_page(meeting: Meeting) -> str:
    """The meeting page (meetings:meeting-detail); until that page exists on this branch,
    the agenda page, which is the same meeting's page and carries no case detail."""
    from django.urls import NoReverseMatch, reverse

    try:
        return meeting_link(meeting)
    except NoReverseMatch:
        return reverse("meetings:agenda", args=[meeting.pk])


# --- intelligence items (issue 13: emerging patterns) ------------------------------------

OFFERED_DETAIL = "Offered from emerging patterns: linked to two or more children."


def next_open_meeting(area_id: int, today: dt.date | None = None) -> Meeting | None:
    """The area's next meeting whose agenda is not closed (scheduled or published, today or
    later), if any: where an offered item goes."""
    today = today or london_today()
    return (
        Meeting.objects.filter(area_id=area_id, status__in=AGENDA_OPEN, date__gte=today)
        .order_by("date", "start_time", "pk")
        .first()
    )


def offer_intelligence_item(
    actor: User,
    area,
    *,
    person=None,
    location=None,
    now: dt.datetime | None = None,
) -> AgendaItem:
    """Offer a person of concern or a location linked to two or more children for the
    area's next panel meeting (``next_open_meeting``), else its "to be scheduled" list.
    Coordinators of the area who may see the record. Idempotent: if the record is already
    on that agenda (or list), that item is returned and nothing is recorded (the unique
    constraints hold it there once). Records ``created`` on the item."""
    from intelligence.models import Location, PersonOfConcern

    if (person is None) == (location is None):
        raise ValueError("Offer exactly one person of concern or location.")
    area_id = area if isinstance(area, int) else area.pk
    if not may_write(actor) or area_id not in actor.coordinator_area_ids:
        raise PermissionDenied("Only a coordinator of this area may offer agenda items.")
    model, record = (PersonOfConcern, person) if person is not None else (Location, location)
    if not model.objects.visible_to(actor).filter(pk=record.pk).exists():
        raise PermissionDenied("You may not see this record.")
    from intelligence.agenda import describe
    from intelligence.patterns import patterns_for

    kind = AgendaItemKind.PERSON if person is not None else AgendaItemKind.LOCATION
    subject = {"person": person} if person is not None else {"location": location}
    found_patterns = patterns_for("person" if person is not None else "location", [record.pk])
    children = found_patterns[0].total if found_patterns else 0
    now = now or timezone.now()
    today = now.astimezone(LONDON).date()
    with transaction.atomic():
        meeting = next_open_meeting(area_id, today)
        if meeting is not None:
            meeting = lock_meeting(meeting)
            existing = AgendaItem.objects.filter(meeting=meeting, status__in=ACTIVE, **subject)
        else:
            existing = to_be_scheduled(area_id).filter(**subject)
        found = existing.first()
        if found is not None:
            return found
        item = AgendaItem.objects.create(
            area_id=area_id,
            meeting=meeting,
            order=next_order(area_id, meeting),
            kind=kind,
            # Names nothing: everyone who sees the meeting sees it (intelligence/agenda.py).
            title=describe(record, children),
            reason=Reason.EMERGING_PATTERN,
            reason_detail=OFFERED_DETAIL,
            late=is_late(meeting, today) if meeting is not None else False,
            added_by=actor,
            **subject,
        )
        _record_item(actor, item)
    return item


def flag_case(
    actor: User,
    *,
    case: Case,
    reason: str,
    reason_detail: str,
    now: dt.datetime | None = None,
) -> AgendaItem | None:
    """Put a case a rule has flagged (three missing episodes in 90 days) on its area's next
    meeting's agenda, or on the area's "to be scheduled" list when no meeting is to come.
    Not a coordinator's choice: the calling service has checked that ``actor`` may write to
    the case, and the coordinator may withdraw the item. A case already there (to be heard)
    or closed is left as it is and None returned, so flagging twice adds one item. On a
    published agenda the item is marked late with ``reason_detail`` as its reason. Records
    ``created``."""
    if not may_write(actor):
        raise PermissionDenied("Auditors change nothing.")
    if not reason_detail.strip():
        raise ValidationError({"reason_detail": "Say why the case is flagged."})
    now = now or timezone.now()
    today = now.astimezone(LONDON).date()
    with transaction.atomic():
        meeting = next_open_meeting(case.area_id, today)
        if meeting is not None:
            meeting = lock_meeting(meeting)
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status == Case.Status.CLOSED:
            return None
        there = (
            AgendaItem.objects.filter(meeting=meeting, case=locked, status__in=ACTIVE)
            if meeting is not None
            else to_be_scheduled(locked.area_id).filter(case=locked)
        )
        if there.exists():
            return None
        late = meeting is not None and is_late(meeting, today)
        listed = (
            to_be_scheduled(locked.area_id).filter(case=locked).first()
            if meeting is not None
            else None
        )
        item = AgendaItem.objects.create(
            area_id=locked.area_id,
            meeting=meeting,
            order=next_order(locked.area_id, meeting),
            kind=AgendaItemKind.CASE,
            case=locked,
            reason=reason,
            reason_detail=reason_detail.strip(),
            late=late,
            moved_from=listed,
            added_by=actor,
        )
        _take_off_list(listed)
        _record_item(actor, item)
    return item

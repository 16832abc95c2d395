"""Scheduling a panel meeting, changing or cancelling it, and who sits on it: the area's
standing membership and each meeting's own copy of it.

Everything here is for the coordinators of the meeting's area. Notifications carry the
meeting page's link and nothing else: no case, no child (the agenda is not the subject of
any of them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.services import field_changes, record, snapshot
from cases.services.common import _local, coordinates
from meetings import workflow
from meetings.models import (
    AgendaItem,
    AttendanceStatus,
    Declaration,
    Meeting,
    MeetingMember,
    MeetingStatus,
    StandingMember,
)
from meetings.services.common import (
    Verb,
    cases_at,
    copy_item,
    lock_meeting,
    meeting_link,
    move,
    next_order,
    require_coordinator,
)
from notifications.models import Notification
from notifications.services import coordinators_of, notify
from panel.errors import Conflict
from panel.models import Agency, AgencyKind, Area, User, reads_case_data

# What a reschedule may change, and what its audit event compares.
ARRANGEMENTS = (
    "date",
    "start_time",
    "venue",
    "online",
    "online_details",
    "police_chair",
    "local_authority_chair",
)


# --- who may, and what is valid --------------------------------------------------------------


def may_schedule(user: User, area: Area | int) -> bool:
    """Coordinators of the area schedule its meetings and keep its standing membership."""
    return coordinates(user, area if isinstance(area, int) else area.pk)


def _require_area_coordinator(user: User, area_id: int) -> None:
    if not coordinates(user, area_id):
        raise PermissionDenied("Only a coordinator of this area may do this.")


def police_chair_choices(area: Area | int) -> Iterable[User]:
    """People who may chair for the police: active case-data readers of a police agency
    serving the area."""
    area_id = area if isinstance(area, int) else area.pk
    return User.objects.filter(
        reads_case_data(), agency__kind=AgencyKind.POLICE, agency__areas__id=area_id
    ).distinct()


def local_authority_chair_choices(area: Area | int) -> Iterable[User]:
    """People who may chair for the local authority: active case-data readers of an agency
    serving the area that is not the police (children's social care, typically)."""
    area_id = area if isinstance(area, int) else area.pk
    return (
        User.objects.filter(reads_case_data(), agency__areas__id=area_id)
        .exclude(agency__kind=AgencyKind.POLICE)
        .distinct()
    )


def _active_reader(user: User) -> bool:
    return User.objects.filter(reads_case_data(), pk=user.pk).exists()


def _arrangement_errors(
    *,
    date: dt.date | None,
    start_time: dt.time | None,
    venue: str,
    online: bool,
    police_chair: User | None,
    local_authority_chair: User | None,
    today: dt.date,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if date is None:
        errors["date"] = "Enter the date of the meeting."
    elif date < today:
        errors["date"] = "The date of the meeting must be today or in the future."
    if start_time is None:
        errors["start_time"] = "Enter the time the meeting starts."
    if not venue.strip() and not online:
        errors["venue"] = "Enter the venue, or say the meeting is online."
    if police_chair is not None and not (
        police_chair.agency_id
        and police_chair.agency.kind == AgencyKind.POLICE
        and _active_reader(police_chair)
    ):
        errors["police_chair"] = "The police chair must be an active member of a police agency."
    if local_authority_chair is not None and not (
        local_authority_chair.agency_id
        and local_authority_chair.agency.kind != AgencyKind.POLICE
        and _active_reader(local_authority_chair)
    ):
        errors["local_authority_chair"] = (
            "The local authority chair must be an active member of a local authority agency, "
            "such as children's social care."
        )
    if (
        police_chair is not None
        and local_authority_chair is not None
        and police_chair.pk == local_authority_chair.pk
    ):
        errors["local_authority_chair"] = "Choose two different people as co-chairs."
    return errors


def _member_errors(area_id: int, agency: Agency | None, representative: User | None) -> dict:
    """A member agency serves the area; its representative is an active person of that
    agency who may read case data (any roles: not necessarily its agency lead)."""
    errors: dict[str, str] = {}
    if agency is None:
        errors["agency"] = "Choose the agency."
        return errors
    if not agency.areas.filter(pk=area_id).exists():
        errors["agency"] = "Choose an agency that serves this area."
    if representative is not None and not (
        representative.agency_id == agency.pk and _active_reader(representative)
    ):
        errors["representative"] = "The representative must be an active member of the agency."
    return errors


def _recipients(meeting: Meeting, *extra: User | None) -> list[User]:
    """Who hears about a meeting's arrangements: its members' named representatives (live:
    still in that agency), its co-chairs (and ``extra``, a chair just replaced) and the
    area's coordinators. Active readers only."""
    reps = User.objects.filter(
        reads_case_data(), meeting_seats__meeting=meeting, meeting_seats__agency_id=F("agency_id")
    ).distinct()
    chair_ids = {meeting.police_chair_id, meeting.local_authority_chair_id}
    chair_ids |= {user.pk for user in extra if user is not None}
    chairs = User.objects.filter(reads_case_data(), pk__in=chair_ids - {None})
    people = {u.pk: u for u in [*reps, *chairs, *coordinators_of(meeting.area_id)]}
    return list(people.values())


def _notify(meeting: Meeting, kind: str, about: str, *extra: User | None) -> None:
    notify(
        recipients=_recipients(meeting, *extra),
        kind=kind,
        link=meeting_link(meeting),
        about=about,
    )


def _changed_about(meeting: Meeting) -> str:
    """A change's notification key names the new arrangements, so a second change
    notifies again while a repeated request does not."""
    return f"meeting:{meeting.pk}:{meeting.date.isoformat()}:{meeting.start_time:%H%M}"


def _arrangements(meeting: Meeting) -> dict:
    return {
        "date": meeting.date,
        "start_time": meeting.start_time.strftime("%H:%M") if meeting.start_time else None,
        "venue": meeting.venue,
        "online": meeting.online,
        "police_chair": meeting.police_chair_id,
        "local_authority_chair": meeting.local_authority_chair_id,
    }


# --- scheduling ----------------------------------------------------------------------------


def schedule_meeting(
    actor: User,
    *,
    area: Area,
    date: dt.date,
    start_time: dt.time,
    venue: str = "",
    online: bool = False,
    online_details: str = "",
    police_chair: User | None = None,
    local_authority_chair: User | None = None,
    now: dt.datetime | None = None,
) -> Meeting:
    """Schedule a panel meeting for ``area``. Coordinators of the area. The date is today
    or later; the meeting has a venue or is online; co-chairs are optional now, but a
    police chair is an active member of a police agency and a local authority chair of an
    agency that is not the police. The area's standing membership is copied onto it.
    Records ``created`` for the meeting; notifies its representatives, co-chairs and the
    area's coordinators (``meeting_scheduled``: the link only)."""
    _require_area_coordinator(actor, area.pk)
    now = now or timezone.now()
    venue, online_details = venue.strip(), online_details.strip()
    errors = _arrangement_errors(
        date=date,
        start_time=start_time,
        venue=venue,
        online=online,
        police_chair=police_chair,
        local_authority_chair=local_authority_chair,
        today=_local(now),
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        meeting = Meeting(
            area=area,
            date=date,
            start_time=start_time,
            venue=venue,
            online=online,
            online_details=online_details if online else "",
            police_chair=police_chair,
            local_authority_chair=local_authority_chair,
            created_by=actor,
        )
        meeting.full_clean()
        meeting.save()
        standing = list(StandingMember.objects.filter(area=area).order_by("id"))
        MeetingMember.objects.bulk_create(
            MeetingMember(
                meeting=meeting, agency_id=s.agency_id, representative_id=s.representative_id
            )
            for s in standing
        )
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=meeting,
            changes={
                **{k: [None, v] for k, v in _arrangements(meeting).items()},
                "members": [None, len(standing)],
            },
        )
        _notify(meeting, Notification.Kind.MEETING_SCHEDULED, f"meeting:{meeting.pk}")
    return meeting


def reschedule_meeting(
    actor: User,
    *,
    meeting: Meeting,
    version: int,
    date: dt.date,
    start_time: dt.time,
    venue: str,
    online: bool,
    online_details: str,
    police_chair: User | None,
    local_authority_chair: User | None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Meeting:
    """Change a meeting's date, time, place or co-chairs, while it is scheduled or its
    agenda published (not once held or cancelled). Coordinators of the area; ``version``
    is the meeting's as read (a stale one is a Conflict). The same rules as scheduling.
    Records ``updated`` with each changed field; notifies ``meeting_changed`` (the link
    only). Nothing changed: nothing is recorded or sent."""
    require_coordinator(actor, meeting)
    now = now or timezone.now()
    venue, online_details = venue.strip(), online_details.strip()
    with transaction.atomic():
        locked = lock_meeting(meeting, version)
        if locked.status not in workflow.RESCHEDULABLE:
            raise Conflict(
                f"This meeting is {MeetingStatus(locked.status).label.lower()}: its "
                "arrangements can no longer change.",
                current_version=locked.version,
            )
        errors = _arrangement_errors(
            date=date,
            start_time=start_time,
            venue=venue,
            online=online,
            police_chair=police_chair,
            local_authority_chair=local_authority_chair,
            today=_local(now),
        )
        if errors:
            raise ValidationError(errors)
        before = snapshot(locked, ARRANGEMENTS)
        old_chairs = [locked.police_chair, locked.local_authority_chair]
        locked.date = date
        locked.start_time = start_time
        locked.venue = venue
        locked.online = online
        locked.online_details = online_details if online else ""
        locked.police_chair = police_chair
        locked.local_authority_chair = local_authority_chair
        changes = field_changes(before, snapshot(locked, ARRANGEMENTS), ARRANGEMENTS)
        if "online_details" in changes:
            # Joining details may carry a passcode: the trail says they changed, not to what.
            changes["online_details"] = "changed"
        if "start_time" in changes:
            changes["start_time"] = [
                t.strftime("%H:%M") for t in (before["start_time"], start_time)
            ]
        if not changes:
            return locked
        locked.version += 1
        locked.full_clean()
        locked.save()
        if reason.strip():
            changes["reason"] = "changed"
        record(actor=actor, verb=Verb.UPDATED, obj=locked, changes=changes)
        # A chair replaced hears of it too.
        _notify(locked, Notification.Kind.MEETING_CHANGED, _changed_about(locked), *old_chairs)
    return locked


def cancel_meeting(
    actor: User,
    *,
    meeting: Meeting,
    version: int,
    reason: str,
    move_to: Meeting | None = None,
    now: dt.datetime | None = None,
) -> Meeting:
    """Cancel a meeting not yet held, with a reason. Coordinators of the area; ``version``
    as read. Every item still to be heard moves: to ``move_to`` (another meeting of the
    area not yet held, appended at the end of its agenda; marked late if that agenda is
    already published) or, without one, to the area's "to be scheduled" list.

    A moved item is not re-pointed: it stays on the cancelled meeting marked "moved" (its
    record of what that agenda held), and a new item is made where it went, with
    ``moved_from`` set and the same kind, case, reason and requester. A case already on the
    target (or already on the list) is not added twice.

    Records ``transitioned`` for the meeting, ``updated`` for each moved item and
    ``created`` for each new one; notifies ``meeting_changed`` (the link only)."""
    require_coordinator(actor, meeting)
    now = now or timezone.now()
    reason = reason.strip()
    with transaction.atomic():
        locked = lock_meeting(meeting, version)
        errors = {}
        if not reason:
            errors["reason"] = "Give the reason for cancelling the meeting."
        if move_to is not None:
            if move_to.pk == locked.pk:
                errors["move_to"] = "Choose another meeting to move the agenda to."
            elif move_to.area_id != locked.area_id or move_to.status not in workflow.AGENDA_OPEN:
                errors["move_to"] = "Choose a meeting of this area that has not been held."
        workflow.check_transition(locked, MeetingStatus.CANCELLED)
        if errors:
            raise ValidationError(errors)
        target = lock_meeting(move_to) if move_to is not None else None
        from_status = locked.status
        move(locked, MeetingStatus.CANCELLED)
        locked.cancelled_at = now
        locked.cancel_reason = reason
        locked.full_clean()
        locked.save()
        moved = _move_items(actor, locked, target)
        record(
            actor=actor,
            verb=Verb.TRANSITIONED,
            obj=locked,
            changes={
                "status": [from_status, MeetingStatus.CANCELLED],
                "cancel_reason": "changed",
                "items_moved": moved,
                "moved_to": target.pk if target else "to be scheduled",
            },
        )
        _notify(locked, Notification.Kind.MEETING_CHANGED, f"meeting:{locked.pk}:cancelled")
    return locked


def _move_items(actor: User, meeting: Meeting, target: Meeting | None) -> int:
    pending = list(
        AgendaItem.objects.filter(meeting=meeting, status=AgendaItem.Status.PENDING)
        .select_related("case")
        .order_by("order", "id")
    )
    if not pending:
        return 0
    next_place = next_order(meeting.area_id, target)
    late = target is not None and target.status == MeetingStatus.PUBLISHED
    already = cases_at(meeting.area_id, target)
    note = f"Moved from the cancelled meeting of {meeting.date:%-d %B %Y}."
    for item in pending:
        new = None
        if item.case_id is None or item.case_id not in already:
            new = copy_item(
                item,
                added_by=actor,
                target=target,
                order=next_place,
                reason=item.reason,
                reason_detail=item.reason_detail or (note if late else ""),
                late=late,
            )
            next_place += 1
            already.add(item.case_id)
        item.status = AgendaItem.Status.MOVED
        item.version += 1
        item.save(update_fields=["status", "version"])
        reference = item.case.reference if item.case_id else ""
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=item,
            case_reference=reference,
            changes={
                "status": [AgendaItem.Status.PENDING, AgendaItem.Status.MOVED],
                "moved_to_item": new.pk if new else "already there",
            },
        )
        if new is not None:
            record(
                actor=actor,
                verb=Verb.CREATED,
                obj=new,
                case_reference=reference,
                changes={
                    "meeting": [None, target.pk if target else None],
                    "moved_from": [None, item.pk],
                    "late": [None, late],
                },
            )
    return len(pending)


# --- standing membership of an area --------------------------------------------------------


def add_standing_member(
    actor: User, *, area: Area, agency: Agency, representative: User | None = None
) -> StandingMember:
    """Add an agency (and its named representative, any active person of it, not
    necessarily its agency lead) to the area's standing membership, copied to each meeting
    scheduled from now on. Coordinators of the area. Records ``created``."""
    _require_area_coordinator(actor, area.pk)
    errors = _member_errors(area.pk, agency, representative)
    if (
        not errors
        and StandingMember.objects.filter(
            area=area, agency=agency, representative=representative
        ).exists()
    ):
        errors["representative"] = "That agency and representative are already members."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        member = StandingMember.objects.create(
            area=area, agency=agency, representative=representative
        )
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=member,
            changes={
                "area": [None, area.pk],
                "agency": [None, agency.pk],
                "representative": [None, representative.pk if representative else None],
            },
        )
    return member


def remove_standing_member(actor: User, *, member: StandingMember) -> None:
    """Take an agency or representative off the area's standing membership; meetings
    already scheduled keep their own copy. Coordinators of the area. Records ``updated``
    (removed) for the row."""
    _require_area_coordinator(actor, member.area_id)
    with transaction.atomic():
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=member,
            changes={
                "removed": True,
                "area": member.area_id,
                "agency": member.agency_id,
                "representative": member.representative_id,
            },
        )
        StandingMember.objects.filter(pk=member.pk).delete()


# --- one meeting's members ------------------------------------------------------------------


def _require_arrangements_open(meeting: Meeting) -> None:
    if meeting.status not in workflow.RESCHEDULABLE:
        raise Conflict(
            f"This meeting is {MeetingStatus(meeting.status).label.lower()}: its members can "
            "no longer change.",
            current_version=meeting.version,
        )


def add_meeting_member(
    actor: User, *, meeting: Meeting, agency: Agency, representative: User | None = None
) -> MeetingMember:
    """Add an agency (and its named representative) to one meeting, before it is held.
    Coordinators of the area; the same rules as the standing membership. Records
    ``created``; the representative is told of the meeting (``meeting_scheduled``, the
    link only)."""
    require_coordinator(actor, meeting)
    with transaction.atomic():
        locked = lock_meeting(meeting)
        _require_arrangements_open(locked)
        errors = _member_errors(locked.area_id, agency, representative)
        if (
            not errors
            and MeetingMember.objects.filter(
                meeting=locked, agency=agency, representative=representative
            ).exists()
        ):
            errors["representative"] = "That agency and representative are already members."
        if errors:
            raise ValidationError(errors)
        member = MeetingMember.objects.create(
            meeting=locked, agency=agency, representative=representative
        )
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=member,
            changes={
                "meeting": [None, locked.pk],
                "agency": [None, agency.pk],
                "representative": [None, representative.pk if representative else None],
            },
        )
        if representative is not None and _active_reader(representative):
            notify(
                recipients=[representative],
                kind=Notification.Kind.MEETING_SCHEDULED,
                link=meeting_link(locked),
                about=f"meeting:{locked.pk}",
            )
    return member


def remove_meeting_member(actor: User, *, member: MeetingMember) -> None:
    """Take a member off one meeting, before it is held and while no attendance or
    declaration is recorded for them. Coordinators of the area. Records ``updated``
    (removed) for the row."""
    require_coordinator(actor, member.meeting)
    with transaction.atomic():
        locked = lock_meeting(member.meeting)
        _require_arrangements_open(locked)
        current = MeetingMember.objects.filter(pk=member.pk).first()
        if current is None:
            return
        if current.attendance != AttendanceStatus.EXPECTED or (
            Declaration.objects.filter(member=current).exists()
        ):
            raise ValidationError(
                {"member": "Attendance or a declaration is recorded for this member: keep them."}
            )
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=current,
            changes={
                "removed": True,
                "meeting": locked.pk,
                "agency": current.agency_id,
                "representative": current.representative_id,
            },
        )
        current.delete()

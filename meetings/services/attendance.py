"""At the meeting: who attended for which agency, observers and guests, the confidentiality
statement, and declarations of interest.

Attendance, guests and the statement are recorded by the area's coordinators while the
meeting is being held: from the day of a published meeting, and on a held meeting until its
minutes are approved (``recording_open``). Declarations of interest can be made from when
the meeting is scheduled until its minutes are approved, by a coordinator or by a member's
own representative for their seat. Every write is audited in its own transaction; the
quorum follows attendance live (meetings/services/quorum.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import field_changes, record, snapshot
from cases.models import Case
from cases.services.common import may_write
from meetings.models import (
    AgendaItem,
    AgendaItemKind,
    AttendanceStatus,
    Declaration,
    GuestKind,
    Meeting,
    MeetingGuest,
    MeetingMember,
    MeetingStatus,
)
from meetings.services.common import Verb, coordinates_meeting, lock_meeting, require_coordinator
from meetings.services.quorum import QuorumState
from panel.dates import LONDON
from panel.errors import Conflict
from panel.models import AgencyKind, User

# What a coordinator may record: "expected" is the state before anything is recorded.
RECORDABLE = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.APOLOGIES,
    AttendanceStatus.SENT_INFORMATION,
    AttendanceStatus.ABSENT,
)
ATTENDANCE_FIELDS = ("attendance", "attended_by")
NAME_LENGTH = 150
# Declarations can be made while the meeting is still to come or being held.
DECLARATIONS_OPEN = (MeetingStatus.SCHEDULED, MeetingStatus.PUBLISHED, MeetingStatus.HELD)

NOT_OPEN = (
    "Attendance is recorded at the meeting: from the day of the meeting once its agenda is "
    "published, until its minutes are approved."
)


def _today(now: dt.datetime | None) -> dt.date:
    return (now or timezone.now()).astimezone(LONDON).date()


def recording_open(meeting: Meeting, now: dt.datetime | None = None) -> bool:
    """Whether attendance, guests and the statement can be recorded now: a published
    meeting on or after its day, or a held one (its minutes not yet approved)."""
    if meeting.status == MeetingStatus.HELD:
        return True
    return meeting.status == MeetingStatus.PUBLISHED and meeting.date <= _today(now)


def _require_open(meeting: Meeting, now: dt.datetime | None) -> None:
    if not recording_open(meeting, now):
        raise Conflict(NOT_OPEN, current_version=meeting.version)


def _name(value: str, field: str, message: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: message})
    if len(value) > NAME_LENGTH:
        raise ValidationError({field: f"Enter no more than {NAME_LENGTH} characters."})
    return value


def _check_row(attendance: str, attended_by: str) -> tuple[str, str]:
    """One member's attendance as given, checked: (attendance, attended_by)."""
    if attendance not in RECORDABLE:
        raise ValidationError(
            {"attendance": "Choose present, apologies, sent information only or absent."}
        )
    attended_by = _name(attended_by, "attended_by", "", required=False)
    if attended_by and attendance != AttendanceStatus.PRESENT:
        raise ValidationError({"attended_by": "Name a deputy only for an agency that was present."})
    return attendance, attended_by


def _apply(
    actor: User, member: MeetingMember, attendance: str, attended_by: str, now: dt.datetime
) -> bool:
    """Write one member's checked attendance and its audit event; False when nothing
    changed (nothing is written or recorded then)."""
    before = snapshot(member, ATTENDANCE_FIELDS)
    if before == {"attendance": attendance, "attended_by": attended_by}:
        return False
    member.attendance = attendance
    member.attended_by = attended_by
    member.recorded_at = now
    member.save(update_fields=[*ATTENDANCE_FIELDS, "recorded_at"])
    record(
        actor=actor,
        verb=Verb.UPDATED,
        obj=member,
        changes={
            **field_changes(before, snapshot(member, ATTENDANCE_FIELDS), ATTENDANCE_FIELDS),
            "meeting": member.meeting_id,
            "agency": member.agency.name,
        },
    )
    return True


def record_attendance(
    actor: User,
    *,
    member: MeetingMember,
    attendance: str,
    attended_by: str = "",
    now: dt.datetime | None = None,
) -> MeetingMember:
    """Record one member's attendance: present (``attended_by`` names a deputy who came
    instead of the named representative), apologies, sent information only, or absent.

    Coordinators of the meeting's area, on a published meeting from its day, or a held one
    until its minutes are approved (else Conflict). Records ``updated`` on the member with
    the old and new attendance; recording what is already recorded changes nothing."""
    meeting = member.meeting
    require_coordinator(actor, meeting)
    now = now or timezone.now()
    attendance, attended_by = _check_row(attendance, attended_by)
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        _require_open(meeting, now)
        member = MeetingMember.objects.select_related("agency").get(pk=member.pk, meeting=meeting)
        _apply(actor, member, attendance, attended_by, now)
    return member


def record_attendance_all(
    actor: User,
    *,
    meeting: Meeting,
    rows: Iterable[Mapping[str, Any]],
    now: dt.datetime | None = None,
) -> list[MeetingMember]:
    """Record the attendance of several members at once (the attendance form), all or
    nothing. Each row: ``member`` (a MeetingMember of this meeting, or its id),
    ``attendance`` and optionally ``attended_by``.

    Same rules as ``record_attendance``. Bad rows raise one ValidationError whose keys are
    ``member_<id>_attendance`` / ``member_<id>_attended_by``, and nothing is saved. Returns
    the members that changed (each recorded as ``updated``)."""
    require_coordinator(actor, meeting)
    now = now or timezone.now()
    rows = list(rows)
    wanted: dict[int, tuple[str, str]] = {}
    errors: dict[str, list[str]] = {}
    for row in rows:
        member = row["member"]
        member_id = int(getattr(member, "pk", member))
        try:
            wanted[member_id] = _check_row(row.get("attendance", ""), row.get("attended_by", ""))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"member_{member_id}_{field}"] = messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        _require_open(meeting, now)
        members = {
            m.pk: m
            for m in MeetingMember.objects.select_related("agency").filter(
                meeting=meeting, pk__in=wanted
            )
        }
        unknown = sorted(set(wanted) - set(members))
        if unknown:
            raise ValidationError(
                {"members": f"Not members of this meeting: {', '.join(map(str, unknown))}."}
            )
        changed = [
            members[pk]
            for pk, (attendance, attended_by) in wanted.items()
            if _apply(actor, members[pk], attendance, attended_by, now)
        ]
    return changed


def add_guest(
    actor: User,
    *,
    meeting: Meeting,
    name: str,
    organisation: str,
    kind: str = GuestKind.OBSERVER,
    now: dt.datetime | None = None,
) -> MeetingGuest:
    """Record an observer or guest at the meeting, with their organisation. Coordinators of
    the area, while attendance is being recorded. Records ``created`` on the guest."""
    require_coordinator(actor, meeting)
    name = _name(name, "name", "Enter the name of the observer or guest", required=True)
    organisation = _name(
        organisation, "organisation", "Enter the organisation they are from", required=True
    )
    if kind not in GuestKind.values:
        raise ValidationError({"kind": "Choose observer or guest."})
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        _require_open(meeting, now)
        guest = MeetingGuest.objects.create(
            meeting=meeting, name=name, organisation=organisation, kind=kind, added_by=actor
        )
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=guest,
            changes={
                "meeting": meeting.pk,
                "name": name,
                "organisation": organisation,
                "kind": kind,
            },
        )
    return guest


def remove_guest(actor: User, *, guest: MeetingGuest, now: dt.datetime | None = None) -> None:
    """Take an observer or guest off the meeting's record (added by mistake). Coordinators
    of the area, while attendance is being recorded. Records ``updated`` (deleted) on the
    guest."""
    meeting = guest.meeting
    require_coordinator(actor, meeting)
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        _require_open(meeting, now)
        guest = MeetingGuest.objects.get(pk=guest.pk, meeting=meeting)
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=guest,
            changes={
                "deleted": True,
                "meeting": meeting.pk,
                "name": guest.name,
                "organisation": guest.organisation,
                "kind": guest.kind,
            },
        )
        guest.delete()


def record_confidentiality(
    actor: User,
    *,
    meeting: Meeting,
    read_by: str,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> Meeting:
    """Record that the confidentiality statement was read to the meeting, and by whom.
    Coordinators of the area, while attendance is being recorded; ``version`` is the
    meeting's as the form was loaded (a stale one is Conflict; the pages always send it).
    Records ``updated`` on the meeting."""
    require_coordinator(actor, meeting)
    read_by = _name(
        read_by, "read_by", "Enter the name of who read the statement to the meeting",
        required=True,
    )  # fmt: skip
    with transaction.atomic():
        meeting = lock_meeting(meeting, version)
        _require_open(meeting, now)
        fields = ("confidentiality_read", "confidentiality_read_by")
        before = snapshot(meeting, fields)
        meeting.confidentiality_read = True
        meeting.confidentiality_read_by = read_by
        meeting.version += 1
        meeting.save(update_fields=[*fields, "version"])
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=meeting,
            changes=field_changes(before, snapshot(meeting, fields), fields),
        )
    return meeting


def may_declare_for(user: User, member: MeetingMember) -> bool:
    """A member's own representative, still in that agency, declares for their seat."""
    return (
        may_write(user)
        and member.representative_id == user.pk
        and member.agency_id == user.agency_id
    )


def record_declaration(
    actor: User,
    *,
    item: AgendaItem,
    member: MeetingMember,
    interest: str,
    now: dt.datetime | None = None,
) -> Declaration:
    """Record a member's declaration of interest in a case on the meeting's agenda.

    Coordinators of the meeting's area, for any member; or the member's own representative
    for their own seat, on an item whose case they may see. From scheduling until the
    minutes are approved. Records ``created`` on the declaration with the case reference;
    the interest itself is never copied into the audit trail."""
    meeting = item.meeting
    if meeting is None or item.kind != AgendaItemKind.CASE:
        raise ValidationError({"item": "Choose a case on this meeting's agenda."})
    if member.meeting_id != meeting.pk:
        raise ValidationError({"member": "Choose a member of this meeting."})
    if not coordinates_meeting(actor, meeting):
        if not may_declare_for(actor, member):
            raise PermissionDenied(
                "Only a coordinator, or the member's own representative, may record this "
                "declaration."
            )
        if not Case.objects.visible_to(actor).filter(pk=item.case_id).exists():
            raise PermissionDenied("You may declare an interest only in a case you may see.")
    interest = (interest or "").strip()
    if not interest:
        raise ValidationError({"interest": "Enter the interest being declared"})
    now = now or timezone.now()
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        if meeting.status not in DECLARATIONS_OPEN:
            raise Conflict(
                "Declarations are recorded until the minutes are approved, and not on a "
                "cancelled meeting.",
                current_version=meeting.version,
            )
        item = AgendaItem.objects.select_related("case").get(pk=item.pk)
        if item.meeting_id != meeting.pk or item.status not in AgendaItem.ACTIVE_STATUSES:
            raise ValidationError({"item": "Choose a case on this meeting's agenda."})
        declaration = Declaration.objects.create(
            item=item, member=member, interest=interest, recorded_by=actor, recorded_at=now
        )
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=declaration,
            case_reference=item.case.reference,
            changes={
                "meeting": meeting.pk,
                "item": item.pk,
                "member": member.pk,
                "agency": member.agency.name,
            },
        )
    return declaration


QUORATE_TEXT = "Quorate"
NOT_QUORATE_CONSEQUENCE = (
    "Decisions other than closures take effect and are marked to be ratified; closures wait "
    "for ratification"
)


def kinds_text(kinds: Iterable[str]) -> str:
    """Agency kinds as words in a sentence, in the order agency kinds are listed: "police,
    children's social care and health"."""
    order = list(AgencyKind.values)
    ordered = sorted(kinds, key=lambda kind: order.index(kind) if kind in order else len(order))
    labels = [AgencyKind(kind).label for kind in ordered]
    return _join([label[0].lower() + label[1:] for label in labels])


def _join(words: list[str]) -> str:
    if not words:
        return ""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def quorum_headline(state: QuorumState) -> str:
    """The banner's first sentence: "Quorate", or "Not quorate: police and health are not
    present." (agency kinds in lower case, in the order agency kinds are listed)."""
    if state.quorate:
        return QUORATE_TEXT
    verb = "is" if len(state.missing) == 1 else "are"
    return f"Not quorate: {kinds_text(state.missing)} {verb} not present."


def quorum_text(state: QuorumState) -> str:
    """The whole quorum banner as one line (pages and the API say the same)."""
    if state.quorate:
        return QUORATE_TEXT
    return f"{quorum_headline(state)} {NOT_QUORATE_CONSEQUENCE}."

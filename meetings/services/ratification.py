"""Ratifying what a meeting that was not quorate decided.

At such a meeting, protective decisions (open, continue, escalate, and the actions agreed)
take effect at once, marked "not quorate: to be ratified"; a closure waits, and the case
stays as it is (DOMAIN.md: children have been removed from lists too early). Either is
ratified by a co-chair of that meeting, or recorded as ratified by a coordinator at a later
meeting of the area that is quorate. Ratifying a waiting closure applies it then, with the
closure rules checked again at that moment. A waiting closure can also be declined: the
case stays open.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from audit.services import record
from cases.models import Case
from cases.services.common import coordinates
from cases.services.lifecycle import apply_transition
from meetings.models import CaseDecision, DecisionState, Meeting, MeetingStatus
from meetings.services.common import Verb, chairs_meeting
from meetings.services.quorum import quorum_state
from notifications.models import Notification
from notifications.services import coordinators_of, notify
from panel.errors import Conflict
from panel.models import User

PENDING = (DecisionState.TO_RATIFY, DecisionState.AWAITING_RATIFICATION)


def tell_ratification_needed(actor: User, meeting: Meeting) -> None:
    """Tell the area's coordinators and the meeting's co-chairs (not the person recording)
    that decisions at the meeting need ratifying: once per person and meeting, with a link
    to the meeting's ratification page and no case reference."""
    recipients = {u.pk: u for u in [*coordinators_of(meeting.area_id), *meeting.chairs()]}
    recipients.pop(actor.pk, None)
    notify(
        recipients=recipients.values(),
        kind=Notification.Kind.RATIFICATION_NEEDED,
        link=reverse("meetings:ratify", args=[meeting.pk]),
        about=f"meeting:{meeting.pk}:ratification",
    )


def awaiting_ratification(meeting: Meeting) -> QuerySet[CaseDecision]:
    """Decisions taken at ``meeting`` still to be ratified."""
    return CaseDecision.objects.filter(meeting=meeting, state__in=PENDING)


def ratifiable_at(meeting: Meeting) -> QuerySet[CaseDecision]:
    """Decisions of earlier meetings of the area still to be ratified, which ``meeting``
    (if quorate) may ratify."""
    return CaseDecision.objects.filter(
        meeting__area_id=meeting.area_id, meeting__date__lt=meeting.date, state__in=PENDING
    )


def _may_ratify(actor: User, decision: CaseDecision, at_meeting: Meeting | None) -> None:
    """A co-chair of the decision's meeting; or a coordinator of the area recording
    ratification at a later meeting of the area, being held or held, that is quorate."""
    if at_meeting is None:
        if not chairs_meeting(actor, decision.meeting):
            raise PermissionDenied("Only a co-chair of the meeting may ratify its decisions.")
        return
    if not coordinates(actor, decision.meeting.area_id):
        raise PermissionDenied("Only a coordinator of this area may record ratification.")
    errors = {}
    if at_meeting.area_id != decision.meeting.area_id or at_meeting.date <= decision.meeting.date:
        errors["at_meeting"] = "Choose a later meeting of the same area."
    elif at_meeting.status not in (MeetingStatus.PUBLISHED, MeetingStatus.HELD):
        errors["at_meeting"] = "Ratification is recorded at a meeting being held or held."
    elif not quorum_state(at_meeting).quorate:
        errors["at_meeting"] = (
            "That meeting is not quorate either: ratify at a quorate meeting or by a co-chair."
        )
    if errors:
        raise ValidationError(errors)


def _lock(decision: CaseDecision) -> CaseDecision:
    locked = (
        CaseDecision.objects.select_for_update(of=("self",))
        .select_related("meeting", "case")
        .get(pk=decision.pk)
    )
    if locked.state not in PENDING:
        raise Conflict("This decision is not waiting for ratification.")
    return locked


def ratify_decision(
    actor: User,
    *,
    decision: CaseDecision,
    at_meeting: Meeting | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> CaseDecision:
    """Ratify a decision taken at a meeting that was not quorate. A co-chair of that
    meeting, or (``at_meeting``) a coordinator of the area at a later quorate meeting.
    A protective decision (already in effect) becomes ratified; a waiting closure is
    applied now, the closure rules checked again (open actions, the reason and summary, a
    current assessment for "risk reduced"): if they fail, nothing changes and the error
    says why. A waiting closure is refused once the case has a later decision (heard
    again since): the later decision stands, and the closure is to be declined. Records
    ``updated`` for the decision, and the closure's ``transitioned``."""
    now = now or timezone.now()
    _may_ratify(actor, decision, at_meeting)
    with transaction.atomic():
        locked = _lock(decision)
        before = locked.state
        if locked.state == DecisionState.AWAITING_RATIFICATION:
            later = (
                CaseDecision.objects.filter(
                    case_id=locked.case_id, recorded_at__gt=locked.recorded_at
                )
                .exclude(pk=locked.pk)
                .select_related("meeting")
                .order_by("recorded_at")
                .first()
            )
            if later is not None:
                raise ValidationError(
                    {
                        "decision": "The case was heard again at the "
                        f"{later.meeting.date:%-d %B %Y} meeting and the panel decided "
                        f"“{later.get_kind_display()}”: that decision stands. Do not "
                        "ratify this closure (decline it with that reason)."
                    }
                )
            case = apply_transition(
                actor,
                case=locked.case,
                to_status=Case.Status.CLOSED,
                reason=locked.reason,
                closure_reason=locked.closure_reason,
                closure_summary=locked.closure_summary,
                meeting=locked.meeting,
                now=now,
            )
            locked.transition = case.transitions.order_by("-at", "-id").first()
        locked.state = DecisionState.RATIFIED
        locked.ratified_at = now
        locked.ratified_by = actor
        locked.ratified_at_meeting = at_meeting
        locked.ratification_note = note.strip()
        locked.save()
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=locked,
            case_reference=locked.case.reference,
            changes={"state": [before, DecisionState.RATIFIED]}
            | ({"ratified_at_meeting": [None, str(at_meeting.pk)]} if at_meeting else {}),
        )
    return locked


def decline_ratification(
    actor: User,
    *,
    decision: CaseDecision,
    note: str,
    at_meeting: Meeting | None = None,
    now: dt.datetime | None = None,
) -> CaseDecision:
    """Decline a closure waiting for ratification: it becomes "not ratified" and the case
    stays open. The same people as ratify_decision; a reason is needed. A protective
    decision already in effect is not declined: a later meeting decides anew. Records
    ``updated``."""
    now = now or timezone.now()
    _may_ratify(actor, decision, at_meeting)
    if not note.strip():
        raise ValidationError({"note": "Give the reason the closure is not ratified."})
    with transaction.atomic():
        locked = _lock(decision)
        if locked.state != DecisionState.AWAITING_RATIFICATION:
            raise ValidationError(
                "This decision is already in effect: a later meeting changes it with a new "
                "decision; only a waiting closure is declined."
            )
        locked.state = DecisionState.NOT_RATIFIED
        locked.ratified_at = now
        locked.ratified_by = actor
        locked.ratified_at_meeting = at_meeting
        locked.ratification_note = note.strip()
        locked.save()
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=locked,
            case_reference=locked.case.reference,
            changes={
                "state": [DecisionState.AWAITING_RATIFICATION, DecisionState.NOT_RATIFIED],
                "ratification_note": "changed",
            },
        )
    return locked

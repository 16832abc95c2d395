"""Hearing each case at the meeting: last meeting's actions reviewed, new actions agreed,
the risk decision and the panel's decision, and marking the meeting held (cases not reached
are carried over). Ratification of what a meeting that was not quorate decided is in
meetings/services/ratification.py.

Who: coordinators of the meeting's area, while the meeting is being held (agenda
published, on or after its date). Every write goes through the cases services (lifecycle,
reviews, actions), which keep their own rules and audit events; this module adds the
meeting's records (ActionReview, CaseDecision, the agenda item's status) in the same
transaction, audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.services import record
from cases.models import Action, Case, Review, RiskAssessment
from cases.services.actions import add_action, update_action
from cases.services.common import _local, review_due_after
from cases.services.lifecycle import closure_errors, transition_case
from cases.services.reviews import hold_review
from meetings.models import (
    ActionReview,
    ActionReviewOutcome,
    AgendaItem,
    AgendaItemKind,
    AgendaItemStatus,
    AgendaReason,
    AttendanceStatus,
    CaseDecision,
    DecisionKind,
    DecisionState,
    EscalationForum,
    Meeting,
    MeetingStatus,
    RiskDecision,
)
from meetings.services.common import (
    CASE_REFERENCE,
    Verb,
    cases_at,
    copy_item,
    lock_meeting,
    move,
    next_order,
    require_coordinator,
)
from meetings.services.quorum import quorum_state
from panel.errors import Conflict
from panel.models import Agency, User

NOT_BEING_HELD = "This meeting is not being held: its agenda must be published and not yet closed."
RECORD_CLOSED = "The meeting record is closed: nothing more is recorded at this meeting."
NOT_STARTED = "The meeting is on {date}: what it decides is recorded on that day or after."


# --- reads the hearing needs ---------------------------------------------------------------


def being_held(meeting: Meeting, today: dt.date) -> str:
    """Why decisions cannot be recorded at ``meeting`` today, or "" if they can."""
    if meeting.status in (MeetingStatus.HELD, MeetingStatus.APPROVED):
        return RECORD_CLOSED
    if meeting.status != MeetingStatus.PUBLISHED:
        return NOT_BEING_HELD
    if today < meeting.date:
        return NOT_STARTED.format(date=f"{meeting.date:%-d %B %Y}")
    return ""


def previous_hearing_at(item: AgendaItem) -> dt.datetime | None:
    """When the case was last heard before this item (its latest decision at another
    meeting), or None."""
    return (
        CaseDecision.objects.filter(case_id=item.case_id)
        .exclude(item_id=item.pk)
        .order_by("-recorded_at")
        .values_list("recorded_at", flat=True)
        .first()
    )


def actions_to_review(item: AgendaItem) -> QuerySet[Action]:
    """Last meeting's actions, reviewed at this hearing: the case's open actions, and those
    finished (done or cancelled) since the case was last heard. Actions agreed at this
    hearing are new, not reviewed."""
    since = previous_hearing_at(item)
    finished = Q(status__in=[Action.Status.DONE, Action.Status.CANCELLED])
    if since is not None:
        finished &= Q(updated_at__gte=since)
    return (
        Action.objects.filter(case_id=item.case_id)
        .filter(Q(status__in=Action.OPEN_STATUSES) | finished)
        .exclude(pk__in=item.agreed_actions.values("pk"))
        .select_related("owning_agency", "owner")
        .order_by("owning_agency__name", "due_date", "pk")
    )


def present_agencies(meeting: Meeting) -> list[int]:
    """Ids of the member agencies recorded present at the meeting."""
    return list(
        meeting.members.filter(attendance=AttendanceStatus.PRESENT)
        .values_list("agency_id", flat=True)
        .distinct()
    )


def attending_for(meeting: Meeting, case: Case) -> list[Agency]:
    """The agencies a review held at the meeting is attended by: the member agencies
    present that are involved in the case."""
    return list(
        Agency.objects.filter(
            pk__in=present_agencies(meeting), case_links__case_id=case.pk
        ).order_by("name")
    )


def _case_item(item: AgendaItem, *, lock: bool = False) -> AgendaItem:
    rows = AgendaItem.objects.select_related("meeting", "case")
    if lock:
        rows = rows.select_for_update(of=("self",))
    item = rows.get(pk=item.pk)
    if item.kind != AgendaItemKind.CASE or item.meeting_id is None:
        raise ValidationError("Only a case on a meeting's agenda is heard.")
    return item


# --- last meeting's actions --------------------------------------------------------------


def review_action(
    actor: User,
    *,
    item: AgendaItem,
    action: Action,
    outcome: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> ActionReview:
    """Minute one of last meeting's actions at this hearing: done, not done because
    circumstances changed, not done by the agency, or ongoing. Coordinators of the
    meeting's area, while it is being held; the action must be one this hearing reviews
    (see actions_to_review). Reviewing it again replaces the outcome.

    The minute is what the panel says; it changes the action itself only where the panel's
    word settles it, through the cases action service and so on the action's own timeline:
    "done" completes an action still open (the note is its completion note), and
    "circumstances changed" cancels one still open (the note is the reason), so each then
    needs a note. "Not done by the agency" and "ongoing" leave the action open: the agency
    still owes it. Records ``created`` (or ``updated``) for the review, and the action
    service's own ``updated``."""
    now = now or timezone.now()
    require_coordinator(actor, item.meeting)
    if outcome not in ActionReviewOutcome.values:
        raise ValidationError({"outcome": "Choose what became of the action."})
    with transaction.atomic():
        lock_meeting(item.meeting)
        item = _case_item(item, lock=True)
        refused = being_held(item.meeting, _local(now))
        if refused:
            raise Conflict(refused)
        if not actions_to_review(item).filter(pk=action.pk).exists():
            raise ValidationError({"action": "Choose one of the actions this hearing reviews."})
        current = Action.objects.get(pk=action.pk)
        closes = outcome in (ActionReviewOutcome.DONE, ActionReviewOutcome.CIRCUMSTANCES_CHANGED)
        if closes and current.status in Action.OPEN_STATUSES:
            if not note.strip():
                raise ValidationError(
                    {
                        "note": "Say what was done."
                        if outcome == ActionReviewOutcome.DONE
                        else "Say how circumstances changed: the action is cancelled."
                    }
                )
            if outcome == ActionReviewOutcome.DONE:
                update_action(
                    actor,
                    action=current,
                    version=current.version,
                    status=Action.Status.DONE,
                    completion_note=note,
                    note="Reviewed at the panel meeting: done.",
                    now=now,
                )
            else:
                update_action(
                    actor,
                    action=current,
                    version=current.version,
                    status=Action.Status.CANCELLED,
                    cancel_reason=note,
                    note="Reviewed at the panel meeting: not done, circumstances changed.",
                    now=now,
                )
        existing = ActionReview.objects.filter(item=item, action_id=action.pk).first()
        if existing is not None:
            before = existing.outcome
            existing.outcome = outcome
            existing.note = note.strip()
            existing.recorded_by = actor
            existing.recorded_at = now
            existing.save()
            record(
                actor=actor,
                verb=Verb.UPDATED,
                obj=existing,
                case_reference=item.case.reference,
                changes={"outcome": [before, outcome]},
            )
            return existing
        reviewed = ActionReview.objects.create(
            item=item,
            action_id=action.pk,
            outcome=outcome,
            note=note.strip(),
            recorded_by=actor,
            recorded_at=now,
        )
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=reviewed,
            case_reference=item.case.reference,
            changes={"action": [None, str(action.pk)], "outcome": [None, outcome]},
        )
    return reviewed


# --- new actions agreed at the hearing ----------------------------------------------------


def agree_action(
    actor: User, *, item: AgendaItem, now: dt.datetime | None = None, **action_fields
) -> Action:
    """A new action the panel agrees while hearing the case: made by the cases action
    service (its rules, audit and notifications: ``add_action``) and listed on the item
    (``agreed_actions``), so the minutes show it under this hearing. At a meeting that is
    not quorate it takes effect at once and is ratified with the case's decision.
    Coordinators of the meeting's area, while it is being held. Records the action
    service's ``created`` and ``updated`` for the item."""
    now = now or timezone.now()
    require_coordinator(actor, item.meeting)
    with transaction.atomic():
        lock_meeting(item.meeting)
        item = _case_item(item, lock=True)
        refused = being_held(item.meeting, _local(now))
        if refused:
            raise Conflict(refused)
        action = add_action(actor, case=item.case, **action_fields)
        if not item.agreed_actions.filter(pk=action.pk).exists():  # a resent form
            item.agreed_actions.add(action)
            record(
                actor=actor,
                verb=Verb.UPDATED,
                obj=item,
                case_reference=item.case.reference,
                changes={"agreed_actions": [None, str(action.pk)]},
            )
    return action


# --- the decision --------------------------------------------------------------------------


def _assessment_at_meeting(
    case: Case, meeting: Meeting, given: RiskAssessment | None
) -> RiskAssessment | None:
    """The new assessment a changed risk level rests on: made on the case on or after the
    meeting's date (the latest, unless one is named)."""
    made = case.assessments.filter(final_level__isnull=False).order_by("-assessed_at", "-id")
    if given is not None:
        made = made.filter(pk=given.pk)
    for assessment in made[:1]:
        if _local(assessment.assessed_at) >= meeting.date:
            return assessment
    return None


def _hold(actor, *, case: Case, meeting: Meeting, reason: str, attending, now) -> Review:
    """Hold the case's upcoming review at the meeting: held on the meeting's date, the
    meeting linked, attended by the member agencies present that are involved in the case;
    the next review by cadence from the meeting's date."""
    upcoming = case.reviews.filter(status=Review.Status.UPCOMING).first()
    if upcoming is None:
        raise ValidationError("This case has no upcoming review to hold.")
    agencies = attending_for(meeting, case) if attending is None else list(attending)
    if not agencies:
        raise ValidationError(
            {
                "attending_agencies": "No member agency involved in this case is recorded "
                "present: record the meeting's attendance first."
            }
        )
    return hold_review(
        actor,
        review=upcoming,
        held_on=meeting.date,
        outcome=reason,
        risk_level_after=Case.objects.get(pk=case.pk).risk_level,
        attending_agencies=agencies,
        meeting=meeting,
        now=now,
    )


def _first_review_from(actor, *, case: Case, meeting: Meeting) -> Review:
    """A case opened at the meeting: its first review by cadence from the meeting's date."""
    case = Case.objects.get(pk=case.pk)
    due = review_due_after(case.risk_level, meeting.date)
    upcoming = case.reviews.filter(status=Review.Status.UPCOMING).first()
    if upcoming is None:
        upcoming = Review.objects.create(case=case, due_date=due)
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=upcoming,
            case_reference=case.reference,
            changes={"due_date": [None, due.isoformat()]},
        )
    elif upcoming.due_date != due:
        before = upcoming.due_date
        upcoming.due_date = due
        upcoming.save(update_fields=["due_date"])
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=upcoming,
            case_reference=case.reference,
            changes={"due_date": [before.isoformat(), due.isoformat()]},
        )
    return upcoming


KIND_NEEDS = {
    DecisionKind.OPEN: (
        (Case.Status.AWAITING_PANEL,),
        "Only a case awaiting panel is opened: this case is {status}.",
    ),
    DecisionKind.CONTINUE: (
        (Case.Status.OPEN,),
        "Only an open case continues with its plan: this case is {status}.",
    ),
    DecisionKind.CLOSE: (
        (Case.Status.AWAITING_PANEL, Case.Status.OPEN),
        "This case is {status}: it cannot be closed.",
    ),
    DecisionKind.ESCALATE: (
        (Case.Status.AWAITING_PANEL, Case.Status.OPEN),
        "This case is {status}: re-open it before escalating.",
    ),
}


def _decision_errors(
    *,
    case: Case,
    kind: str,
    reason: str,
    risk_decision: str,
    closure_reason: str,
    closure_summary: str,
    forum: str,
    escalation_person: str,
    escalation_agency: Agency | None,
    escalation_due: dt.date | None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if kind not in DecisionKind.values:
        errors["kind"] = "Choose the panel's decision."
    else:
        statuses, message = KIND_NEEDS[DecisionKind(kind)]
        if case.status not in statuses:
            errors["kind"] = message.format(status=Case.Status(case.status).label.lower())
    if not reason.strip():
        errors["reason"] = "Give the reason for the decision."
    if risk_decision not in RiskDecision.values:
        errors["risk_decision"] = "Say whether the risk level is confirmed or changed."
    if kind == DecisionKind.CLOSE:
        if closure_reason not in Case.ClosureReason.values:
            errors["closure_reason"] = "Choose the reason for closing the case."
        if not closure_summary.strip():
            errors["closure_summary"] = "Summarise why the child is now safe or the risk removed."
    if kind == DecisionKind.ESCALATE:
        if forum not in EscalationForum.values:
            errors["forum"] = "Choose where the case is escalated to."
        if not escalation_person.strip():
            errors["escalation_person"] = "Name the person who makes the referral."
        if escalation_agency is None:
            errors["escalation_agency"] = "Choose the agency that makes the referral."
        if escalation_due is None:
            errors["escalation_due"] = "Enter the date the referral is due by."
    return errors


# The service keys add_action refuses with, as the decision names them.
ESCALATION_FIELDS = {"owning_agency": "escalation_agency", "due_date": "escalation_due"}


def _escalation_action(actor, *, case: Case, decision_fields: dict) -> Action:
    forum = EscalationForum(decision_fields["forum"])
    person = decision_fields["escalation_person"].strip()
    try:
        return add_action(
            actor,
            case=case,
            description=f"Make the referral to {forum.label}, as the panel agreed "
            f"(named person: {person}).",
            owning_agency=decision_fields["escalation_agency"],
            due_date=decision_fields["escalation_due"],
            priority=Action.Priority.HIGH,
            four_p=Action.FourP.PROTECT,
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {
                ESCALATION_FIELDS.get(key, key): messages
                for key, messages in error.message_dict.items()
            }
        ) from None


def record_decision(
    actor: User,
    *,
    item: AgendaItem,
    kind: str,
    reason: str,
    risk_decision: str,
    assessment: RiskAssessment | None = None,
    closure_reason: str = "",
    closure_summary: str = "",
    forum: str = "",
    escalation_person: str = "",
    escalation_agency: Agency | None = None,
    escalation_due: dt.date | None = None,
    attending_agencies: Iterable[Agency] | None = None,
    now: dt.datetime | None = None,
) -> CaseDecision:
    """The panel's decision on one case heard, with its reason. Coordinators of the
    meeting's area, at a meeting being held (agenda published, on or after its date), for a
    case item still to be heard; the item becomes heard.

    Risk: "confirmed" (the case's level) or "changed", which rests on a new risk assessment
    recorded first on the case (on or after the meeting's date), as a held review does.
    Kinds: ``open`` (a case awaiting panel; lead agency and lead professional named; first
    review by cadence from the meeting's date), ``continue`` (an open case), ``close`` (the
    closure rules of transition_case), ``escalate`` (no change of status: the forum, the
    named person, and an action to make the referral owned by ``escalation_agency``, due
    ``escalation_due``). Hearing an open case holds its upcoming review at the meeting
    (held on its date, attended by the member agencies present that are involved in the
    case, next review by cadence from that date).

    At a meeting that is not quorate, open, continue and escalate take effect and are
    marked to be ratified; a closure is stored waiting for ratification and the case stays
    as it is (meetings/services/ratification.py); coordinators and co-chairs are told.
    Records ``created`` for the decision and ``updated`` for the item, besides the cases
    services' own events; all in one transaction."""
    now = now or timezone.now()
    meeting = item.meeting
    if meeting is None:
        raise ValidationError("Only a case on a meeting's agenda is heard.")
    require_coordinator(actor, meeting)
    fields = {
        "closure_reason": closure_reason,
        "closure_summary": closure_summary,
        "forum": forum,
        "escalation_person": escalation_person,
        "escalation_agency": escalation_agency,
        "escalation_due": escalation_due,
    }
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        item = _case_item(item, lock=True)
        refused = being_held(meeting, _local(now))
        if refused:
            raise Conflict(refused)
        if item.status != AgendaItemStatus.PENDING:
            raise Conflict("This case has already been heard at this meeting.")
        case = Case.objects.select_for_update().get(pk=item.case_id)
        errors = _decision_errors(
            case=case, kind=kind, reason=reason, risk_decision=risk_decision, **fields
        )
        chosen = None
        if risk_decision == RiskDecision.CHANGED:
            chosen = _assessment_at_meeting(case, meeting, assessment)
            if chosen is None:
                errors["risk_decision"] = (
                    "A changed risk level is set by a new risk assessment: record it on the "
                    "case first (at the meeting), then record the decision."
                )
        if errors:
            raise ValidationError(errors)
        quorate = quorum_state(meeting).quorate
        if kind == DecisionKind.CLOSE:
            # Checked now as well as when it takes effect: the panel hears at once what
            # stands in the way of closing.
            blocking = closure_errors(case, closure_reason, closure_summary)
            if blocking:
                raise ValidationError(blocking)
        reason = reason.strip()
        review = transition = action = None
        if case.status == Case.Status.OPEN:
            review = _hold(
                actor,
                case=case,
                meeting=meeting,
                reason=reason,
                attending=attending_agencies,
                now=now,
            )
        if kind == DecisionKind.OPEN:
            case = transition_case(
                actor,
                case=case,
                to_status=Case.Status.OPEN,
                reason=reason,
                meeting=meeting,
                now=now,
            )
            transition = case.transitions.order_by("-at", "-id").first()
            review = _first_review_from(actor, case=case, meeting=meeting)
        elif kind == DecisionKind.ESCALATE:
            action = _escalation_action(actor, case=case, decision_fields=fields)
        if kind == DecisionKind.CLOSE and quorate:
            case = transition_case(
                actor,
                case=case,
                to_status=Case.Status.CLOSED,
                reason=reason,
                closure_reason=closure_reason,
                closure_summary=closure_summary,
                meeting=meeting,
                now=now,
            )
            transition = case.transitions.order_by("-at", "-id").first()
        if quorate:
            state = DecisionState.EFFECTIVE
        elif kind == DecisionKind.CLOSE:
            state = DecisionState.AWAITING_RATIFICATION
        else:
            state = DecisionState.TO_RATIFY
        case.refresh_from_db(fields=["risk_level"])
        decision = CaseDecision(
            item=item,
            meeting=meeting,
            case=case,
            kind=kind,
            reason=reason,
            risk_decision=risk_decision,
            risk_level=case.risk_level,
            assessment=chosen,
            quorate=quorate,
            state=state,
            closure_reason=closure_reason if kind == DecisionKind.CLOSE else "",
            closure_summary=closure_summary.strip() if kind == DecisionKind.CLOSE else "",
            forum=forum if kind == DecisionKind.ESCALATE else "",
            escalation_person=escalation_person.strip() if kind == DecisionKind.ESCALATE else "",
            escalation_action=action,
            transition=transition,
            review=review,
            recorded_by=actor,
            recorded_at=now,
        )
        decision.full_clean(exclude=["item"])
        decision.save()
        item.status = AgendaItemStatus.HEARD
        item.version += 1
        item.save(update_fields=["status", "version"])
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=decision,
            case_reference=case.reference,
            changes={
                "kind": [None, kind],
                "state": [None, state],
                "risk_decision": [None, risk_decision],
                "quorate": [None, quorate],
                "meeting": [None, str(meeting.pk)],
            },
        )
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=item,
            case_reference=case.reference,
            changes={"status": [AgendaItemStatus.PENDING, AgendaItemStatus.HEARD]},
        )
        if not quorate:
            from meetings.services.ratification import tell_ratification_needed

            tell_ratification_needed(actor, meeting)
    return decision


# --- general business ----------------------------------------------------------------------


def record_general_item(
    actor: User, *, item: AgendaItem, note: str = "", now: dt.datetime | None = None
) -> AgendaItem:
    """Minute an item of general business as discussed at the meeting, with what was said
    (``note``, kept for the minutes' section on it; every member reads it, so never a
    child's name, and a case reference is refused). Coordinators of the meeting's area,
    while it is being held, for a general item still to be heard; the item becomes heard,
    so closing the record does not carry it over as not reached. Records ``updated`` for
    the item (the note as changed, not copied into the trail)."""
    now = now or timezone.now()
    meeting = item.meeting
    if meeting is None:
        raise ValidationError("Only an item on a meeting's agenda is discussed.")
    require_coordinator(actor, meeting)
    if CASE_REFERENCE.search(note):
        raise ValidationError(
            {
                "note": "Every member reads general business: leave out case references "
                "(what is said about a case belongs to its hearing)."
            }
        )
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        locked = AgendaItem.objects.select_for_update().get(pk=item.pk)
        if locked.kind == AgendaItemKind.CASE or locked.meeting_id != meeting.pk:
            raise ValidationError("Only general business is minuted this way.")
        refused = being_held(meeting, _local(now))
        if refused:
            raise Conflict(refused)
        if locked.status != AgendaItemStatus.PENDING:
            raise Conflict("This item has already been discussed at this meeting.")
        locked.status = AgendaItemStatus.HEARD
        locked.note = note.strip()
        locked.version += 1
        locked.save(update_fields=["status", "note", "version"])
        changes = {"status": [AgendaItemStatus.PENDING, AgendaItemStatus.HEARD]}
        if locked.note:
            changes["note"] = "changed"
        record(actor=actor, verb=Verb.UPDATED, obj=locked, changes=changes)
    return locked


# --- closing the meeting record ------------------------------------------------------------


def next_meeting(meeting: Meeting) -> Meeting | None:
    """The area's next meeting not yet held (scheduled or published), after this one."""
    later = Q(date__gt=meeting.date) | Q(date=meeting.date, start_time__gt=meeting.start_time)
    return (
        Meeting.objects.filter(
            later,
            area_id=meeting.area_id,
            status__in=[MeetingStatus.SCHEDULED, MeetingStatus.PUBLISHED],
        )
        .exclude(pk=meeting.pk)
        .order_by("date", "start_time", "pk")
        .first()
    )


def not_reached(meeting: Meeting) -> QuerySet[AgendaItem]:
    """The meeting's items still to be heard: what closing the record carries over."""
    return (
        meeting.items.filter(status=AgendaItemStatus.PENDING)
        .select_related("case")
        .order_by("order", "pk")
    )


def close_hearing(
    actor: User, *, meeting: Meeting, version: int, now: dt.datetime | None = None
) -> Meeting:
    """Mark the meeting held (published -> held): the record of the meeting is complete.
    Coordinators of the area, on or after the meeting's date; ``version`` as the page saw
    it (stale raises Conflict).

    Every item still to be heard becomes "not reached" and is carried, with the reason
    "Not reached at the <date> meeting", to the area's next meeting not yet held (marked
    late if its agenda is published), or, if there is none, to the area's "to be
    scheduled" list. A case already on that agenda (or list), or closed meanwhile, is not
    carried twice. Records ``transitioned`` for the meeting, ``updated`` for each item not
    reached and ``created`` for each item carried."""
    now = now or timezone.now()
    require_coordinator(actor, meeting)
    with transaction.atomic():
        locked = lock_meeting(meeting, version)
        if _local(now) < locked.date:
            raise ValidationError(NOT_STARTED.format(date=f"{locked.date:%-d %B %Y}"))
        from_status = locked.status
        move(locked, MeetingStatus.HELD)
        locked.held_at = now
        locked.save(update_fields=["status", "version", "held_at"])
        record(
            actor=actor,
            verb=Verb.TRANSITIONED,
            obj=locked,
            changes={"status": [from_status, MeetingStatus.HELD]},
        )
        target = next_meeting(locked)
        detail = f"Not reached at the {locked.date:%-d %B %Y} meeting."
        order = next_order(locked.area_id, target)
        already = cases_at(locked.area_id, target)
        for item in list(not_reached(locked)):
            item.status = AgendaItemStatus.NOT_REACHED
            item.version += 1
            item.save(update_fields=["status", "version"])
            reference = item.case.reference if item.case_id else ""
            record(
                actor=actor,
                verb=Verb.UPDATED,
                obj=item,
                case_reference=reference,
                changes={"status": [AgendaItemStatus.PENDING, AgendaItemStatus.NOT_REACHED]},
            )
            if item.case_id and (item.case.status == Case.Status.CLOSED or item.case_id in already):
                continue
            carried = copy_item(
                item,
                added_by=actor,
                target=target,
                order=order,
                reason=AgendaReason.CARRIED_OVER,
                reason_detail=detail,
                late=bool(target and target.status == MeetingStatus.PUBLISHED),
            )
            order += 1
            record(
                actor=actor,
                verb=Verb.CREATED,
                obj=carried,
                case_reference=reference,
                changes={
                    "meeting": [None, str(target.pk) if target else None],
                    "moved_from": [None, str(item.pk)],
                    "reason": [None, AgendaReason.CARRIED_OVER],
                },
            )
    return locked

"""Actions agreed for a case: add, update, re-assign."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import field_changes, record, snapshot
from cases.access import live_owned_actions
from cases.models import (
    Action,
    ActionUpdate,
    Case,
)
from cases.services.common import (
    Verb,
    _already_submitted,
    _clean,
    _local,
    _require,
    _require_coordinator,
    coordinates,
    leads_involved_agency,
    may_write,
)
from notifications.models import Notification
from notifications.services import leads_of, notify
from panel.errors import Conflict
from panel.models import Agency, User


def can_add_action(user: User, case: Case) -> bool:
    """Coordinators of the case's area agree actions (at panel or between meetings)."""
    return coordinates(user, case.area_id) and case.status != Case.Status.CLOSED


def can_update_action(user: User, action: Action) -> bool:
    """Coordinators of the case's area; leads of the owning agency while it is involved in
    the case; and the action's owner while it is open and they are still in the owning
    agency (the same live link the reminders use). (Only coordinators cancel or re-assign:
    see update_action.)"""
    case = action.case
    if coordinates(user, case.area_id):
        return True
    if user.agency_id == action.owning_agency_id and leads_involved_agency(user, case):
        return True
    return (
        may_write(user)
        and action.owner_id == user.pk
        and live_owned_actions().filter(pk=action.pk, owner_id=user.pk).exists()
    )


def _tell_assigned(
    actor: User,
    action: Action,
    case: Case,
    about: str,
    *,
    agency: bool = True,
    owner: bool = True,
) -> None:
    """Who hears of an action assigned to them: the owning agency's leads (``agency``) and
    the named owner (``owner``), once each; an owner who named themselves is not told.
    The case reference and a link (to the case page for leads, to the action for its
    owner), which check access again. Nothing about the child."""
    if agency:
        notify(
            recipients=leads_of(action.owning_agency_id),
            kind=Notification.Kind.ACTION_ASSIGNED,
            link=reverse("cases:case-detail", args=[case.pk]),
            about=about,
            case_reference=case.reference,
        )
    if owner and action.owner_id and action.owner_id != actor.pk:
        # The same key as a lead's: an owner who is also a lead is told once.
        notify(
            recipients=[action.owner],
            kind=Notification.Kind.ACTION_ASSIGNED,
            link=reverse("cases:action-detail", args=[action.pk]),
            about=about,
            case_reference=case.reference,
        )


def _assignment_errors(
    case: Case, owning_agency: Agency | None, owner: User | None
) -> dict[str, str]:
    errors = {}
    if owning_agency is None:
        errors["owning_agency"] = "Choose the agency that owns the action."
    elif not case.agency_links.filter(agency=owning_agency).exists():
        errors["owning_agency"] = "Choose an agency involved in this case."
    elif owner is not None and (owner.agency_id != owning_agency.pk or not owner.is_active):
        errors["owner"] = "The owner must be an active member of the owning agency."
    return errors


def add_action(
    actor: User,
    *,
    case: Case,
    description: str,
    owning_agency: Agency,
    due_date: dt.date,
    owner: User | None = None,
    priority: str = Action.Priority.NORMAL,
    four_p: str = "",
    submission_token: uuid.UUID | None = None,
    confirm_past_due: bool = False,
    now: dt.datetime | None = None,
) -> Action:
    """Agree an action on a case. Coordinators of the case's area; not on a closed case
    (adding one never re-opens it). The owning agency must be involved in the case and the
    owner, if named, an active member of it. A due date before today (Europe/London) is
    refused unless ``confirm_past_due``: it is usually a typing slip. The same form sent
    twice (same token) agrees one action. Records ``created`` and notifies the owning
    agency's leads and the named owner (``action_assigned``: the case reference and a link,
    nothing more)."""
    _require_coordinator(actor, case.area_id)
    existing = _already_submitted(Action, submission_token, actor, "created_by")
    if existing is not None:
        return existing
    errors = _assignment_errors(case, owning_agency, owner)
    if not description.strip():
        errors["description"] = "Describe the action."
    past_due = past_due_problem(due_date, _local(now or timezone.now()))
    if past_due and not confirm_past_due:
        errors["due_date"] = ValidationError(past_due, code="past_due")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Locked so a close that is checking for open actions cannot slip in between.
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status == Case.Status.CLOSED:
            raise ValidationError("This case is closed. Re-open it before adding actions.")
        action = Action(
            case=locked,
            description=description.strip(),
            owning_agency=owning_agency,
            owner=owner,
            due_date=due_date,
            priority=priority,
            four_p=four_p,
            created_by=actor,
            submission_token=submission_token,
        )
        _clean(action)
        action.save()
        if now is not None:  # history from an import or the demo data
            Action.objects.filter(pk=action.pk).update(created_at=now)
            action.created_at = now
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=action,
            case_reference=locked.reference,
            changes={
                "owning_agency": [None, str(owning_agency.pk)],
                "owner": [None, str(owner.pk) if owner else None],
                "due_date": [None, due_date.isoformat()],
                "priority": [None, priority],
                "four_p": [None, four_p or None],
            },
        )
        _tell_assigned(actor, action, locked, about=f"action:{action.pk}")
    return action


def past_due_problem(due_date: dt.date | None, today: dt.date) -> str:
    """The warning for a due date before today, "" for today or later."""
    if due_date is None or due_date >= today:
        return ""
    return (
        f"The due date, {due_date:%-d %B %Y}, is in the past. Change it, or confirm that "
        "the past due date is right."
    )


def update_action(
    actor: User,
    *,
    action: Action,
    version: int,
    status: str | None = None,
    note: str = "",
    completion_note: str = "",
    cancel_reason: str = "",
    now: dt.datetime | None = None,
) -> Action:
    """Progress an action: a note and/or a new status (open, in progress, done with a
    completion note). Leads of the owning agency, the action's owner (while it is theirs:
    see can_update_action) and coordinators of the case's area; only
    coordinators cancel, with a reason. A done or cancelled action keeps its status. The
    status it already has is no change. ``version`` is the one the user saw: a stale one
    raises Conflict and changes nothing. Records ``updated`` and a timeline entry."""
    case = action.case
    _require(
        can_update_action(actor, action),
        "Only the owning agency's leads, the action's owner or a coordinator may update this "
        "action.",
    )
    is_coordinator = coordinates(actor, case.area_id)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Action.objects.select_for_update().get(pk=action.pk)
        if locked.version != version:
            raise Conflict(
                "Someone else updated this action while you were editing it.",
                current_version=locked.version,
            )
        if status == locked.status:
            status = None
        before = snapshot(locked, ["status", "completion_note", "cancel_reason"])
        errors = {}
        if status and status not in Action.Status.values:
            errors["status"] = "Choose a status."
        elif status == Action.Status.CANCELLED:
            if not is_coordinator:
                raise PermissionDenied("Only a coordinator may cancel an action.")
            if not cancel_reason.strip():
                errors["cancel_reason"] = "Give the reason for cancelling the action."
        elif status == Action.Status.DONE and not completion_note.strip():
            errors["completion_note"] = "Say what was done."
        if locked.status not in Action.OPEN_STATUSES and status:
            errors["status"] = "This action is finished and cannot change status."
        if not status and not note.strip():
            errors["note"] = "Write a progress note or choose a new status."
        if errors:
            raise ValidationError(errors)
        status_from = locked.status
        if status:
            locked.status = status
            if status == Action.Status.DONE:
                locked.completion_note = completion_note.strip()
                locked.completed_at = now
            if status == Action.Status.CANCELLED:
                locked.cancel_reason = cancel_reason.strip()
        locked.version += 1
        _clean(locked)
        locked.save()
        ActionUpdate.objects.create(
            action=locked,
            author=actor,
            created_at=now,
            note=note.strip(),
            status_from=status_from if status else "",
            status_to=status or "",
            action_version=locked.version,
        )
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=locked,
            case_reference=case.reference,
            changes=field_changes(before, snapshot(locked, before))
            | ({"note": "changed"} if note.strip() else {}),
        )
    return locked


REASSIGNABLE = ("owning_agency", "owner", "due_date", "priority", "four_p")


REASSIGNMENT_LABELS = {
    "owning_agency": "Owning agency",
    "owner": "Owner",
    "due_date": "Due",
    "priority": "Priority",
    "four_p": "4 Ps",
}


def _assignment_shown(action: Action) -> dict[str, str]:
    """An action's assignment in words, as the timeline shows it (names of agencies and
    people, dates): what a reader of the action needs, nothing about the child."""
    return {
        "owning_agency": str(action.owning_agency),
        "owner": str(action.owner or "none"),
        "due_date": f"{action.due_date:%-d %b %Y}",
        "priority": action.get_priority_display(),
        "four_p": action.get_four_p_display() or "none",
    }


def _describe_reassignment(before: dict[str, str], after: dict[str, str]) -> str:
    moved = [
        f"{label}: {before[name]} → {after[name]}."
        for name, label in REASSIGNMENT_LABELS.items()
        if before[name] != after[name]
    ]
    return " ".join(["Re-assigned.", *moved])


def reassign_action(
    actor: User,
    *,
    action: Action,
    version: int,
    owning_agency: Agency,
    owner: User | None,
    due_date: dt.date,
    priority: str,
    four_p: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> Action:
    """Re-assign an open action: its owning agency, owner, due date, priority and 4 P.
    Coordinators of the case's area. The agency must be involved in the case and the
    owner, if named, an active member of it. ``version`` as the user saw it; stale raises
    Conflict and changes nothing. Records ``updated`` with the fields changed and a
    timeline entry saying what moved; a new owning agency's leads and a newly named owner
    are notified (``action_assigned``)."""
    case = action.case
    _require_coordinator(actor, case.area_id)
    errors = _assignment_errors(case, owning_agency, owner)
    if priority not in Action.Priority.values:
        errors["priority"] = "Choose a priority."
    if four_p not in Action.FourP.values:
        errors["four_p"] = "Choose which of the 4 Ps the action serves."
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Action.objects.select_for_update(of=("self",))
            .select_related("owning_agency", "owner")
            .get(pk=action.pk)
        )
        if locked.version != version:
            raise Conflict(
                "Someone else updated this action while you were editing it.",
                current_version=locked.version,
            )
        if locked.status not in Action.OPEN_STATUSES:
            raise ValidationError("This action is finished: it cannot be re-assigned.")
        shown_before = _assignment_shown(locked)
        old = snapshot(locked, REASSIGNABLE)
        locked.owning_agency = owning_agency
        locked.owner = owner
        locked.due_date = due_date
        locked.priority = priority
        locked.four_p = four_p
        changes = field_changes(old, snapshot(locked, REASSIGNABLE))
        if not changes:
            raise ValidationError("Nothing was changed: choose a new agency, owner or date.")
        locked.version += 1
        _clean(locked)
        locked.save()
        text = _describe_reassignment(shown_before, _assignment_shown(locked))
        ActionUpdate.objects.create(
            action=locked,
            author=actor,
            created_at=now,
            note=f"{text}\n{note.strip()}" if note.strip() else text,
            action_version=locked.version,
        )
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=locked,
            case_reference=case.reference,
            changes=changes | ({"note": "changed"} if note.strip() else {}),
        )
        _tell_assigned(
            actor,
            locked,
            case,
            about=f"action:{locked.pk}:v{locked.version}",
            agency="owning_agency" in changes,
            owner="owner" in changes,
        )
    return locked

"""A case's lifecycle: status transitions, the case team, and notes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import field_changes, record
from cases import workflow
from cases.models import (
    Action,
    Case,
    CaseAgency,
    CaseNote,
    CaseTransition,
    Review,
    RiskAssessment,
    RiskLevel,
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
    review_due_after,
)
from panel.errors import Conflict
from panel.models import Agency, LocalSupportTeam, User


def closure_assessment(case: Case) -> tuple[RiskAssessment | None, bool]:
    """The case's latest risk assessment, and whether it is current enough to close on
    "risk reduced or removed": made on or after the day its latest review was held (or,
    before any review was held, the latest there is). A read, for the closure screen and
    the close service alike."""
    latest = case.assessments.order_by("-assessed_at", "-id").first()
    last_held = (
        case.reviews.filter(status=Review.Status.HELD, held_on__isnull=False)
        .order_by("-held_on")
        .values_list("held_on", flat=True)
        .first()
    )
    current = latest is not None and (last_held is None or _local(latest.assessed_at) >= last_held)
    return latest, current


def _check_risk_reduced(case: Case) -> str:
    """Why the case may not close as "risk reduced or removed" now, or "" if it may."""
    latest, current = closure_assessment(case)
    needed = "To close because the risk is reduced or removed, record a new risk assessment"
    if latest is None or latest.final_level is None:
        return f"{needed} first."
    if not current:
        return f"{needed} first: the last one was made before the latest review was held."
    if RiskLevel.HIGH in (latest.final_level, case.risk_level):
        return (
            "The current risk level is high, so the risk is not reduced or removed. Record a "
            "new assessment, or choose another reason."
        )
    return ""


def transition_case(
    actor: User,
    *,
    case: Case,
    to_status: str,
    reason: str = "",
    closure_reason: str = "",
    closure_summary: str = "",
    meeting=None,
    now: dt.datetime | None = None,
) -> Case:
    """Move a case through its lifecycle (see cases.workflow). Coordinators of the case's
    area. ``meeting``: the panel meeting that decided it (None for an urgent decision
    between meetings), kept on the transition. Opening a case the panel has heard needs
    its lead agency and lead professional named. Closing needs a closure reason, a summary
    and no open actions, and cancels the upcoming review; closing as "risk reduced or
    removed" also needs a current assessment (see closure_assessment) that is not high;
    re-opening needs a reason and schedules a review. Records ``transitioned``."""
    _require_coordinator(actor, case.area_id)
    return apply_transition(
        actor,
        case=case,
        to_status=to_status,
        reason=reason,
        closure_reason=closure_reason,
        closure_summary=closure_summary,
        meeting=meeting,
        now=now,
    )


def closure_errors(case: Case, closure_reason: str, closure_summary: str) -> dict[str, str]:
    """Why ``case`` may not close now with this reason and summary ({} if it may): the
    closure rules, for transition_case and for a panel closure checked before it waits for
    ratification (meetings.services.hearing)."""
    errors = {}
    if closure_reason not in Case.ClosureReason.values:
        errors["closure_reason"] = "Choose the reason for closing the case."
    if not closure_summary.strip():
        errors["closure_summary"] = "Summarise why the child is now safe or the risk removed."
    if case.actions.filter(status__in=Action.OPEN_STATUSES).exists():
        errors["actions"] = "Every action must be done or cancelled before the case closes."
    if closure_reason == Case.ClosureReason.RISK_REDUCED:
        refused = _check_risk_reduced(case)
        if refused:
            errors["closure_reason"] = refused
    return errors


def apply_transition(
    actor: User,
    *,
    case: Case,
    to_status: str,
    reason: str = "",
    closure_reason: str = "",
    closure_summary: str = "",
    meeting=None,
    now: dt.datetime | None = None,
) -> Case:
    """transition_case without its permission check, for a caller that has applied its own
    rule: a co-chair ratifying a closure the panel decided at a meeting that was not
    quorate (meetings.services.hearing.ratify_decision). Every other rule applies."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        name = workflow.check_transition(locked, to_status)
        errors = {}
        if name == "close":
            errors |= closure_errors(locked, closure_reason, closure_summary)
        elif name == "reopen" and not reason.strip():
            errors["reason"] = "Give the reason for re-opening the case."
        elif name == "open":
            errors |= _team_missing_to_open(locked)
        if errors:
            raise ValidationError(errors)
        from_status = locked.status
        locked.status = to_status
        if name == "close":
            locked.closed_at = now
            locked.closure_reason = closure_reason
            locked.closure_summary = closure_summary.strip()
            locked.reviews.filter(status=Review.Status.UPCOMING).update(
                status=Review.Status.CANCELLED
            )
        elif name == "reopen":
            locked.closed_at = None
            locked.closure_reason = ""
            locked.closure_summary = ""
            Review.objects.create(
                case=locked, due_date=review_due_after(locked.risk_level, _local(now))
            )
        locked.version += 1
        _clean(locked)
        locked.save()
        CaseTransition.objects.create(
            case=locked,
            from_status=from_status,
            to_status=to_status,
            reason=(reason or closure_summary).strip(),
            by=actor,
            at=now,
            meeting=meeting,
        )
        record(
            actor=actor,
            verb=Verb.TRANSITIONED,
            obj=locked,
            case_reference=locked.reference,
            changes={"status": [from_status, to_status]}
            | ({"closure_reason": [None, closure_reason]} if name == "close" else {})
            | ({"meeting": [None, str(meeting.pk)]} if meeting is not None else {}),
        )
    return locked


def _team_missing_to_open(case: Case) -> dict[str, str]:
    """An open case has a named team: the lead agency and the lead professional."""
    errors = {}
    if case.lead_agency_id is None:
        errors["lead_agency"] = "Name the lead agency before opening the case: change the team."
    if case.lead_professional_id is None:
        errors["lead_professional"] = (
            "Name the lead professional before opening the case: change the team."
        )
    return errors


CLOSED_TEAM = "This case is closed: re-open it before changing its team."


def add_note(
    actor: User,
    *,
    case: Case,
    text: str,
    submission_token: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> CaseNote:
    """A case note. Coordinators of the case's area and leads of an involved agency.
    Adding a note never re-opens a closed case. The same form sent twice (same token)
    makes one note. Records ``created``."""
    _require(
        coordinates(actor, case.area_id) or leads_involved_agency(actor, case),
        "You may not add notes to this case.",
    )
    if not text.strip():
        raise ValidationError({"text": "Write the note."})
    existing = _already_submitted(CaseNote, submission_token, actor, "author")
    if existing is not None:
        return existing
    with transaction.atomic():
        note = CaseNote.objects.create(
            case=case,
            author=actor,
            created_at=now or timezone.now(),
            text=text.strip(),
            submission_token=submission_token,
        )
        record(actor=actor, verb=Verb.CREATED, obj=note, case_reference=case.reference)
    return note


# The team's fields as the audit trail names them, and the column each one is read from.
TEAM_FIELDS = {
    "lead_agency": "lead_agency_id",
    "lead_professional": "lead_professional_id",
    "local_support_team": "local_support_team_id",
    "lst_contact": "lst_contact",
}


def set_case_team(
    actor: User,
    *,
    case: Case,
    version: int,
    involved_agencies: Iterable[Agency],
    lead_agency: Agency | None,
    lead_professional: User | None,
    local_support_team: LocalSupportTeam | None,
    lst_contact: str = "",
) -> Case:
    """Name the lead agency, lead professional and LST contact, and set which agencies are
    involved: adding an agency gives its leads access at once, removing it takes access
    away. Coordinators of the case's area. An agency that owns open actions cannot be
    removed. A closed case's team cannot be changed; an open case keeps its lead agency and
    lead professional. ``version`` as seen by the user; stale raises Conflict. Records
    ``updated``."""
    _require_coordinator(actor, case.area_id)
    if case.status == Case.Status.CLOSED:
        raise ValidationError(CLOSED_TEAM)
    wanted = {agency.pk: agency for agency in involved_agencies}
    if lead_agency:
        wanted.setdefault(lead_agency.pk, lead_agency)
    errors = {}
    if not wanted:
        errors["involved_agencies"] = "At least one agency must be involved."
    if lead_professional and lead_professional.agency_id not in wanted:
        errors["lead_professional"] = "The lead professional's agency must be involved."
    if local_support_team and local_support_team.area_id != case.area_id:
        errors["local_support_team"] = "Choose a Local Support Team in the case's area."
    if case.status == Case.Status.OPEN:
        # What opening needed stays named while the case is open.
        if lead_agency is None:
            errors["lead_agency"] = "An open case needs its lead agency."
        if lead_professional is None:
            errors["lead_professional"] = "An open case needs its lead professional."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.version != version:
            raise Conflict(
                "Someone else changed this case while you were editing it.",
                current_version=locked.version,
            )
        if locked.status == Case.Status.CLOSED:  # closed since the page was read
            raise ValidationError(CLOSED_TEAM)
        current = set(locked.agency_links.values_list("agency_id", flat=True))
        removed = current - set(wanted)
        busy = set(
            locked.actions.filter(
                owning_agency_id__in=removed, status__in=Action.OPEN_STATUSES
            ).values_list("owning_agency__name", flat=True)
        )
        if busy:
            raise ValidationError(
                {
                    "involved_agencies": "These agencies still own open actions: "
                    + ", ".join(sorted(busy))
                }
            )
        before = {name: getattr(locked, attr) for name, attr in TEAM_FIELDS.items()}
        locked.lead_agency = lead_agency
        locked.lead_professional = lead_professional
        locked.local_support_team = local_support_team
        locked.lst_contact = lst_contact.strip()
        locked.version += 1
        _clean(locked)
        locked.save()
        locked.agency_links.filter(agency_id__in=removed).delete()
        for agency_id in set(wanted) - current:
            CaseAgency.objects.create(case=locked, agency_id=agency_id, added_by=actor)
        after = {name: getattr(locked, attr) for name, attr in TEAM_FIELDS.items()}
        changes = field_changes(before, after)
        if set(wanted) != current:
            changes["involved_agencies"] = [sorted(current), sorted(wanted)]
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=locked,
            case_reference=locked.reference,
            changes=changes,
        )
    return locked

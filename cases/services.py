"""Every write of case data. Each service checks that the acting user may do it, applies
the change inside one transaction, and records the audit event in that same transaction.
Views and API viewsets only parse input and call these.

Services take an optional ``now`` for imports and demo data that record history; everything
else lets it default to the current time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import field_changes, record, snapshot
from cases import workflow
from cases.models import (
    Action,
    ActionUpdate,
    Case,
    CaseAgency,
    CaseNote,
    CaseReferenceCounter,
    CaseTransition,
    Child,
    Referral,
    Review,
    RiskAnswer,
    RiskAssessment,
    RiskLevel,
    RiskTool,
)
from cases.scoring import score
from notifications.models import Notification
from notifications.services import coordinators_of, leads_of, notify
from panel.dates import LONDON, age_on
from panel.errors import Conflict
from panel.models import Agency, Area, LocalSupportTeam, Role, User

Verb = AuditEvent.Verb
ADULT_AGE = 18
OLDEST_YOUNG_ADULT = 25


@dataclass(frozen=True)
class AnswerInput:
    answer: str
    evidence: str = ""
    recency: str = ""


# --- who may do what -------------------------------------------------------------------


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def may_write(user: User) -> bool:
    """Auditors read everything and change nothing, whatever other roles they hold."""
    return bool(user.is_authenticated and user.is_active and not user.is_auditor)


def can_refer(user: User) -> bool:
    return may_write(user) and bool(
        user.roles & {Role.REFERRER, Role.COORDINATOR, Role.AGENCY_LEAD}
    )


def coordinates(user: User, area_id: int) -> bool:
    return may_write(user) and area_id in user.coordinator_area_ids


def leads_involved_agency(user: User, case: Case) -> bool:
    return (
        may_write(user)
        and user.is_agency_lead
        and case.agency_links.filter(agency_id=user.agency_id).exists()
    )


def _require_coordinator(user: User, area_id: int) -> None:
    _require(coordinates(user, area_id), "Only a coordinator of this area may do this.")


def _local(now: dt.datetime) -> dt.date:
    return now.astimezone(LONDON).date()


def review_due_after(level: str, start: dt.date) -> dt.date:
    """The next review date for a risk level (defaults: high 2 weeks, medium 4, low 6)."""
    return start + dt.timedelta(days=settings.REVIEW_CADENCE_DAYS[level])


def _clean(instance) -> None:
    instance.full_clean()


# --- children and referrals ------------------------------------------------------------


def check_date_of_birth(date_of_birth: dt.date, today: dt.date, young_adult_reason: str) -> None:
    """A child is anyone under 18, 16 and 17 included, without warning. An 18-25 year old
    needs a recorded reason; a birth date in the future or over 25 years ago is refused."""
    if date_of_birth > today:
        raise ValidationError({"date_of_birth": "Date of birth must be in the past."})
    age = age_on(date_of_birth, today)
    if age > OLDEST_YOUNG_ADULT:
        raise ValidationError(
            {
                "date_of_birth": "This person is over 25. The panel works with children and, "
                "with a reason, young adults up to 25."
            }
        )
    if age >= ADULT_AGE and not young_adult_reason.strip():
        raise ValidationError(
            {
                "young_adult_reason": "This person is 18 or over. Say why the panel should "
                "consider them (for example a learning disability or transitional safeguarding)."
            }
        )


def create_child(
    actor: User,
    *,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    gender: str,
    area: Area,
    known_as: str = "",
    ethnicity: str = "",
    school_or_setting: str = "",
    address: str = "",
    young_adult_reason: str = "",
    now: dt.datetime | None = None,
) -> Child:
    """Record a new child. Any user who may refer. Records ``created``. Duplicate checking
    is the coordinator's, at triage (see possible_duplicates)."""
    _require(can_refer(actor), "You may not record children.")
    now = now or timezone.now()
    check_date_of_birth(date_of_birth, _local(now), young_adult_reason)
    child = Child(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        known_as=known_as.strip(),
        date_of_birth=date_of_birth,
        gender=gender,
        area=area,
        ethnicity=ethnicity,
        school_or_setting=school_or_setting,
        address=address,
    )
    _clean(child)
    with transaction.atomic():
        child.save()
        record(actor=actor, verb=Verb.CREATED, obj=child)
    return child


def possible_duplicates(child: Child, *, seen_by: User) -> list[Child]:
    """Other children with the same folded name or known-as and the same date of birth,
    among the records ``seen_by`` may see (a match elsewhere is not shown, not even as a
    count). For coordinators at triage only; a referrer is never shown other children."""
    same_dob = (
        Child.objects.visible_to(seen_by)
        .filter(date_of_birth=child.date_of_birth)
        .exclude(pk=child.pk)
    )
    matches = same_dob.filter(name_key=child.name_key)
    if child.known_as_key:
        matches = matches | same_dob.filter(known_as_key=child.known_as_key)
        matches = matches | same_dob.filter(name_key__startswith=child.known_as_key + " ")
    return list(matches.distinct().order_by("pk"))


def _check_answers(tool: RiskTool, answers: Mapping[str, AnswerInput]) -> None:
    errors = {}
    codes = set(tool.indicators.values_list("code", flat=True))
    for code, given in answers.items():
        if code not in codes:
            errors[code] = f"Not an indicator of {tool}."
        elif given.answer not in RiskAnswer.Answer.values:
            errors[code] = "Choose present, not present or not known."
        elif given.answer == RiskAnswer.Answer.PRESENT and not given.evidence.strip():
            errors[code] = "Say what was seen or heard for each indicator marked present."
    if errors:
        raise ValidationError(errors)


def _assess(
    actor: User,
    *,
    child: Child,
    tool: RiskTool,
    answers: Mapping[str, AnswerInput],
    override_level: str,
    override_reason: str,
    referral: Referral | None,
    case: Case | None,
    now: dt.datetime,
    submission_token: uuid.UUID | None = None,
) -> RiskAssessment:
    _check_answers(tool, answers)
    if override_level and override_level not in RiskLevel.values:
        raise ValidationError({"override_level": "Choose low, medium or high."})
    if override_level and not override_reason.strip():
        raise ValidationError(
            {"override_reason": "Give the reason for overriding the computed risk level."}
        )
    result = score(
        tool, {c: a.answer for c, a in answers.items()}, age_on(child.date_of_birth, _local(now))
    )
    assessment = RiskAssessment.objects.create(
        child=child,
        referral=referral,
        case=case,
        tool=tool,
        assessed_by=actor,
        assessed_at=now,
        computed_level=result.level,
        override_level=override_level,
        override_reason=override_reason.strip() if override_level else "",
        final_level=override_level or result.level,
        submission_token=submission_token,
    )
    RiskAnswer.objects.bulk_create(
        [
            RiskAnswer(
                assessment=assessment,
                indicator=indicator,
                answer=answers[indicator.code].answer,
                evidence=answers[indicator.code].evidence.strip(),
                recency=answers[indicator.code].recency,
            )
            for indicator in tool.indicators.all()
            if indicator.code in answers
        ]
    )
    record(
        actor=actor,
        verb=Verb.CREATED,
        obj=assessment,
        case_reference=case.reference if case else "",
        changes={
            "computed_level": [None, assessment.computed_level],
            "final_level": [None, assessment.final_level],
            "override_reason": "changed" if override_level else None,
        },
    )
    return assessment


def submit_referral(
    actor: User,
    *,
    child: Child,
    referrer_role: str,
    referrer_contact: str,
    concerns: str,
    contact_in_person: bool = False,
    contact_mobile_phone: bool = False,
    contact_online: bool = False,
    known_to_social_care: str = "unknown",
    lead_social_worker: str = "",
    child_aware: str = "unknown",
    child_agrees: str = "unknown",
    parents_aware: str = "unknown",
    parents_agree: str = "unknown",
    consent_notes: str = "",
    legal_status: str = "not_known",
    immediate_risk: bool = False,
    police_contacted_at: dt.datetime | None = None,
    police_contacted_by: str = "",
    police_incident_number: str = "",
    young_adult_reason: str = "",
    answers: Mapping[str, AnswerInput] | None = None,
    override_level: str = "",
    override_reason: str = "",
    tool: RiskTool | None = None,
    submission_token: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Referral:
    """Refer a child to the panel of the child's area, with the Risk Factor Matrix answers.
    Referrers, coordinators and agency leads. Records ``created`` for the referral and its
    assessment. Submitting the same form twice (same token) returns the first referral."""
    _require(can_refer(actor), "You may not make referrals.")
    _require(actor.agency_id is not None, "You need an agency before you can refer.")
    if submission_token:
        existing = Referral.objects.filter(submission_token=submission_token).first()
        if existing is not None:
            _require(existing.referrer_id == actor.pk, "That form was submitted by someone else.")
            return existing
    now = now or timezone.now()
    check_date_of_birth(child.date_of_birth, _local(now), young_adult_reason)
    if immediate_risk and police_contacted_at and police_contacted_at > now:
        raise ValidationError(
            {"police_contacted_at": "The time police were contacted is in the future."}
        )
    tool = tool or RiskTool.objects.get(slug="risk-factor-matrix", is_active=True)
    referral = Referral(
        child=child,
        area=child.area,
        referrer=actor,
        referrer_agency_id=actor.agency_id,
        referrer_role=referrer_role.strip(),
        referrer_contact=referrer_contact.strip(),
        referred_at=now,
        concerns=concerns.strip(),
        contact_in_person=contact_in_person,
        contact_mobile_phone=contact_mobile_phone,
        contact_online=contact_online,
        immediate_risk=immediate_risk,
        police_contacted_at=police_contacted_at if immediate_risk else None,
        police_contacted_by=police_contacted_by.strip() if immediate_risk else "",
        police_incident_number=police_incident_number.strip() if immediate_risk else "",
        known_to_social_care=known_to_social_care,
        lead_social_worker=lead_social_worker.strip(),
        child_aware=child_aware,
        child_agrees=child_agrees,
        parents_aware=parents_aware,
        parents_agree=parents_agree,
        consent_notes=consent_notes.strip(),
        legal_status=legal_status,
        young_adult_reason=young_adult_reason.strip(),
        submission_token=submission_token,
    )
    errors = {}
    if not (contact_in_person or contact_mobile_phone or contact_online):
        errors["contact_methods"] = (
            "Say how contact with the child happens: in person, by mobile phone or online."
        )
    if immediate_risk:
        if not police_contacted_at:
            errors["police_contacted_at"] = "Record when police were contacted."
        if not police_contacted_by.strip():
            errors["police_contacted_by"] = "Record who contacted the police."
        if not police_incident_number.strip():
            errors["police_incident_number"] = "Record the police incident number."
    if errors:
        raise ValidationError(errors)
    _clean_referral(referral)
    with transaction.atomic():
        referral.save()
        record(actor=actor, verb=Verb.CREATED, obj=referral)
        notify(
            recipients=coordinators_of(referral.area_id),
            kind=(
                Notification.Kind.URGENT_REFERRAL
                if immediate_risk
                else Notification.Kind.NEW_REFERRAL
            ),
            link=reverse("cases:triage-detail", args=[referral.pk]),
            about=f"referral:{referral.pk}",
        )
        _assess(
            actor,
            child=child,
            tool=tool,
            answers=answers or {},
            override_level=override_level,
            override_reason=override_reason,
            referral=referral,
            case=None,
            now=now,
        )
    return referral


def _clean_referral(referral: Referral) -> None:
    referral.full_clean(exclude=["submission_token"], validate_unique=False)


def triage_referral(
    actor: User,
    *,
    referral: Referral,
    outcome: str,
    reason: str,
    route: str = "",
    now: dt.datetime | None = None,
) -> Referral:
    """Record a triage outcome other than acceptance (step down, redirect, no further
    action). Coordinators of the referral's area. Records ``transitioned``."""
    _require_coordinator(actor, referral.area_id)
    if outcome == Referral.Status.ACCEPTED:
        raise ValidationError({"outcome": "Use accept_referral to accept a referral to panel."})
    if outcome not in Referral.Status.values or outcome == Referral.Status.SUBMITTED:
        raise ValidationError({"outcome": "Choose a triage outcome."})
    allowed_routes = Referral.ROUTES_BY_STATUS.get(outcome, [])
    if allowed_routes and route not in allowed_routes:
        raise ValidationError({"route": "Choose where the referral goes."})
    if not allowed_routes and route:
        raise ValidationError({"route": "This outcome has no route."})
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for this decision."})
    now = now or timezone.now()
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.status != Referral.Status.SUBMITTED:
            raise Conflict(
                "This referral has already been triaged.", current_version=locked.version
            )
        locked.status = outcome
        locked.outcome_route = route
        locked.outcome_reason = reason.strip()
        locked.triaged_by = actor
        locked.triaged_at = now
        locked.version += 1
        locked.save()
        record(
            actor=actor,
            verb=Verb.TRANSITIONED,
            obj=locked,
            changes={"status": ["submitted", outcome], "route": [None, route or None]},
        )
        _tell_referrer(locked)
    return locked


def _tell_referrer(referral: Referral) -> None:
    notify(
        recipients=[referral.referrer],
        kind=Notification.Kind.REFERRAL_OUTCOME,
        link=reverse("cases:referral-detail", args=[referral.pk]),
        about=f"referral:{referral.pk}",
    )


def next_case_reference(year: int) -> str:
    """CSE-YYYY-NNNN from a per-year counter that only goes up. Call inside a transaction."""
    counter, _ = CaseReferenceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"CSE-{year}-{counter.last_number:04d}"


def accept_referral(
    actor: User,
    *,
    referral: Referral,
    reason: str,
    lead_agency: Agency | None = None,
    lead_professional: User | None = None,
    local_support_team: LocalSupportTeam | None = None,
    lst_contact: str = "",
    involved_agencies: Iterable[Agency] = (),
    now: dt.datetime | None = None,
) -> Case:
    """Accept a referral to panel. Coordinators of the referral's area. A child with an
    active case has the referral added to it; otherwise a new case is opened (awaiting
    panel), linked to the child's latest closed case if any, with its first review due by
    the risk cadence. Records ``created`` for the case and ``transitioned`` for the
    referral."""
    _require_coordinator(actor, referral.area_id)
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for accepting the referral."})
    if local_support_team and local_support_team.area_id != referral.area_id:
        raise ValidationError({"local_support_team": "Choose a Local Support Team in this area."})
    now = now or timezone.now()
    agencies = {a.pk: a for a in involved_agencies}
    if lead_agency:
        agencies.setdefault(lead_agency.pk, lead_agency)
    if (
        lead_professional
        and lead_professional.agency_id
        and lead_professional.agency_id not in agencies
    ):
        raise ValidationError(
            {"lead_professional": "The lead professional's agency must be involved in the case."}
        )
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.status != Referral.Status.SUBMITTED:
            raise Conflict(
                "This referral has already been triaged.", current_version=locked.version
            )
        if locked.child_checked_at is None and possible_duplicates(locked.child, seen_by=actor):
            raise ValidationError(
                {
                    "child": "This child may already be known. Link the referral to the "
                    "existing record, or confirm a new child, before accepting it."
                }
            )
        assessment = locked.assessments.order_by("-assessed_at", "-id").first()
        level = assessment.final_level if assessment else RiskLevel.LOW
        case = (
            Case.objects.select_for_update()
            .filter(child_id=locked.child_id)
            .exclude(status=Case.Status.CLOSED)
            .first()
        )
        if case is None:
            previous = (
                Case.objects.filter(child_id=locked.child_id, status=Case.Status.CLOSED)
                .order_by("-closed_at")
                .first()
            )
            case = Case(
                reference=next_case_reference(_local(now).year),
                child_id=locked.child_id,
                area_id=locked.area_id,
                status=Case.Status.AWAITING_PANEL,
                risk_level=level,
                lead_agency=lead_agency,
                lead_professional=lead_professional,
                local_support_team=local_support_team,
                lst_contact=lst_contact.strip(),
                previous_case=previous,
                opened_at=now,
            )
            _clean(case)
            case.save()
            CaseTransition.objects.create(
                case=case,
                from_status="",
                to_status=case.status,
                reason=reason.strip(),
                by=actor,
                at=now,
            )
            Review.objects.create(case=case, due_date=review_due_after(level, _local(now)))
            record(
                actor=actor,
                verb=Verb.CREATED,
                obj=case,
                case_reference=case.reference,
                changes={"status": [None, case.status], "risk_level": [None, level]},
            )
        for agency in agencies.values():
            _, added = CaseAgency.objects.get_or_create(
                case=case, agency=agency, defaults={"added_by": actor}
            )
            if added:
                record(
                    actor=actor,
                    verb=Verb.UPDATED,
                    obj=case,
                    case_reference=case.reference,
                    changes={"involved_agencies": [None, str(agency.pk)]},
                )
        if assessment and assessment.case_id is None:
            # The referral's assessment becomes part of the case's risk history.
            RiskAssessment.objects.filter(pk=assessment.pk).update(case=case)
        locked.status = Referral.Status.ACCEPTED
        locked.outcome_reason = reason.strip()
        locked.triaged_by = actor
        locked.triaged_at = now
        locked.case = case
        locked.version += 1
        locked.save()
        record(
            actor=actor,
            verb=Verb.TRANSITIONED,
            obj=locked,
            case_reference=case.reference,
            changes={"status": ["submitted", "accepted"]},
        )
        _tell_referrer(locked)
    return case


# --- cases -----------------------------------------------------------------------------


def record_assessment(
    actor: User,
    *,
    case: Case,
    answers: Mapping[str, AnswerInput],
    override_level: str = "",
    override_reason: str = "",
    tool: RiskTool | None = None,
    submission_token: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> RiskAssessment:
    """A new risk assessment on a case. Coordinators of the case's area, and leads of an
    involved agency. Sets the case's risk level and re-sets the upcoming review by the new
    level's cadence. Does not re-open a closed case. The same form sent twice (same token)
    records one. Records ``created`` and ``updated``."""
    _require(
        coordinates(actor, case.area_id) or leads_involved_agency(actor, case),
        "You may not assess this case.",
    )
    existing = _already_submitted(RiskAssessment, submission_token, actor, "assessed_by")
    if existing is not None:
        return existing
    if case.status == Case.Status.CLOSED:
        raise ValidationError("This case is closed. Re-open it before a new assessment.")
    now = now or timezone.now()
    tool = tool or RiskTool.objects.get(slug="risk-factor-matrix", is_active=True)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        assessment = _assess(
            actor,
            child=locked.child,
            tool=tool,
            answers=answers,
            override_level=override_level,
            override_reason=override_reason,
            referral=None,
            case=locked,
            now=now,
            submission_token=submission_token,
        )
        before = snapshot(locked, ["risk_level"])
        locked.risk_level = assessment.final_level
        locked.version += 1
        locked.save(update_fields=["risk_level", "version", "updated_at"])
        upcoming = locked.reviews.filter(status=Review.Status.UPCOMING).first()
        review_changes = {}
        if upcoming:
            due = review_due_after(locked.risk_level, _local(now))
            review_changes = {"next_review": [upcoming.due_date, due]}
            upcoming.due_date = due
            upcoming.save(update_fields=["due_date"])
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=locked,
            case_reference=locked.reference,
            changes=field_changes(before, snapshot(locked, ["risk_level"])) | review_changes,
        )
    return assessment


def transition_case(
    actor: User,
    *,
    case: Case,
    to_status: str,
    reason: str = "",
    closure_reason: str = "",
    closure_summary: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """Move a case through its lifecycle (see cases.workflow). Coordinators of the case's
    area. Closing needs a closure reason, a summary and no open actions, and cancels the
    upcoming review; re-opening needs a reason and schedules a review. Records
    ``transitioned``."""
    _require_coordinator(actor, case.area_id)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        name = workflow.check_transition(locked, to_status)
        errors = {}
        if name == "close":
            if closure_reason not in Case.ClosureReason.values:
                errors["closure_reason"] = "Choose the reason for closing the case."
            if not closure_summary.strip():
                errors["closure_summary"] = (
                    "Summarise why the child is now safe or the risk removed."
                )
            if locked.actions.filter(status__in=Action.OPEN_STATUSES).exists():
                errors["actions"] = "Every action must be done or cancelled before the case closes."
        elif name == "reopen" and not reason.strip():
            errors["reason"] = "Give the reason for re-opening the case."
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
        )
        record(
            actor=actor,
            verb=Verb.TRANSITIONED,
            obj=locked,
            case_reference=locked.reference,
            changes={"status": [from_status, to_status]}
            | ({"closure_reason": [None, closure_reason]} if name == "close" else {}),
        )
    return locked


def _already_submitted(model, token: uuid.UUID | None, actor: User, author_field: str):
    """The record a form with this token already made, if any: a second submit of the same
    form returns it instead of making another."""
    if token is None:
        return None
    existing = model.objects.filter(submission_token=token).first()
    if existing is not None:
        _require(
            getattr(existing, f"{author_field}_id") == actor.pk,
            "That form was submitted by someone else.",
        )
    return existing


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


# --- actions and reviews ---------------------------------------------------------------


def can_add_action(user: User, case: Case) -> bool:
    """Coordinators of the case's area agree actions (at panel or between meetings)."""
    return coordinates(user, case.area_id) and case.status != Case.Status.CLOSED


def can_update_action(user: User, action: Action) -> bool:
    """Coordinators of the case's area, and leads of the owning agency while it is involved
    in the case. (Only coordinators cancel or re-assign: see update_action.)"""
    case = action.case
    if coordinates(user, case.area_id):
        return True
    return user.agency_id == action.owning_agency_id and leads_involved_agency(user, case)


def can_hold_review(user: User, review: Review) -> bool:
    """Coordinators of the case's area hold its reviews."""
    return coordinates(user, review.case.area_id)


def _tell_owning_agency(action: Action, case: Case, about: str) -> None:
    """The owning agency's leads hear of an action assigned to them: the case reference and
    a link to the case page, which checks their access again. Nothing about the child."""
    notify(
        recipients=leads_of(action.owning_agency_id),
        kind=Notification.Kind.ACTION_ASSIGNED,
        link=reverse("cases:case-detail", args=[case.pk]),
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
    now: dt.datetime | None = None,
) -> Action:
    """Agree an action on a case. Coordinators of the case's area; not on a closed case
    (adding one never re-opens it). The owning agency must be involved in the case and the
    owner, if named, an active member of it. The same form sent twice (same token) agrees
    one action. Records ``created`` and notifies the owning agency's leads
    (``action_assigned``: the case reference and a link, nothing more)."""
    _require_coordinator(actor, case.area_id)
    existing = _already_submitted(Action, submission_token, actor, "created_by")
    if existing is not None:
        return existing
    errors = _assignment_errors(case, owning_agency, owner)
    if not description.strip():
        errors["description"] = "Describe the action."
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
        _tell_owning_agency(action, locked, about=f"action:{action.pk}")
    return action


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
    completion note). Leads of the owning agency and coordinators of the case's area; only
    coordinators cancel, with a reason. A done or cancelled action keeps its status. The
    status it already has is no change. ``version`` is the one the user saw: a stale one
    raises Conflict and changes nothing. Records ``updated`` and a timeline entry."""
    case = action.case
    _require(
        can_update_action(actor, action),
        "Only the owning agency's leads or a coordinator may update this action.",
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
    timeline entry saying what moved; a new owning agency's leads are notified
    (``action_assigned``)."""
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
        if "owning_agency" in changes:
            _tell_owning_agency(locked, case, about=f"action:{locked.pk}:v{locked.version}")
    return locked


def hold_review(
    actor: User,
    *,
    review: Review,
    held_on: dt.date,
    outcome: str,
    risk_level_after: str,
    attending_agencies: Iterable[Agency] = (),
    now: dt.datetime | None = None,
) -> Review:
    """Record a held review and schedule the next one by the risk cadence from the day it
    was held. Coordinators of the case's area. Attendance is by agency, from the agencies
    involved in the case. The review confirms the case's current risk level: a different
    level comes from a new risk assessment, recorded first (record_assessment), which
    sets the case's level. Records ``updated`` for the review and ``created`` for the next
    one."""
    _require_coordinator(actor, review.case.area_id)
    now = now or timezone.now()
    attending = {agency.pk: agency for agency in attending_agencies}
    with transaction.atomic():
        # The case is locked so its level cannot change (a new assessment) while the
        # review confirms it.
        case = Case.objects.select_for_update().get(pk=review.case_id)
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.status != Review.Status.UPCOMING:
            raise Conflict("This review has already been held or cancelled.")
        errors = {}
        if held_on > _local(now):
            errors["held_on"] = "The date the review was held must be today or in the past."
        elif held_on < _local(case.opened_at):
            errors["held_on"] = "The date the review was held must be after the case opened."
        if not outcome.strip():
            errors["outcome"] = "Record the review's outcome."
        if risk_level_after not in RiskLevel.values:
            errors["risk_level_after"] = "Confirm the risk level."
        elif risk_level_after != case.risk_level:
            current = RiskLevel(case.risk_level).label.lower()
            errors["risk_level_after"] = (
                f"The case's risk level is {current}. A different level is set by a new "
                "risk assessment: record it first, then hold the review."
            )
        involved = set(case.agency_links.values_list("agency_id", flat=True))
        if not attending:
            errors["attending_agencies"] = "Select the agencies that attended the review."
        elif not set(attending) <= involved:
            errors["attending_agencies"] = "Choose agencies involved in this case."
        if errors:
            raise ValidationError(errors)
        next_due = review_due_after(risk_level_after, held_on)
        locked.status = Review.Status.HELD
        locked.held_on = held_on
        locked.outcome = outcome.strip()
        locked.risk_level_after = risk_level_after
        locked.next_due_date = next_due
        locked.held_by = actor
        _clean(locked)
        locked.save()
        locked.attending_agencies.set(list(attending.values()))
        following = Review.objects.create(case=case, due_date=next_due)
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=locked,
            case_reference=case.reference,
            changes={
                "status": ["upcoming", "held"],
                "held_on": [None, held_on.isoformat()],
                "risk_level_after": [None, risk_level_after],
                "attending_agencies": [None, sorted(attending)],
                "next_due_date": [None, next_due.isoformat()],
                "outcome": "changed",
            },
        )
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=following,
            case_reference=case.reference,
            changes={"due_date": [None, next_due.isoformat()]},
        )
    return locked


# --- intake and duplicates ---------------------------------------------------------------


def refer_new_child(
    actor: User,
    *,
    child_fields: Mapping[str, object],
    submission_token: uuid.UUID | None = None,
    now: dt.datetime | None = None,
    **referral_fields,
) -> Referral:
    """The referral form: record the child and the referral together, or neither. Same
    callers and records as create_child and submit_referral. A form submitted twice (same
    token) returns the first referral and creates nothing."""
    if submission_token:
        existing = Referral.objects.filter(submission_token=submission_token).first()
        if existing is not None:
            _require(existing.referrer_id == actor.pk, "That form was submitted by someone else.")
            return existing
    now = now or timezone.now()
    with transaction.atomic():
        child = create_child(
            actor,
            **child_fields,
            young_adult_reason=str(referral_fields.get("young_adult_reason", "")),
            now=now,
        )
        return submit_referral(
            actor, child=child, submission_token=submission_token, now=now, **referral_fields
        )


def _referral_awaiting_triage(actor: User, referral: Referral) -> Referral:
    _require_coordinator(actor, referral.area_id)
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.status != Referral.Status.SUBMITTED:
        raise Conflict("This referral has already been triaged.", current_version=locked.version)
    return locked


def confirm_new_child(
    actor: User, *, referral: Referral, now: dt.datetime | None = None
) -> Referral:
    """The coordinator has looked at the possible duplicates and this is a new child.
    Coordinators of the referral's area. Records ``updated``."""
    with transaction.atomic():
        locked = _referral_awaiting_triage(actor, referral)
        locked.child_checked_by = actor
        locked.child_checked_at = now or timezone.now()
        locked.version += 1
        locked.save(update_fields=["child_checked_by", "child_checked_at", "version"])
        record(actor=actor, verb=Verb.UPDATED, obj=locked, changes={"child_checked": [None, "new"]})
    return locked


def link_referral_to_child(
    actor: User, *, referral: Referral, child: Child, now: dt.datetime | None = None
) -> Referral:
    """The referred child is one already known: move the referral (and its assessment) to
    that record. The duplicate record made by the form is removed if nothing else uses it.
    Coordinators of the referral's area. Records ``updated``."""
    if child.pk == referral.child_id:
        raise ValidationError({"child": "The referral is already about this child."})
    with transaction.atomic():
        locked = _referral_awaiting_triage(actor, referral)
        duplicate = Child.objects.select_for_update().get(pk=locked.child_id)
        locked.child = child
        locked.child_checked_by = actor
        locked.child_checked_at = now or timezone.now()
        locked.version += 1
        locked.save(update_fields=["child", "child_checked_by", "child_checked_at", "version"])
        RiskAssessment.objects.filter(referral=locked).update(child=child)
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=locked,
            changes={"child": [duplicate.pk, child.pk]},
        )
        in_use = (
            duplicate.referrals.exists()
            or duplicate.cases.exists()
            or duplicate.assessments.exists()
        )
        if not in_use:
            record(
                actor=actor,
                verb=Verb.UPDATED,
                obj=duplicate,
                changes={"removed_as_duplicate_of": [None, child.pk]},
            )
            duplicate.delete()
    return locked


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
    removed. ``version`` as seen by the user; stale raises Conflict. Records ``updated``."""
    _require_coordinator(actor, case.area_id)
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
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.version != version:
            raise Conflict(
                "Someone else changed this case while you were editing it.",
                current_version=locked.version,
            )
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

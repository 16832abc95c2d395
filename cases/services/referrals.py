"""Referrals: submitting one, triaging it, and accepting it into a case."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import record
from cases.models import (
    Case,
    CaseAgency,
    CaseReferenceCounter,
    CaseTransition,
    Child,
    Referral,
    Review,
    RiskAssessment,
    RiskTool,
)
from cases.services.assessments import _assess
from cases.services.children import check_date_of_birth, possible_duplicates
from cases.services.common import (
    AnswerInput,
    Verb,
    _clean,
    _local,
    _require,
    _require_coordinator,
    can_refer,
    review_due_after,
)
from notifications.models import Notification
from notifications.services import coordinators_of, notify
from panel.errors import Conflict
from panel.models import Agency, LocalSupportTeam, User


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
    repeat_of: Referral | None = None,
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
    future = police_contact_in_future(police_contacted_at, now) if immediate_risk else ""
    if future:
        raise ValidationError({"police_contacted_at": f"{future}."})
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
        repeat_of=repeat_of,
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


POLICE_DATE_IN_FUTURE = "The date police were contacted must be today or in the past"
POLICE_TIME_IN_FUTURE = "The time police were contacted must be now or earlier today"


def police_contact_in_future(when: dt.datetime | None, now: dt.datetime) -> str:
    """Why a police contact time is refused, "" if it is not in the future. A later day
    in London is the date's fault; later today, the time's."""
    if when is None or when <= now:
        return ""
    return POLICE_DATE_IN_FUTURE if _local(when) > _local(now) else POLICE_TIME_IN_FUTURE


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
    route_problem = _route_problem(outcome, route)
    if route_problem:
        raise ValidationError({"route": route_problem})
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


# What each outcome's routes are, said when a route was chosen that does not fit it.
ROUTES_FIT = {
    Referral.Status.STEPPED_DOWN: "Early help goes to the Early Help Assessment or the Local "
    "Support Team: choose one of them.",
    Referral.Status.REDIRECTED: "A redirect goes to the front door or a section 47 strategy "
    "discussion: choose one of them.",
}


def _route_problem(outcome: str, route: str) -> str:
    """What is wrong with the route for the outcome ("" when nothing). "Choose where the
    referral goes" only when no route was chosen: with one chosen it would be untrue."""
    allowed_routes = Referral.ROUTES_BY_STATUS.get(outcome, [])
    if allowed_routes and not route:
        return "Choose where the referral goes."
    if allowed_routes and route not in allowed_routes:
        return ROUTES_FIT[outcome]
    if not allowed_routes and route:
        return "No further action has no route: choose “Not applicable” (leave it empty)."
    return ""


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


NOT_ASSESSED_TO_ACCEPT = (
    "The risk has not been assessed: no risk indicator was answered. Record a risk "
    "assessment (or a professional judgement with its reason) before accepting the referral."
)


def _level_to_accept_with(assessment: RiskAssessment | None) -> str:
    """A case always has a risk level, so a referral is accepted only once assessed."""
    if assessment is None or assessment.final_level is None:
        raise ValidationError({"assessment": NOT_ASSESSED_TO_ACCEPT})
    return assessment.final_level


NEW_CASE_NEEDS_LEAD_AGENCY = (
    "Choose the lead agency: a new case needs one, and it becomes involved in the case."
)


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
    panel), which needs a lead agency (it becomes involved), linked to the child's latest
    closed case if any, with its first review due by the risk cadence. A referral whose
    risk is not assessed is refused until a coordinator assesses it (assess_referral).
    Records ``created`` for the case and ``transitioned`` for the referral."""
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
        level = _level_to_accept_with(assessment)
        case = (
            Case.objects.select_for_update()
            .filter(child_id=locked.child_id)
            .exclude(status=Case.Status.CLOSED)
            .first()
        )
        if case is None:
            # A new case is accepted with its lead agency, or no agency could see it.
            if lead_agency is None:
                raise ValidationError({"lead_agency": NEW_CASE_NEEDS_LEAD_AGENCY})
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
        # Links recorded at triage (issue 13) move onto the case.
        from intelligence.services.links import carry_referral_links

        carry_referral_links(actor, referral=locked, case=case)
        _tell_referrer(locked)
    return case

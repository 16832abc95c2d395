"""Risk assessments: answers checked against the tool, scored by its rules, recorded on a
referral or a case."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import field_changes, record, snapshot
from cases.models import (
    Case,
    Child,
    Referral,
    Review,
    RiskAnswer,
    RiskAssessment,
    RiskLevel,
    RiskTool,
)
from cases.scoring import answered_indicators, override_refusal, score
from cases.services.common import (
    AnswerInput,
    Verb,
    _already_submitted,
    _local,
    _require,
    _require_coordinator,
    coordinates,
    leads_involved_agency,
    review_due_after,
)
from panel.dates import age_on
from panel.errors import Conflict
from panel.models import User


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


NOT_ANSWERED = (
    "Answer at least one risk indicator present or not present. An unanswered Risk Factor "
    "Matrix is not an assessment."
)


def _require_answered(tool: RiskTool, answers: Mapping[str, AnswerInput]) -> None:
    given = {code: a.answer for code, a in answers.items()}
    if not answered_indicators(tool.indicators.all(), given):
        raise ValidationError({"answers": NOT_ANSWERED})


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
    age = age_on(child.date_of_birth, _local(now))
    refused = override_refusal(tool, override_level, age)
    if refused:
        raise ValidationError({"override_level": refused})
    result = score(tool, {c: a.answer for c, a in answers.items()}, age)
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
    level's cadence, so an all-unanswered matrix (no level) is refused. Does not re-open a
    closed case. The same form sent twice (same token) records one. Records ``created``
    and ``updated``."""
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
    _check_answers(tool, answers)
    _require_answered(tool, answers)
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


def assess_referral(
    actor: User,
    *,
    referral: Referral,
    answers: Mapping[str, AnswerInput],
    override_level: str = "",
    override_reason: str = "",
    tool: RiskTool | None = None,
    submission_token: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> RiskAssessment:
    """The coordinator's risk assessment of a referral at triage, typically one sent with
    the matrix unanswered ("not assessed"), so that it can be accepted with a level.
    Coordinators of the referral's area, while it awaits triage. Needs at least one risk
    indicator answered, or a professional override with its reason. The latest assessment
    is the one acceptance uses. The same form sent twice (same token) records one.
    Records ``created``."""
    _require_coordinator(actor, referral.area_id)
    existing = _already_submitted(RiskAssessment, submission_token, actor, "assessed_by")
    if existing is not None:
        return existing
    now = now or timezone.now()
    tool = tool or RiskTool.objects.get(slug="risk-factor-matrix", is_active=True)
    _check_answers(tool, answers)
    if not override_level:
        _require_answered(tool, answers)
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.status != Referral.Status.SUBMITTED:
            raise Conflict(
                "This referral has already been triaged.", current_version=locked.version
            )
        return _assess(
            actor,
            child=locked.child,
            tool=tool,
            answers=answers,
            override_level=override_level,
            override_reason=override_reason,
            referral=locked,
            case=None,
            now=now,
            submission_token=submission_token,
        )

"""Reviews: holding one sets the next."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record
from cases.models import (
    Case,
    Review,
    RiskLevel,
)
from cases.services.common import (
    Verb,
    _clean,
    _local,
    _require_coordinator,
    coordinates,
    review_due_after,
)
from panel.errors import Conflict
from panel.models import Agency, User


def can_hold_review(user: User, review: Review) -> bool:
    """Coordinators of the case's area hold its reviews."""
    return coordinates(user, review.case.area_id)


def hold_review(
    actor: User,
    *,
    review: Review,
    held_on: dt.date,
    outcome: str,
    risk_level_after: str,
    attending_agencies: Iterable[Agency] = (),
    meeting=None,
    now: dt.datetime | None = None,
) -> Review:
    """Record a held review and schedule the next one by the risk cadence from the day it
    was held. Coordinators of the case's area. Attendance is by agency, from the agencies
    involved in the case. The review confirms the case's current risk level: a different
    level comes from a new risk assessment, recorded first (record_assessment), which
    sets the case's level. ``meeting``: the panel meeting it was held at (None for a review
    held outside a meeting). Records ``updated`` for the review and ``created`` for the
    next one."""
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
        locked.recorded_at = now
        locked.meeting = meeting
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
            }
            | ({"meeting": [None, str(meeting.pk)]} if meeting is not None else {}),
        )
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=following,
            case_reference=case.reference,
            changes={"due_date": [None, next_due.isoformat()]},
        )
    return locked

"""Who may write, and the small helpers every write service shares."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from cases.models import (
    Case,
)
from panel.dates import LONDON
from panel.models import Role, User

Verb = AuditEvent.Verb
ADULT_AGE = 18
OLDEST_YOUNG_ADULT = 25


@dataclass(frozen=True)
class AnswerInput:
    answer: str
    evidence: str = ""
    recency: str = ""


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

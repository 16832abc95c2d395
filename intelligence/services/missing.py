"""A child's missing episodes: recording one, and updating it as the child is found and the
return home interview is offered and held.

Who writes is who adds to the case: the coordinators of its area, the leads of an agency
involved in it, and its lead professional while their link is live. Auditors never.
A new episode on an open case tells the lead professional and the area's coordinators; a
third episode within 90 days puts the case on the area's next panel agenda (or its "to be
scheduled" list) and tells the coordinators once for that run of episodes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import field_changes, record, snapshot
from cases.access import live_lead_professionals
from cases.models import Case
from cases.services.common import Verb, coordinates, leads_involved_agency, may_write
from intelligence.episodes import repeat_window_start
from intelligence.models import (
    REPEAT_EPISODES,
    REPEAT_WINDOW_DAYS,
    Location,
    MissingEpisode,
    ReturnInterview,
)
from meetings.models import AgendaReason
from meetings.services.agenda import flag_case
from notifications.models import Notification
from notifications.services import coordinators_of, notify
from panel.errors import Conflict
from panel.models import User

# What an update may change, as the audit trail names it.
FIELDS = (
    "reported_missing_at",
    "returned_at",
    "found_location",
    "found_place",
    "interview",
    "interview_offered_at",
    "interview_held_at",
    "interview_by",
    "notes",
)
FREE_TEXT = {"found_place", "notes"}
OFFERED = {ReturnInterview.OFFERED, ReturnInterview.HELD, ReturnInterview.DECLINED}
STALE = (
    "Someone else changed this missing episode while you were editing it, so nothing was "
    "saved. Check the current details and try again."
)


def may_record_episode(user: User, case: Case) -> bool:
    """Who may record and update a case's missing episodes: whoever may add to the case
    (coordinators of its area, leads of an involved agency) and its lead professional
    while their link is live. Auditors never (``may_write``)."""
    if not may_write(user):
        return False
    if coordinates(user, case.area_id) or leads_involved_agency(user, case):
        return True
    return (
        case.lead_professional_id == user.pk
        and live_lead_professionals().filter(pk=case.pk, lead_professional_id=user.pk).exists()
    )


def _require_may_record(actor: User, case: Case) -> None:
    if not may_record_episode(actor, case):
        raise PermissionDenied("You may not record missing episodes on this case.")


def _errors(actor: User, data: dict[str, Any], now: dt.datetime) -> dict[str, str]:
    """Every problem with an episode's fields, by field, in the words a form shows."""
    errors: dict[str, str] = {}
    reported = data["reported_missing_at"]
    returned = data["returned_at"]
    interview = data["interview"]
    offered_at = data["interview_offered_at"]
    held_at = data["interview_held_at"]
    if reported is None:
        errors["reported_missing_at"] = "Enter when the child was reported missing."
    elif reported > now:
        errors["reported_missing_at"] = "The time reported missing cannot be in the future."
    if returned is not None:
        if returned > now:
            errors["returned_at"] = "The time found or returned cannot be in the future."
        elif reported is not None and returned < reported:
            errors["returned_at"] = "The child cannot be found before they were reported missing."
    location = data["found_location"]
    if location is not None:
        if not Location.objects.visible_to(actor).current().filter(pk=location.pk).exists():
            errors["found_location"] = "Choose a location you can see, or say where in words."
        if data["found_place"]:
            errors["found_place"] = "Give a location record or a place in words, not both."
    if (location is not None or data["found_place"]) and returned is None:
        errors.setdefault("returned_at", "Enter when the child was found or returned.")
    if interview not in ReturnInterview.values:
        errors["interview"] = "Choose where the return home interview stands."
    elif interview != ReturnInterview.NOT_YET and returned is None:
        errors["interview"] = "A return home interview follows the child's return: enter it first."
    if interview in OFFERED - {ReturnInterview.HELD} and offered_at is None:
        errors["interview_offered_at"] = "Enter when the interview was offered."
    if interview == ReturnInterview.NOT_YET and offered_at is not None:
        errors["interview_offered_at"] = "Choose 'offered' to record when it was offered."
    if offered_at is not None:
        if offered_at > now:
            errors["interview_offered_at"] = "The interview cannot be offered in the future."
        elif returned is not None and offered_at < returned:
            errors["interview_offered_at"] = "The interview is offered after the child's return."
    if interview == ReturnInterview.HELD:
        if held_at is None:
            errors["interview_held_at"] = "Enter when the interview was held."
        if not data["interview_by"]:
            errors["interview_by"] = "Enter who held the interview."
    elif held_at is not None or data["interview_by"]:
        errors["interview"] = "Choose 'held' to record when and by whom it was held."
    if held_at is not None:
        if held_at > now:
            errors["interview_held_at"] = "The interview cannot be held in the future."
        elif returned is not None and held_at < returned:
            errors["interview_held_at"] = "The interview is held after the child's return."
        elif offered_at is not None and held_at < offered_at:
            errors["interview_held_at"] = "The interview is held after it was offered."
    return errors


def _audited(changes: dict[str, Any]) -> dict[str, Any]:
    """Free text (where found in words, notes) is audited as "changed", never copied."""
    return {name: "changed" if name in FREE_TEXT else value for name, value in changes.items()}


def _clean_data(**fields: Any) -> dict[str, Any]:
    fields["found_place"] = (fields["found_place"] or "").strip()
    fields["interview_by"] = (fields["interview_by"] or "").strip()
    fields["notes"] = (fields["notes"] or "").strip()
    return fields


def record_episode(
    actor: User,
    *,
    case: Case,
    reported_missing_at: dt.datetime | None,
    returned_at: dt.datetime | None = None,
    found_location: Location | None = None,
    found_place: str = "",
    interview: str = ReturnInterview.NOT_YET,
    interview_offered_at: dt.datetime | None = None,
    interview_held_at: dt.datetime | None = None,
    interview_by: str = "",
    notes: str = "",
    now: dt.datetime | None = None,
) -> MissingEpisode:
    """Record a missing episode on a case. Whoever may add to the case
    (``may_record_episode``). Where found is a location the actor can see or a place in
    words. Records ``created``. On an open case it tells the lead professional and the
    area's coordinators (``missing_episode``: the case reference and a link), and when the
    case now has ``REPEAT_EPISODES`` or more reported within ``REPEAT_WINDOW_DAYS``, puts it
    on the area's next agenda (once) and tells the coordinators once for that run
    (``repeat_missing``). One transaction: the notifications commit with the episode."""
    _require_may_record(actor, case)
    now = now or timezone.now()
    data = _clean_data(
        reported_missing_at=reported_missing_at,
        returned_at=returned_at,
        found_location=found_location,
        found_place=found_place,
        interview=interview,
        interview_offered_at=interview_offered_at,
        interview_held_at=interview_held_at,
        interview_by=interview_by,
        notes=notes,
    )
    errors = _errors(actor, data, now)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        episode = MissingEpisode(case=locked, recorded_by=actor, **data)
        episode.full_clean()
        episode.save()
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=episode,
            case_reference=locked.reference,
            changes=_audited(
                field_changes({}, {k: v for k, v in data.items() if v not in (None, "")})
            ),
        )
        if locked.status == Case.Status.OPEN:
            _tell_new_episode(locked, episode)
            _flag_repeat(actor, locked, episode, now)
    return episode


def _case_link(case: Case) -> str:
    return reverse("intelligence:missing-list", args=[case.pk])


def _tell_new_episode(case: Case, episode: MissingEpisode) -> None:
    recipients = {user.pk: user for user in coordinators_of(case.area_id)}
    lead = case.lead_professional
    if (
        lead is not None
        and live_lead_professionals().filter(pk=case.pk, lead_professional_id=lead.pk).exists()
    ):
        recipients[lead.pk] = lead
    notify(
        recipients=recipients.values(),
        kind=Notification.Kind.MISSING_EPISODE,
        link=reverse("intelligence:missing-detail", args=[case.pk, episode.pk]),
        about=f"missing_episode:{episode.pk}",
        case_reference=case.reference,
    )


def _flag_repeat(actor: User, case: Case, episode: MissingEpisode, now: dt.datetime) -> None:
    """The repeat rule for the new episode (``repeat_window_start``): on the next agenda
    once, and the coordinators told once per run, keyed on the run's first episode."""
    window = dt.timedelta(days=REPEAT_WINDOW_DAYS)
    reported = MissingEpisode.objects.filter(
        case=case,
        reported_missing_at__gte=episode.reported_missing_at - window,
        reported_missing_at__lte=episode.reported_missing_at + window,
    ).values_list("pk", "reported_missing_at")
    first = repeat_window_start(reported, episode.reported_missing_at)
    if first is None:
        return
    flag_case(
        actor,
        case=case,
        reason=AgendaReason.REPEAT_MISSING,
        reason_detail=(
            f"Reported missing {REPEAT_EPISODES} or more times in {REPEAT_WINDOW_DAYS} days."
        ),
        now=now,
    )
    notify(
        recipients=coordinators_of(case.area_id),
        kind=Notification.Kind.REPEAT_MISSING,
        link=_case_link(case),
        about=f"repeat_missing:case:{case.pk}:from:{first}",
        case_reference=case.reference,
    )


def update_episode(
    actor: User,
    *,
    episode: MissingEpisode,
    version: int,
    now: dt.datetime | None = None,
    **changes: Any,
) -> MissingEpisode:
    """Update an episode: when reported, when found or returned and where, the return home
    interview (offered, held, declined; when and by whom) and notes. Whoever may add to the
    case (``may_record_episode``). ``version`` is the one the user saw: a stale one is
    refused (Conflict) and nothing changes. Fields not given keep their value. Records
    ``updated`` with what changed (notes as "changed"); no change records nothing."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    _require_may_record(actor, episode.case)
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            MissingEpisode.objects.select_for_update(of=("self",))
            .select_related("case", "found_location")
            .get(pk=episode.pk)
        )
        if locked.version != version:
            raise Conflict(STALE, current_version=locked.version)
        before = snapshot(locked, FIELDS)
        data = _clean_data(**(before | changes))
        errors = _errors(actor, data, now)
        if (
            "found_location" in errors
            and data["found_location"] is not None
            and data["found_location"] == before["found_location"]
        ):
            # Kept as it was: someone who cannot see the location may still update the rest.
            del errors["found_location"]
        if errors:
            raise ValidationError(errors)
        changed = field_changes(before, data, FIELDS)
        if not changed:
            return locked
        for name, value in data.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.full_clean()
        locked.save()
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=locked,
            case_reference=locked.case.reference,
            changes=_audited(changed),
        )
    return locked

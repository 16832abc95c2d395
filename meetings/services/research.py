"""The research list's one write: a member agency's return for a case on the published
agenda, "information held" (with a short summary) or "nothing held".

Who reads the list, and for how long, is meetings/access.py (``research_scope``); this
module uses that same scope, so a return can only be made where the list can be read."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record
from cases.services.common import may_write
from meetings import access
from meetings.models import AgendaItem, ResearchListEntry, ResearchOutcome, ResearchReturn
from meetings.services.common import Verb
from panel.errors import Conflict
from panel.models import User

SUMMARY_MAX_LENGTH = 1000

NOT_A_REPRESENTATIVE = (
    "Only the named representative of a member agency may record its research for this meeting."
)
STALE = (
    "Someone else from your agency changed this return while you were editing it, so "
    "nothing was saved. Check the current return and try again."
)


def holds_live_seat(user: User, item: AgendaItem) -> bool:
    """Whether ``user`` may record a return for ``item`` now: they can write, hold a live
    seat at its meeting (named representative of a member agency they are still in) and
    the item is on the open research list (one query)."""
    if not may_write(user) or not user.agency_id or item.meeting_id is None:
        return False
    return (
        ResearchListEntry.objects.visible_to(user)
        .filter(pk=item.pk, meeting__in=access.seat_meetings(user).values("pk"))
        .exists()
    )


def _clean_input(outcome: str, summary: str) -> tuple[str, str]:
    summary = (summary or "").strip()
    if outcome not in ResearchOutcome.values:
        raise ValidationError({"outcome": "Choose information held or nothing held."})
    if outcome == ResearchOutcome.NOTHING_HELD:
        # Nothing held needs no summary: anything typed before choosing it is not kept.
        return outcome, ""
    if not summary:
        raise ValidationError(
            {"summary": "Enter a short summary of the information your agency holds."}
        )
    if len(summary) > SUMMARY_MAX_LENGTH:
        raise ValidationError(
            {"summary": f"The summary must be {SUMMARY_MAX_LENGTH} characters or fewer."}
        )
    return outcome, summary


def record_research_return(
    actor: User,
    *,
    item: AgendaItem,
    outcome: str,
    summary: str = "",
    version: int | None = None,
    now: dt.datetime | None = None,
) -> ResearchReturn:
    """Record or change the actor's agency's return for one case on a research list.

    Who: a live representative of a member agency of the item's meeting (named for it,
    still in that agency, active), while the research list is open (the research scope,
    ``ResearchListEntry.objects.visible_to``). Coordinators and auditors read the returns
    and never record one for an agency; auditors never write.

    "held" needs a short summary (at most SUMMARY_MAX_LENGTH characters); "nothing_held"
    keeps none. A first return is made with ``version`` None; changing one needs the
    version it was read at, and a stale or missing version is a Conflict (so is a first
    return when someone from the agency made one meanwhile).

    Records ``created`` or ``updated`` on the return, with the case's reference; the
    changes name the outcome (old and new) and say the summary "changed", never its text.
    A change that changes nothing records nothing.
    """
    if not may_write(actor):
        raise PermissionDenied("Auditors can read the research list but not change it.")
    outcome, summary = _clean_input(outcome, summary)
    now = now or timezone.now()
    with transaction.atomic():
        if not holds_live_seat(actor, item):
            raise PermissionDenied(NOT_A_REPRESENTATIVE)
        case_reference = item.case.reference
        existing = (
            ResearchReturn.objects.select_for_update(of=("self",))
            .filter(item_id=item.pk, agency_id=actor.agency_id)
            .first()
        )
        if existing is None:
            if version is not None:
                # Read as an existing return that is gone: never silently re-made.
                raise Conflict(STALE)
            return _create(actor, item, outcome, summary, now, case_reference)
        if version is None or existing.version != version:
            raise Conflict(STALE, current_version=existing.version)
        if (existing.outcome, existing.summary) == (outcome, summary):
            return existing
        changes: dict = {}
        if existing.outcome != outcome:
            changes["outcome"] = [existing.outcome, outcome]
        if existing.summary != summary:
            changes["summary"] = "changed"
        existing.outcome = outcome
        existing.summary = summary
        existing.recorded_by = actor
        existing.recorded_at = now
        existing.version += 1
        existing.full_clean()
        existing.save()
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=existing,
            case_reference=case_reference,
            changes=changes,
        )
        return existing


def _create(
    actor: User,
    item: AgendaItem,
    outcome: str,
    summary: str,
    now: dt.datetime,
    case_reference: str,
) -> ResearchReturn:
    made = ResearchReturn(
        item=item,
        agency_id=actor.agency_id,
        outcome=outcome,
        summary=summary,
        recorded_by=actor,
        recorded_at=now,
    )
    made.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            made.save(force_insert=True)
    except IntegrityError:
        # Someone from the same agency made the first return a moment ago.
        raise Conflict(STALE) from None
    changes: dict = {"item": item.pk, "agency": actor.agency_id, "outcome": [None, outcome]}
    if summary:
        changes["summary"] = "changed"
    record(actor=actor, verb=Verb.CREATED, obj=made, case_reference=case_reference, changes=changes)
    return made

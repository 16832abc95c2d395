"""Intake: a referral for a new child, and settling which child a referral is about
(a new child, or one already known) at triage."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record
from cases import matching
from cases.models import (
    Child,
    ChildMerge,
    Referral,
    RiskAssessment,
)
from cases.services.children import create_child
from cases.services.common import Verb, _require, _require_coordinator
from cases.services.referrals import submit_referral
from panel.dates import LONDON
from panel.errors import Conflict
from panel.models import User

# How long after a referral the same referrer's next one for the same child is asked about.
REPEAT_WINDOW = dt.timedelta(hours=24)


class RepeatReferral(Exception):
    """The same referrer referred the same child (folded name and date of birth) within
    REPEAT_WINDOW with different concerns. Never a refusal: the referrer confirms
    (``confirm_repeat``) and it is sent, marked as a repeat of ``earlier``."""

    def __init__(self, earlier: Referral):
        at = earlier.referred_at.astimezone(LONDON)
        super().__init__(
            f"You sent a referral for this child at {at:%H:%M} (London time). "
            "Send this one as well?"
        )
        self.earlier = earlier


def _recent_referrals_of(
    actor: User, child_fields: Mapping[str, object], now: dt.datetime
) -> list[Referral]:
    """The actor's referrals, within REPEAT_WINDOW and latest first, of a child with the
    same folded name and date of birth (on the (date_of_birth, name_key) index)."""
    born = child_fields.get("date_of_birth")
    if not isinstance(born, dt.date):
        return []
    key = matching.name_key(
        str(child_fields.get("first_name", "")), str(child_fields.get("last_name", ""))
    )
    return list(
        Referral.objects.filter(
            referrer=actor,
            child__date_of_birth=born,
            child__name_key=key,
            referred_at__gte=now - REPEAT_WINDOW,
            referred_at__lte=now,
        ).order_by("-referred_at", "-pk")
    )


# What a referral says, beyond the child: a resend matches all of it. Matching on the concerns
# alone swallowed an evening referral with immediate risk ticked (and a police incident
# number) that re-used the morning's words, so the panel was never told of the risk.
_CONTENT_FIELDS = (
    "concerns",
    "immediate_risk",
    "police_contacted_by",
    "police_incident_number",
    "contact_in_person",
    "contact_mobile_phone",
    "contact_online",
    "known_to_social_care",
    "child_aware",
    "child_agrees",
    "parents_aware",
    "parents_agree",
    "legal_status",
)


def _stored(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _same_content(sent: Referral, referral_fields: Mapping[str, object]) -> bool:
    """Whether a new submission says what ``sent`` already said: every content field given
    and the Risk Factor Matrix answers (answer and evidence per indicator)."""
    for name in _CONTENT_FIELDS:
        if name in referral_fields and _stored(referral_fields[name]) != _stored(
            getattr(sent, name)
        ):
            return False
    if (
        referral_fields.get("immediate_risk")
        and referral_fields.get("police_contacted_at") != sent.police_contacted_at
    ):
        return False
    answers = referral_fields.get("answers") or {}
    given = {
        slug: (answer.answer, answer.evidence.strip())
        for slug, answer in answers.items()
        if answer.answer
    }
    first = sent.assessments.order_by("pk").first()
    stored = (
        {
            row.indicator.code: (row.answer, row.evidence.strip())
            for row in first.answers.select_related("indicator")
        }
        if first is not None
        else {}
    )
    return given == stored


def refer_new_child(
    actor: User,
    *,
    child_fields: Mapping[str, object],
    submission_token: uuid.UUID | None = None,
    confirm_repeat: bool = False,
    now: dt.datetime | None = None,
    **referral_fields,
) -> Referral:
    """The referral form: record the child and the referral together, or neither. Same
    callers and records as create_child and submit_referral.

    Sending again by accident makes nothing new: the same token, or the same content (the
    same child's folded name and date of birth from the same referrer within REPEAT_WINDOW,
    with the same concerns, immediate risk and police contact, consent and matrix answers),
    returns the first referral. A different referral of the
    same child within that window raises RepeatReferral unless ``confirm_repeat``; then it
    is sent, marked as a repeat of the earlier one (an immediate-risk one too: it is never
    refused). A referral returned rather than made has ``replayed`` set."""
    if submission_token:
        existing = Referral.objects.filter(submission_token=submission_token).first()
        if existing is not None:
            _require(existing.referrer_id == actor.pk, "That form was submitted by someone else.")
            existing.replayed = True
            return existing
    now = now or timezone.now()
    recent = _recent_referrals_of(actor, child_fields, now)
    for sent in recent:
        if _same_content(sent, referral_fields):
            sent.replayed = True
            return sent
    earlier = recent[0] if recent else None
    if earlier is not None and not confirm_repeat:
        raise RepeatReferral(earlier)
    with transaction.atomic():
        child = create_child(
            actor,
            **child_fields,
            young_adult_reason=str(referral_fields.get("young_adult_reason", "")),
            now=now,
        )
        return submit_referral(
            actor,
            child=child,
            submission_token=submission_token,
            repeat_of=earlier,
            now=now,
            **referral_fields,
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
    actor: User,
    *,
    referral: Referral,
    child: Child,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Referral:
    """The referred child is one already known: move the referral (and its assessment) to
    that record. The record the form made is kept, marked merged by a ChildMerge, so the
    link can be undone (undo_child_merge). Coordinators of the referral's area, before
    triage. Records ``updated`` on the referral and ``created`` for the merge."""
    if child.pk == referral.child_id:
        raise ValidationError({"child": "The referral is already about this child."})
    now = now or timezone.now()
    with transaction.atomic():
        locked = _referral_awaiting_triage(actor, referral)
        duplicate = Child.objects.select_for_update().get(pk=locked.child_id)
        locked.child = child
        locked.child_checked_by = actor
        locked.child_checked_at = now
        locked.version += 1
        locked.save(update_fields=["child", "child_checked_by", "child_checked_at", "version"])
        RiskAssessment.objects.filter(referral=locked).update(child=child)
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=locked,
            changes={"child": [duplicate.pk, child.pk]},
        )
        merge = ChildMerge.objects.create(
            from_child=duplicate,
            into_child=child,
            referral=locked,
            reason=reason.strip()[:300],
            by=actor,
            at=now,
        )
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=merge,
            changes={
                "from_child": [None, duplicate.pk],
                "into_child": [None, child.pk],
                "referral": [None, locked.pk],
            },
        )
    return locked


def live_merge(referral: Referral) -> ChildMerge | None:
    """The link of this referral to an existing record that has not been undone, if any."""
    return (
        ChildMerge.objects.filter(referral=referral, undone_at__isnull=True)
        .select_related("by")
        .first()
    )


def undo_child_merge(
    actor: User,
    *,
    referral: Referral,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Referral:
    """Undo a link made by mistake: the referral (and its assessment) go back to the record
    the form made, and the merge is stamped undone. Coordinators of the referral's area,
    while the referral has not joined a case (after that the case is the record to mend).
    A referral still awaiting triage needs its duplicate check made again. Records
    ``updated`` on the referral and on the merge."""
    _require_coordinator(actor, referral.area_id)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        merge = ChildMerge.objects.filter(referral=locked, undone_at__isnull=True).first()
        if merge is None:
            raise Conflict(
                "This referral is not linked to another record, or the link was already undone.",
                current_version=locked.version,
            )
        if locked.case_id is not None:
            raise ValidationError(
                "This referral has been accepted into a case, so the link cannot be undone here."
            )
        locked.child_id = merge.from_child_id
        fields = ["child", "version"]
        if locked.status == Referral.Status.SUBMITTED:
            locked.child_checked_by = None
            locked.child_checked_at = None
            fields += ["child_checked_by", "child_checked_at"]
        locked.version += 1
        locked.save(update_fields=fields)
        RiskAssessment.objects.filter(referral=locked).update(child_id=merge.from_child_id)
        merge.undone_by = actor
        merge.undone_at = now
        merge.undo_reason = reason.strip()[:300]
        merge.save(update_fields=["undone_by", "undone_at", "undo_reason"])
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=locked,
            changes={"child": [merge.into_child_id, merge.from_child_id]},
        )
        record(actor=actor, verb=Verb.UPDATED, obj=merge, changes={"undone": [False, True]})
    return locked

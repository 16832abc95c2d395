"""The one exception to DESIGN rule 8: a strong match held by another area's panel.

Children move between areas. When a referral's child has exactly the same folded name and
date of birth as a child another area's panel holds, the triaging coordinator is told only
that "a possible match is held by the <area> panel", with that panel's contact, and nothing
about the child; that area's coordinators are told (once per referral and child) with a
link to their own record. Both sides are audited. Each coordinator may have this check made
on CROSS_AREA_MATCH_SIGNALS_PER_DAY referrals a day (counted in the database, so every
process agrees); past that the check is not made at all, so it cannot be used to probe
whether a child is known elsewhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import record
from cases.models import Case, CrossAreaCheck, Referral
from cases.services.children import cross_area_strong_matches
from cases.services.common import Verb, _require_coordinator
from notifications.models import Notification
from notifications.services import coordinators_of, notify
from panel.models import Area, User

WINDOW = dt.timedelta(days=1)


@dataclass(frozen=True)
class CrossAreaSignal:
    """What the triage page may say: the areas holding a strong match (never the child),
    or that checks are paused for this coordinator."""

    areas: list[Area] = field(default_factory=list)
    paused: bool = False


def cross_area_signal(
    actor: User, *, referral: Referral, now: dt.datetime | None = None
) -> CrossAreaSignal:
    """Check a referral awaiting triage for strong matches held by other areas' panels.
    Coordinators of the referral's area. The first check of a referral by a coordinator
    counts towards their daily limit (a CrossAreaCheck row); opening the page again does
    not. Records ``viewed`` on the referral naming the areas signalled (when there is a
    match), and ``created`` for the notifications each other area's coordinators are newly
    sent (naming their child and case)."""
    _require_coordinator(actor, referral.area_id)
    if referral.status != Referral.Status.SUBMITTED:
        return CrossAreaSignal()
    now = now or timezone.now()
    with transaction.atomic():
        if not CrossAreaCheck.objects.filter(user=actor, referral=referral).exists():
            used = CrossAreaCheck.objects.filter(user=actor, at__gte=now - WINDOW).count()
            if used >= settings.CROSS_AREA_MATCH_SIGNALS_PER_DAY:
                return CrossAreaSignal(paused=True)
            CrossAreaCheck.objects.get_or_create(
                user=actor, referral=referral, defaults={"at": now}
            )
        matches = cross_area_strong_matches(referral.child, seen_by=actor)
        if not matches:
            return CrossAreaSignal()
        areas = list({child.area_id: child.area for child in matches}.values())
        record(
            actor=actor,
            verb=Verb.VIEWED,
            obj=referral,
            changes={"cross_area_match_signalled": [None, [area.name for area in areas]]},
        )
        for other in matches:
            _notify_holding_panel(actor, referral=referral, other=other)
    return CrossAreaSignal(areas=areas)


def _notify_holding_panel(actor: User, *, referral: Referral, other) -> None:
    """Tell the other area's coordinators, once per (referral, child), with a link to
    their own child record and its latest case reference: never anything of the referral
    or the referred child."""
    latest = (
        Case.objects.filter(child=other).order_by("-opened_at", "-pk").values("reference").first()
    )
    recipients = coordinators_of(other.area_id)
    created = notify(
        recipients=recipients,
        kind=Notification.Kind.CROSS_AREA_MATCH,
        link=reverse("cases:child-detail", args=[other.pk]),
        about=f"cross_area:referral:{referral.pk}:child:{other.pk}",
        case_reference=latest["reference"] if latest else "",
    )
    if created:
        # The other side's record: on the notifications (not the child, which did not
        # change), naming that panel's child and case so it shows in their history.
        record(
            actor=actor,
            verb=Verb.CREATED,
            object_type="notifications.notification",
            object_id=f"{referral.pk}:{other.pk}",
            case_reference=latest["reference"] if latest else "",
            changes={
                "kind": [None, Notification.Kind.CROSS_AREA_MATCH],
                "child": [None, other.pk],
                "from_referral": [None, referral.pk],
                "recipients": [None, created],
            },
        )

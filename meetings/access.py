"""Need to know for panel meetings: the one place that decides who reads what of a meeting.

- A **meeting** (its date, place, membership, attendance, general business): the
  coordinators of its area, its co-chairs, its members' named representatives (while they
  are still in that agency), the agency leads of its member agencies, and auditors.
- An **agenda item about a case**: whoever may see the case (``cases.access.case_scope``),
  and the meeting's co-chairs, who chair every case heard. Others who may see the meeting
  see the line as "1 other case", never its reference.
- The **research list** (``ResearchListEntry``): for each case on a published agenda, the
  identifying details an agency needs to search its own systems, never the case record.
  Seen by the named representatives of the meeting's member agencies, live (an account
  still active and still in that agency), from publication until the minutes are approved
  or ``MEETING_RESEARCH_DAYS_AFTER`` days after the meeting, whichever comes first; and by
  the area's coordinators and auditors. It never opens the case page: the case scope is
  untouched by it.
- A **research return**: the agency that made it (its representatives, within the same
  window) and whoever may see the case.
- A **decision**: whoever may see the case, and the meeting's co-chairs.

Staff and superusers read nothing, as everywhere (``cases.access._active``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from cases.access import NOTHING, _active, case_scope
from panel.dates import london_today

if TYPE_CHECKING:
    from panel.models import User


def _seat(user: User, meeting_field: str) -> Exists:
    """Whether ``user`` holds a live seat at the meeting in ``meeting_field``: named as
    the representative of a member agency they still belong to."""
    from meetings.models import MeetingMember

    return Exists(
        MeetingMember.objects.filter(
            meeting_id=OuterRef(meeting_field),
            representative_id=user.pk,
            agency_id=user.agency_id,
        )
    )


def meeting_scope(user: User | None, prefix: str = "") -> Q:
    """The Q selecting the meetings ``user`` may see, on a model reaching Meeting by
    ``prefix`` (``""`` for Meeting, ``"meeting__"`` for an agenda item)."""
    from meetings.models import MeetingMember

    if not _active(user):
        return NOTHING
    if user.is_auditor:
        return Q()
    meeting_id = f"{prefix}id" if prefix else "pk"
    scope = Q(**{f"{prefix}police_chair_id": user.pk}) | Q(
        **{f"{prefix}local_authority_chair_id": user.pk}
    )
    if user.coordinator_area_ids:
        scope |= Q(**{f"{prefix}area_id__in": user.coordinator_area_ids})
    if user.agency_id:
        scope |= Q(_seat(user, meeting_id))
        if user.is_agency_lead:
            scope |= Q(
                Exists(
                    MeetingMember.objects.filter(
                        meeting_id=OuterRef(meeting_id), agency_id=user.agency_id
                    )
                )
            )
    return scope


def chairs(user: User, prefix: str) -> Q:
    return Q(**{f"{prefix}police_chair_id": user.pk}) | Q(
        **{f"{prefix}local_authority_chair_id": user.pk}
    )


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user: User | None) -> MeetingQuerySet:
        return self.filter(meeting_scope(user))


class AgendaItemQuerySet(models.QuerySet):
    def visible_to(self, user: User | None) -> AgendaItemQuerySet:
        """Agenda items the user may read in full: general business of meetings they may
        see; case items whose case they may see, or of meetings they chair. Items on the
        "to be scheduled" list (no meeting): the area's coordinators and auditors."""
        if not _active(user):
            return self.none()
        if user.is_auditor:
            return self.all()
        general = Q(case__isnull=True, meeting__isnull=False) & meeting_scope(user, "meeting__")
        cases = Q(case__isnull=False) & (
            case_scope(user, "case__") | (Q(meeting__isnull=False) & chairs(user, "meeting__"))
        )
        return self.filter(general | cases)


def research_window_open(today: dt.date | None = None) -> Q:
    """Meetings whose research list is open today: published, minutes not yet approved,
    and no more than MEETING_RESEARCH_DAYS_AFTER days past. On AgendaItem."""
    from meetings.models import MeetingStatus

    today = today or london_today()
    return Q(
        meeting__status__in=[MeetingStatus.PUBLISHED, MeetingStatus.HELD],
        meeting__published_at__isnull=False,
        meeting__date__gte=today - dt.timedelta(days=settings.MEETING_RESEARCH_DAYS_AFTER),
    )


def research_scope(user: User | None, today: dt.date | None = None) -> Q:
    """The research list scope, on AgendaItem: case items still on a published agenda
    whose research window is open, for the meeting's live representatives; the area's
    coordinators; auditors (read-only)."""
    from meetings.models import AgendaItemKind, AgendaItemStatus

    if not _active(user):
        return NOTHING
    base = Q(
        kind=AgendaItemKind.CASE,
        status__in=[AgendaItemStatus.PENDING, AgendaItemStatus.HEARD],
    ) & research_window_open(today)
    if user.is_auditor:
        return base
    who = NOTHING
    if user.coordinator_area_ids:
        who |= Q(meeting__area_id__in=user.coordinator_area_ids)
    if user.agency_id:
        who |= Q(_seat(user, "meeting_id"))
    return base & who


class ResearchListQuerySet(models.QuerySet):
    def visible_to(self, user: User | None, today: dt.date | None = None):
        return self.filter(research_scope(user, today))


class ResearchReturnQuerySet(models.QuerySet):
    def visible_to(self, user: User | None, today: dt.date | None = None):
        """Returns the user may read: their own agency's, while they hold a live seat and
        the window is open; every return on a case they may see; all for auditors."""
        if not _active(user):
            return self.none()
        if user.is_auditor:
            return self.all()
        scope = case_scope(user, "item__case__")
        if user.agency_id:
            from meetings.models import ResearchListEntry

            open_items = ResearchListEntry.objects.visible_to(user, today).filter(
                pk=OuterRef("item_id")
            )
            scope |= Q(agency_id=user.agency_id) & Q(Exists(open_items))
        return self.filter(scope)


class CaseDecisionQuerySet(models.QuerySet):
    def visible_to(self, user: User | None):
        if not _active(user):
            return self.none()
        if user.is_auditor:
            return self.all()
        return self.filter(case_scope(user, "case__") | chairs(user, "meeting__"))


def live_seats(user: User) -> models.QuerySet:
    """The meeting seats ``user`` holds live (representative of an agency they are still
    in): what puts meetings on their list and research on their work queue."""
    from meetings.models import MeetingMember

    if not _active(user) or not user.agency_id:
        return MeetingMember.objects.none()
    return MeetingMember.objects.filter(representative_id=user.pk, agency_id=user.agency_id)


def works_or_sits(user: User) -> tuple[bool, bool]:
    """For the navigation, in one query: whether the user is a live lead professional or
    owner of an open action (``cases.access.works_on_a_case``: My work), and whether they
    chair a meeting or hold a live seat at one (Meetings)."""
    from cases.access import live_lead_professionals, live_owned_actions
    from meetings.models import Meeting
    from panel.models import User

    if not _active(user) or user.is_auditor or not user.agency_id:
        return False, False
    leads = live_lead_professionals().filter(lead_professional_id=OuterRef("pk"))
    owns = live_owned_actions().filter(owner_id=OuterRef("pk"))
    meetings = Meeting.objects.filter(
        Q(police_chair_id=user.pk) | Q(local_authority_chair_id=user.pk) | Q(_seat(user, "pk"))
    )
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            works=Exists(leads) | Exists(owns),
            sits=Exists(meetings),
        )
        .values_list("works", "sits")
        .first()
    )
    return (bool(row[0]), bool(row[1])) if row else (False, False)

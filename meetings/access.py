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
  the area's coordinators and auditors (read-only) in the same window. Only case items
  still on the agenda (to be heard or heard). It never opens the case page: the case scope
  is untouched by it. After the window the returns stay with the meeting's record, read
  through ``ResearchReturn.visible_to``.
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


def research_window_open(today: dt.date | None = None, prefix: str = "meeting__") -> Q:
    """Meetings whose research list is open today, on a model reaching Meeting by
    ``prefix`` (``"meeting__"`` for an agenda item, ``""`` for Meeting): the agenda is
    published, the minutes are not approved, and the meeting was no more than
    MEETING_RESEARCH_DAYS_AFTER days ago (its last open day is
    ``Meeting.research_closes_at()``), whichever closes it first. A scheduled meeting (not
    yet published) and a cancelled one have no research list."""
    from meetings.models import MeetingStatus

    today = today or london_today()
    return Q(
        **{
            f"{prefix}status__in": [MeetingStatus.PUBLISHED, MeetingStatus.HELD],
            f"{prefix}published_at__isnull": False,
            # Approval closes the list even if the status has not moved on yet.
            f"{prefix}approved_at__isnull": True,
            f"{prefix}date__gte": today - dt.timedelta(days=settings.MEETING_RESEARCH_DAYS_AFTER),
        }
    )


def research_access(user: User | None, today: dt.date | None = None, prefix: str = "") -> Q:
    """The meetings whose research list ``user`` may open today, on a model reaching
    Meeting by ``prefix``: the window is open (``research_window_open``) and the user is
    one of the meeting's live representatives (``_seat``: named for a member agency they
    are still in, with an active account), a coordinator of its area, or an auditor
    (read-only). Nobody else: not an agency lead of a member agency who is not its named
    representative, not a co-chair as such, not staff."""
    if not _active(user):
        return NOTHING
    window = research_window_open(today, prefix)
    if user.is_auditor:
        return window
    who = NOTHING
    if user.coordinator_area_ids:
        who |= Q(**{f"{prefix}area_id__in": user.coordinator_area_ids})
    if user.agency_id:
        who |= Q(_seat(user, f"{prefix}id" if prefix else "pk"))
    return window & who


def research_scope(user: User | None, today: dt.date | None = None) -> Q:
    """The research list scope, on AgendaItem: the case items still on the agenda (to be
    heard or heard; not withdrawn or moved away) of the meetings whose research list the
    user may open today (``research_access``). It is its own scope: it adds nothing to
    ``case_scope``, so it never opens the case page, the child page or the case API."""
    from meetings.models import AgendaItem, AgendaItemKind

    if not _active(user):
        return NOTHING
    return Q(
        kind=AgendaItemKind.CASE,
        case__isnull=False,
        meeting__isnull=False,
        status__in=list(AgendaItem.ACTIVE_STATUSES),
    ) & research_access(user, today, "meeting__")


def research_meetings(user: User | None, today: dt.date | None = None) -> models.QuerySet:
    """The meetings whose research list ``user`` may open today."""
    from meetings.models import Meeting

    return Meeting.objects.filter(research_access(user, today))


def seat_meetings(user: User | None, today: dt.date | None = None) -> models.QuerySet:
    """The meetings with an open research list at which ``user`` holds a live seat: where
    they record their agency's returns (coordinators and auditors read, they do not)."""
    from meetings.models import Meeting

    if not _active(user) or not user.agency_id:
        return Meeting.objects.none()
    return Meeting.objects.filter(research_window_open(today, ""), _seat(user, "pk"))


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
            open_items = _seat_items(user, today)
            scope |= Q(agency_id=user.agency_id) & Q(Exists(open_items))
        return self.filter(scope)


def _seat_items(user: User, today: dt.date | None) -> models.QuerySet:
    """The open research-list items at which ``user`` holds a live seat, correlated with a
    research return's ``item_id`` (their agency's own returns, nobody else's)."""
    from meetings.models import AgendaItem, AgendaItemKind

    return AgendaItem.objects.filter(
        Q(
            kind=AgendaItemKind.CASE,
            meeting__isnull=False,
            status__in=list(AgendaItem.ACTIVE_STATUSES),
        )
        & research_window_open(today)
        & Q(_seat(user, "meeting_id")),
        pk=OuterRef("item_id"),
    )


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

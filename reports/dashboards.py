"""The home page as a work queue: for each of the user's roles, the figures that say what
is waiting for them, each a link to the filtered list that makes it up.

**A figure and its list count the same rows.** Every figure here is counted with the very
selector and filter code its list uses, given the very parameters of the link:

- the triage queue: ``cases.selectors.triage_waiting`` (``?immediate=1``);
- the case list: ``CaseFilterForm(params).filter(selectors.case_list(user))``;
- reviews due: ``ReviewsDueFilterForm(params).filter(selectors.reviews_due(user))``
  (``?due=overdue|week``);
- My work: ``MyWorkFilterForm(params).actions()`` (``?due=overdue|soon&agency=<id>``) and
  ``selectors.work_cases``;
- a meeting's agenda: ``meetings.views.meetings.agenda_counts``; the research list:
  ``meetings.selectors.missing_research_returns`` and ``seat_research_lists``;
- My referrals: ``cases.selectors.my_referrals`` (``?status=submitted``);
- the audit search: ``audit.selectors.search`` counted by ``audit.paging.capped_count``.

tests/reports/test_dashboard_links.py follows every figure's link and checks the list's
total against it, and fails for a figure it has no reader for.

**Scoped** (DESIGN rule 8): each of those starts from the user's own ``visible_to`` scope,
so no figure counts what the user could not open. **Fast**: each figure is one aggregate
(``COUNT``) over indexed columns, never rows fetched to be counted; the number of queries
depends on the user's roles, never on the number of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.urls import reverse

from audit.models import AuditEvent, VerificationRun
from audit.paging import COUNT_CAP, capped_count
from audit.selectors import EventFilter, search
from cases import selectors
from cases.access import record_list
from cases.forms.actions import OVERDUE as ACTION_OVERDUE
from cases.forms.actions import SOON, MyWorkFilterForm
from cases.forms.cases import CaseFilterForm
from cases.forms.reviews import OVERDUE as REVIEW_OVERDUE
from cases.forms.reviews import THIS_WEEK, ReviewsDueFilterForm
from cases.models import Case, Referral
from meetings import access as meeting_access
from meetings.models import Meeting, MeetingStatus
from meetings.selectors import missing_research_returns, seat_research_lists
from panel.dates import LONDON, london_today
from panel.models import User

# How far back the auditor's "recent" figures look: today and the six days before it.
AUDIT_RECENT_DAYS = 7
# How many of a referrer's own referrals the home page shows.
RECENT_REFERRALS = 5


@dataclass(frozen=True)
class Figure:
    """One number on the home page and the list it links to. ``key`` names the figure for
    the page (``data-figure``) and its test; ``capped``: the count stopped at
    ``audit.paging.COUNT_CAP`` (shown as "more than"), as the audit search says it."""

    key: str
    label: str
    count: int
    url: str
    capped: bool = False

    @property
    def text(self) -> str:
        return f"More than {COUNT_CAP:,}" if self.capped else f"{self.count:,}"


def _url(name: str, params: Mapping[str, object] | None = None, args: tuple = ()) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(params)}" if params else url


def _params(params: Mapping[str, object]) -> dict[str, str]:
    """The link's query as a form receives it (strings)."""
    return {key: str(value) for key, value in params.items()}


# --- Coordinator -----------------------------------------------------------------------


@dataclass
class NextMeeting:
    meeting: Meeting
    agenda: Figure
    research_open: bool
    # Research returns not yet made for its list (None: the list is not open yet).
    research_missing: Figure | None = None
    missing_by_agency: list[dict] = field(default_factory=list)


@dataclass
class CoordinatorQueue:
    triage_immediate: Figure
    triage: Figure
    oldest_days: int | None
    awaiting_panel: Figure
    reviews_overdue: Figure
    reviews_week: Figure
    actions_overdue: Figure
    actions_by_agency: list[Figure]
    next_meeting: NextMeeting | None

    def figures(self) -> Iterator[Figure]:
        yield self.triage_immediate
        yield self.triage
        yield self.awaiting_panel
        yield self.reviews_overdue
        yield self.reviews_week
        yield self.actions_overdue
        yield from self.actions_by_agency
        if self.next_meeting is not None:
            yield self.next_meeting.agenda
            if self.next_meeting.research_missing is not None:
                yield self.next_meeting.research_missing


def case_list_figure(user: User, key: str, label: str, params: Mapping[str, object]) -> Figure:
    """How many cases the case list shows with ``params``: its own selector and filter."""
    areas, agencies = selectors.case_filter_choices(user)
    form = CaseFilterForm(_params(params), areas=areas, agencies=agencies)
    count = form.filter(selectors.case_list(user)).count()
    return Figure(key, label, count, _url("cases:case-list", params))


def _reviews_figure(user: User, key: str, label: str, due: str, today: dt.date) -> Figure:
    params = {"due": due}
    form = ReviewsDueFilterForm(_params(params), user=user)
    count = form.filter(selectors.reviews_due(user), today).count()
    return Figure(key, label, count, _url("cases:reviews-due", params))


def _work_figure(user: User, key: str, label: str, params: Mapping[str, object]) -> Figure:
    count = MyWorkFilterForm(_params(params), user=user).actions().count()
    return Figure(key, label, count, _url("cases:my-work", params))


def _actions_by_agency(user: User) -> list[Figure]:
    """Overdue actions by owning agency, one query: the rows My work's agency filter offers
    (the agencies of the user's areas), each linking to it filtered to that agency."""
    form = MyWorkFilterForm(_params({"due": ACTION_OVERDUE}), user=user)
    if "agency" not in form.fields:
        return []
    rows = (
        form.actions()
        .filter(owning_agency__in=form.fields["agency"].queryset.values("pk"))
        .order_by()
        .values("owning_agency_id", "owning_agency__name")
        .annotate(n=Count("pk"))
        .order_by("owning_agency__name", "owning_agency_id")
    )
    return [
        Figure(
            f"actions_overdue_agency_{row['owning_agency_id']}",
            row["owning_agency__name"],
            row["n"],
            _url("cases:my-work", {"due": ACTION_OVERDUE, "agency": row["owning_agency_id"]}),
        )
        for row in rows
    ]


def _next_meeting(user: User, today: dt.date) -> NextMeeting | None:
    """The soonest meeting still to come in the user's areas (not cancelled), with its
    agenda counted as its page counts it and, once its research list is open, the returns
    member agencies have not yet made."""
    from meetings.views.meetings import agenda_counts

    research_open = meeting_access.research_meetings(user, today).filter(pk=OuterRef("pk"))
    meeting = (
        Meeting.objects.visible_to(user)
        .filter(area_id__in=user.coordinator_area_ids, date__gte=today)
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("area")
        .annotate(research_open=Exists(research_open))
        .order_by("date", "start_time", "pk")
        .first()
    )
    if meeting is None:
        return None
    counts = agenda_counts(meeting, user)
    url = _url("meetings:meeting-detail", args=(meeting.pk,))
    agenda = Figure("meeting_agenda", "Items on the agenda", sum(counts.values()), url)
    found = NextMeeting(meeting=meeting, agenda=agenda, research_open=meeting.research_open)
    if meeting.research_open:
        missing = missing_research_returns(user, meeting.pk)
        found.missing_by_agency = missing
        found.research_missing = Figure(
            "research_missing",
            "Research returns not yet made",
            sum(row["missing"] for row in missing),
            _url("meetings:research-list", args=(meeting.pk,)),
        )
    return found


def coordinator_queue(user: User, today: dt.date) -> CoordinatorQueue:
    """What waits for a coordinator in the areas they coordinate. Queries: triage (one),
    awaiting panel, reviews overdue, reviews this week, actions overdue, actions overdue by
    agency (one each), the next meeting, its agenda counts and, when its research list is
    open, the returns missing (one each)."""
    waiting = selectors.triage_waiting(user).aggregate(
        total=Count("pk"),
        immediate=Count("pk", filter=Q(immediate_risk=True)),
        oldest=Min("referred_at"),
    )
    oldest = waiting["oldest"]
    oldest_days = (today - oldest.astimezone(LONDON).date()).days if oldest else None
    return CoordinatorQueue(
        triage_immediate=Figure(
            "triage_immediate",
            "At immediate risk",
            waiting["immediate"],
            _url("cases:triage-queue", {"immediate": 1}),
        ),
        triage=Figure(
            "triage", "Referrals awaiting triage", waiting["total"], _url("cases:triage-queue")
        ),
        oldest_days=oldest_days,
        awaiting_panel=case_list_figure(
            user, "awaiting_panel", "Cases awaiting panel", {"status": Case.Status.AWAITING_PANEL}
        ),
        reviews_overdue=_reviews_figure(
            user, "reviews_overdue", "Reviews overdue", REVIEW_OVERDUE, today
        ),
        reviews_week=_reviews_figure(
            user, "reviews_week", "Reviews due this week", THIS_WEEK, today
        ),
        actions_overdue=_work_figure(
            user, "actions_overdue", "Actions overdue", {"due": ACTION_OVERDUE}
        ),
        actions_by_agency=_actions_by_agency(user),
        next_meeting=_next_meeting(user, today),
    )


# --- Agency lead -----------------------------------------------------------------------


@dataclass
class AgencyLeadQueue:
    actions_overdue: Figure
    actions_soon: Figure
    lead_open: Figure
    lead_awaiting: Figure

    def figures(self) -> Iterator[Figure]:
        yield from (self.actions_overdue, self.actions_soon, self.lead_open, self.lead_awaiting)


def agency_lead_queue(user: User) -> AgencyLeadQueue:
    """Their agency's actions overdue and due in the next 7 days (My work), and the cases
    they are lead professional on, open and awaiting panel (the case list filtered by
    ``lead_professional``). Four queries."""
    lead = {"lead_professional": user.pk}
    return AgencyLeadQueue(
        actions_overdue=_work_figure(
            user, "lead_actions_overdue", "Actions overdue", {"due": ACTION_OVERDUE}
        ),
        actions_soon=_work_figure(
            user, "lead_actions_soon", "Actions due in the next 7 days", {"due": SOON}
        ),
        lead_open=case_list_figure(
            user,
            "lead_professional_open",
            "Open cases you are lead professional on",
            {**lead, "status": Case.Status.OPEN},
        ),
        lead_awaiting=case_list_figure(
            user,
            "lead_professional_awaiting",
            "Cases awaiting panel you are lead professional on",
            {**lead, "status": Case.Status.AWAITING_PANEL},
        ),
    )


# --- Research lists (anyone holding a seat at a meeting) ---------------------------------


@dataclass
class ResearchQueue:
    to_return: Figure
    lists: int

    def figures(self) -> Iterator[Figure]:
        yield self.to_return


def research_queue(user: User) -> ResearchQueue | None:
    """The research returns the user's agency still has to make, at the meetings where
    they hold a live seat (None: no open list). One query."""
    meetings = list(seat_research_lists(user))
    if not meetings:
        return None
    return ResearchQueue(
        to_return=Figure(
            "research_to_return",
            "Research returns your agency has to make",
            sum(m.to_return for m in meetings),
            _url("meetings:my-research"),
        ),
        lists=len(meetings),
    )


# --- Auditor -----------------------------------------------------------------------------


@dataclass
class AuditorQueue:
    since: dt.date
    denied: Figure
    exported: Figure
    last_run: VerificationRun | None

    def figures(self) -> Iterator[Figure]:
        yield from (self.denied, self.exported)


def _audit_figure(key: str, label: str, verb: str, since: dt.date) -> Figure:
    params = {"verb": verb, "date_from": since.isoformat()}
    count = capped_count(search(EventFilter(verb=verb, date_from=since)))
    return Figure(
        key, label, min(count, COUNT_CAP), _url("audit:search", params), count > COUNT_CAP
    )


def auditor_queue(today: dt.date) -> AuditorQueue:
    """Refusals and exports recorded in the last 7 days (the audit search, counted as it
    counts), and the last verification of the chain. Three queries."""
    since = today - dt.timedelta(days=AUDIT_RECENT_DAYS - 1)
    return AuditorQueue(
        since=since,
        denied=_audit_figure("audit_denied", "Denied attempts", AuditEvent.Verb.DENIED, since),
        exported=_audit_figure("audit_exported", "Exports", AuditEvent.Verb.EXPORTED, since),
        last_run=VerificationRun.objects.order_by("-finished_at", "-id").first(),
    )


# --- Referrer ----------------------------------------------------------------------------


@dataclass
class ReferrerQueue:
    made: Figure
    waiting: Figure
    recent: list[Referral]

    def figures(self) -> Iterator[Figure]:
        yield from (self.made, self.waiting)


def referrer_queue(user: User, *, list_name: str) -> ReferrerQueue:
    """The referrals the user made (My referrals), those still awaiting triage, and the
    latest few with their outcome: the rows shown are recorded as one ``listed`` event.
    Three queries, and the audit event."""
    counts = selectors.my_referrals(user).aggregate(
        made=Count("pk"), waiting=Count("pk", filter=Q(status=Referral.Status.SUBMITTED))
    )
    recent = record_list(
        user,
        selectors.my_referrals(user)[:RECENT_REFERRALS],
        list_name=list_name,
        model=Referral,
    )
    return ReferrerQueue(
        made=Figure(
            "referrals_made", "Referrals you have made", counts["made"], _url("cases:referral-list")
        ),
        waiting=Figure(
            "referrals_waiting",
            "Waiting for the panel's decision",
            counts["waiting"],
            _url("cases:referral-list", {"status": Referral.Status.SUBMITTED}),
        ),
        recent=recent,
    )


# --- People doing the work without a panel role ------------------------------------------


@dataclass
class WorkQueue:
    cases: Figure

    def figures(self) -> Iterator[Figure]:
        yield self.cases


def work_queue(user: User) -> WorkQueue | None:
    """For a lead professional or an action's owner without a coordinator or agency lead
    role: the cases they work on (My work). One query; None when there are none."""
    count = selectors.work_cases(user).count()
    if not count:
        return None
    return WorkQueue(cases=Figure("work_cases", "Cases you work on", count, _url("cases:my-work")))


# --- The whole page ------------------------------------------------------------------------


@dataclass
class Dashboard:
    coordinator: CoordinatorQueue | None = None
    agency_lead: AgencyLeadQueue | None = None
    research: ResearchQueue | None = None
    auditor: AuditorQueue | None = None
    referrer: ReferrerQueue | None = None
    work: WorkQueue | None = None
    today: dt.date = field(default_factory=london_today)

    @property
    def panel_role(self) -> bool:
        """Whether the user works the panel (coordinator, agency lead or auditor): for them
        the page is the work queue and the numbers to call sit in a corner."""
        return bool(self.coordinator or self.agency_lead or self.auditor)

    def figures(self) -> Iterator[Figure]:
        """Every figure on the page, each with its link."""
        for queue in (
            self.coordinator,
            self.agency_lead,
            self.research,
            self.auditor,
            self.referrer,
            self.work,
        ):
            if queue is not None:
                yield from queue.figures()


def build_dashboard(user: User, *, list_name: str = "home") -> Dashboard:
    """The home page's work queues for ``user``: a section for each of their roles (a user
    with several roles sees each), the research lists they hold a seat on, and for someone
    who works on cases without a panel role, those cases. Staff and inactive accounts read
    no case data, so they get none. Only the referrer's latest referrals name records: they
    are recorded as one ``listed`` event (``list_name``); the figures are counts."""
    today = london_today()
    board = Dashboard(today=today)
    if not (user.is_authenticated and user.is_active) or user.is_staff or user.is_superuser:
        return board
    if user.coordinator_area_ids:
        board.coordinator = coordinator_queue(user, today)
    if user.is_agency_lead and user.agency_id:
        board.agency_lead = agency_lead_queue(user)
    if user.agency_id and not user.is_auditor:
        board.research = research_queue(user)
    if user.is_auditor:
        board.auditor = auditor_queue(today)
    if user.is_referrer:
        board.referrer = referrer_queue(user, list_name=list_name)
    if (
        user.agency_id
        and not user.is_auditor
        and not user.coordinator_area_ids
        and not user.is_agency_lead
    ):
        board.work = work_queue(user)
    return board

"""The load runner's catalogue: every page and API list/detail it measures, for which roles,
and how it finds the ids to open.

Each ``Page`` names a URL by its name (``namespace:name``, as ``reverse`` takes it), the
roles it is measured for, and a finder that picks the record to open *as that user*, through
the models' ``visible_to(user)`` scopes: never a fixed id, so the catalogue works on any data
set (seed_demo, the generator's, a copy of production). A finder returning ``None`` means
the data set holds no such record for that user: the row says so instead of failing.

A page that answers anything but 2xx for a role it is catalogued for is a mistake here (or a
scoping bug): fix the roles or the finder. Later issues that add a page add it here;
tests/bench/test_pages.py fails when a named URL is neither catalogued nor in ``EXCLUDED``
(with the reason it is not measured).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

COORDINATOR = "coordinator"
AGENCY_LEAD = "agency lead"
PRACTITIONER = "practitioner"
REFERRER = "referrer"
AUDITOR = "auditor"
ROLES = (COORDINATOR, AGENCY_LEAD, PRACTITIONER, REFERRER, AUDITOR)

EVERYONE = ROLES
CASE_READERS = (COORDINATOR, AGENCY_LEAD, PRACTITIONER, AUDITOR)
PANEL = (COORDINATOR, AGENCY_LEAD, AUDITOR)
MEETING_READERS = (COORDINATOR, AGENCY_LEAD, AUDITOR)

Finder = Callable[[Any], "dict[str, Any] | None"]
Query = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class Page:
    label: str
    url_name: str
    roles: tuple[str, ...]
    find: Finder | None = None
    query: str | Query = ""
    api: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def kwargs(self, user) -> dict[str, Any] | None:
        return {} if self.find is None else self.find(user)

    def querystring(self, user) -> str | None:
        return self.query(user) if callable(self.query) else self.query


# --- Finders: the record a user would open, through their own scope ---------------------


def newest_disruption(user):
    from intelligence.models import Disruption

    return _first(Disruption.objects.visible_to(user).order_by("-date", "-pk"), pk=lambda d: d.pk)


def _first(queryset, **kwargs_from_row) -> dict[str, Any] | None:
    row = queryset.first()
    if row is None:
        return None
    return {name: getter(row) for name, getter in kwargs_from_row.items()}


def newest_case(user):
    from cases.models import Case

    return _first(Case.objects.visible_to(user).order_by("-opened_at", "-pk"), pk=lambda c: c.pk)


_LARGEST: dict[int, dict[str, Any] | None] = {}


def largest_case(user):
    """The visible case with the longest history (actions, notes, assessments, reviews and
    transitions: what its chronology shows), counted per source over the user's scope; once
    per user (a GROUP BY at 100,000 cases)."""
    if user.pk not in _LARGEST:
        _LARGEST[user.pk] = _largest_case(user)
    return _LARGEST[user.pk]


def _largest_case(user):
    from collections import Counter

    from cases.models import Action, Case, CaseNote, CaseTransition, Review, RiskAssessment

    sizes: Counter[int] = Counter()
    visible = Case.objects.visible_to(user).values("pk")
    for model in (Action, CaseNote, CaseTransition, Review, RiskAssessment):
        from django.db.models import Count

        rows = (
            model.objects.filter(case__in=visible)
            .values("case_id")
            .annotate(n=Count("pk"))
            .order_by("-n")[:20]
        )
        for row in rows:
            sizes[row["case_id"]] += row["n"]
    if not sizes:
        return newest_case(user)
    return {"pk": sizes.most_common(1)[0][0]}


def earlier_entries(user) -> str | None:
    """The "Show earlier entries" request of the largest case's page: the cursor its first
    page links to (None when its whole history fits on one page)."""
    from django.conf import settings

    from cases.chronology import page
    from cases.models import Case

    found = largest_case(user)
    if found is None:
        return None
    first = page(Case.objects.get(pk=found["pk"]), size=settings.CASE_CHRONOLOGY_PAGE_SIZE)
    return None if first.earlier is None else f"before={first.earlier.encode()}"


def child_of_newest_case(user):
    from cases.models import Child

    return _first(Child.objects.visible_to(user).order_by("-pk"), pk=lambda c: c.pk)


def child_coordinated(user):
    """The newest child of the coordinator's areas: one whose details they may change."""
    from cases.models import Child

    return _first(
        Child.objects.visible_to(user)
        .filter(area_id__in=user.coordinator_area_ids)
        .order_by("-pk"),
        pk=lambda c: c.pk,
    )


def newest_referral(user):
    from cases.models import Referral

    return _first(
        Referral.objects.visible_to(user).order_by("-referred_at", "-pk"), pk=lambda r: r.pk
    )


def referral_awaiting_triage(user):
    from cases.models import Referral

    return _first(
        Referral.objects.visible_to(user)
        .filter(status=Referral.Status.SUBMITTED, area_id__in=user.coordinator_area_ids)
        .order_by("referred_at", "pk"),
        pk=lambda r: r.pk,
    )


def open_action(user):
    from cases.models import Action

    return _first(
        Action.objects.visible_to(user).filter(status__in=Action.OPEN_STATUSES).order_by("-pk"),
        pk=lambda a: a.pk,
    ) or _first(Action.objects.visible_to(user).order_by("-pk"), pk=lambda a: a.pk)


def any_action(user):
    from cases.models import Action

    return _first(Action.objects.visible_to(user).order_by("-pk"), pk=lambda a: a.pk)


def upcoming_review_coordinated(user):
    from cases.models import Review

    return _first(
        Review.objects.visible_to(user)
        .filter(status=Review.Status.UPCOMING, case__area_id__in=user.coordinator_area_ids)
        .order_by("due_date", "pk"),
        pk=lambda r: r.pk,
    )


def any_review(user):
    from cases.models import Review

    return _first(Review.objects.visible_to(user).order_by("-pk"), pk=lambda r: r.pk)


def any_assessment(user):
    from cases.models import RiskAssessment

    return _first(RiskAssessment.objects.visible_to(user).order_by("-pk"), pk=lambda a: a.pk)


def any_area(user):
    from panel.models import Area

    area_ids = sorted(user.coordinator_area_ids)
    if area_ids:
        return {"pk": area_ids[0]}
    return _first(Area.objects.order_by("pk"), pk=lambda a: a.pk)


def coordinated_area(user):
    area_ids = sorted(user.coordinator_area_ids)
    return {"area_pk": area_ids[0]} if area_ids else None


def coordinated_area_pk(user):
    area_ids = sorted(user.coordinator_area_ids)
    return {"pk": area_ids[0]} if area_ids else None


def any_risk_tool(user):
    from cases.models import RiskTool

    return _first(RiskTool.objects.order_by("pk"), pk=lambda t: t.pk)


def _busiest_meetings(user):
    """The user's visible meetings, the one with the most agenda items first."""
    from django.db.models import Count

    from meetings.models import Meeting

    return (
        Meeting.objects.visible_to(user)
        .annotate(n_items=Count("items"))
        .order_by("-n_items", "-date", "-pk")
    )


def busiest_meeting(user):
    return _first(_busiest_meetings(user), pk=lambda m: m.pk)


def own_report_export(user):
    """The user's newest report export (an export is its requester's alone)."""
    from reports.models import ReportExport

    return _first(ReportExport.objects.filter(requested_by=user), pk=lambda e: e.pk)


def busiest_meeting_api(user):
    return _first(_busiest_meetings(user), meeting_pk=lambda m: m.pk)


def meeting_with_minutes(user):
    meetings = _busiest_meetings(user).filter(minutes__isnull=False)
    return _first(meetings, pk=lambda m: m.pk) or busiest_meeting(user)


def approved_minutes_api(user):
    """A meeting whose minutes are approved (before that the minutes PDF answers 409)."""
    from meetings.models import Minutes

    meetings = _busiest_meetings(user).filter(minutes__status=Minutes.Status.APPROVED)
    return _first(meetings, meeting_pk=lambda m: m.pk)


def heard_item(user):
    """A case item of the busiest meeting the user may see, for the hearing's item page."""
    from meetings.models import AgendaItem

    meeting = busiest_meeting(user)
    if meeting is None:
        return None
    item = (
        AgendaItem.objects.visible_to(user)
        .filter(meeting_id=meeting["pk"], case__isnull=False)
        .order_by("pk")
        .first()
    )
    return None if item is None else {"pk": meeting["pk"], "item_pk": item.pk}


def attendance_row(user):
    from meetings.models import MeetingMember

    meeting = busiest_meeting(user)
    if meeting is None:
        return None
    member = MeetingMember.objects.filter(meeting_id=meeting["pk"]).order_by("pk").first()
    return None if member is None else {"meeting_pk": meeting["pk"], "pk": member.pk}


def meeting_decision(user):
    from meetings.models import CaseDecision

    decision = CaseDecision.objects.visible_to(user).order_by("-pk").first()
    return None if decision is None else {"meeting_pk": decision.meeting_id, "pk": decision.pk}


def research_return(user):
    from meetings.models import ResearchReturn

    row = ResearchReturn.objects.visible_to(user).select_related("item").order_by("-pk").first()
    return None if row is None else {"meeting_pk": row.item.meeting_id, "pk": row.pk}


def audit_event(user):
    from audit.models import AuditEvent

    return _first(AuditEvent.objects.order_by("-pk"), pk=lambda e: e.pk)


# --- Query strings ---------------------------------------------------------------------


def case_list_filter(user) -> str:
    return "status=open&risk=high"


def _search_for(child) -> str | None:
    """Part of a child's name as someone would type it: the first four letters of the
    last name's folded key (in a generated data set, a part many children share)."""
    from urllib.parse import urlencode

    part = child.last_name_key[:4] if child is not None else ""
    return urlencode({"q": part}) if part else None


def search_name_part(user) -> str | None:
    """Search the case list (web or API) for part of a name from the user's own cases."""
    from cases.models import Case

    case = (
        Case.objects.visible_to(user).select_related("child").order_by("-opened_at", "-pk").first()
    )
    return _search_for(case.child if case else None)


def search_child_name_part(user) -> str | None:
    """Search the API's children for part of a name of a child the user may see."""
    from cases.models import Child

    return _search_for(Child.objects.visible_to(user).order_by("-pk").first())


def search_date_of_birth(user) -> str | None:
    """Search the case list for the date of birth of a child of the user's cases, typed
    day first."""
    from urllib.parse import urlencode

    from cases.models import Case

    case = (
        Case.objects.visible_to(user).select_related("child").order_by("-opened_at", "-pk").first()
    )
    return None if case is None else urlencode({"q": f"{case.child.date_of_birth:%d/%m/%Y}"})


def case_list_lead_professional(user) -> str | None:
    """The case list filtered as an agency lead or coordinator would to see one person's
    cases: the lead professional of the newest case the user sees, with a review range."""
    from cases.models import Case

    case = (
        Case.objects.visible_to(user)
        .filter(lead_professional__isnull=False)
        .order_by("-opened_at", "-pk")
        .first()
    )
    if case is None:
        return None
    return (
        f"lead_professional={case.lead_professional_id}"
        "&review_due_from=2020-01-01&review_due_to=2035-12-31&sort=next_review"
    )


def audit_by_person(user) -> str | None:
    """Search the trail for a person who did things, chosen as the page chooses one (by
    their account's id): the newest event's actor."""
    from audit.models import AuditEvent

    event = AuditEvent.objects.filter(actor__isnull=False).order_by("-pk").first()
    return None if event is None else f"actor={event.actor_id}"


def audit_by_reference(user) -> str | None:
    from cases.models import Case

    case = Case.objects.visible_to(user).order_by("-opened_at", "-pk").first()
    return None if case is None else f"case_reference={case.reference.lower()}"


def audit_recent_denied(user) -> str:
    """The home page's "denied attempts" figure: refusals of the last 7 days."""
    import datetime as dt

    from panel.dates import london_today

    return f"verb=denied&date_from={london_today() - dt.timedelta(days=6)}"


# --- The catalogue ---------------------------------------------------------------------


# intelligence: records
def _intelligence_first(model_name: str, user):
    from intelligence import models

    model = getattr(models, model_name)
    return _first(model.objects.visible_to(user).order_by("pk"), pk=lambda r: r.pk)


def any_person(user):
    return _intelligence_first("PersonOfConcern", user)


def any_location(user):
    return _intelligence_first("Location", user)


def any_vehicle(user):
    return _intelligence_first("Vehicle", user)


def any_merge(user):
    return _intelligence_first("Merge", user)


WEB: list[Page] = [
    Page("home", "home", EVERYONE),
    Page("your account", "account", EVERYONE),
    Page("API tokens", "account-tokens", EVERYONE),
    Page("two-factor sign-in", "account-mfa", EVERYONE),
    Page("case list", "cases:case-list", PANEL),
    Page("case list, filtered", "cases:case-list", PANEL, query=case_list_filter),
    Page("case list, search by name", "cases:case-list", PANEL, query=search_name_part),
    Page("case list, search by birth date", "cases:case-list", PANEL, query=search_date_of_birth),
    # The case list's orders (cases.selectors.sort_cases) and its newer filters.
    Page("case list, by risk", "cases:case-list", PANEL, query="sort=-risk"),
    Page("case list, by status", "cases:case-list", PANEL, query="sort=status"),
    Page("case list, by child", "cases:case-list", PANEL, query="sort=child"),
    Page("case list, by lead agency", "cases:case-list", PANEL, query="sort=lead_agency&page=3"),
    Page("case list, by next review", "cases:case-list", PANEL, query="sort=next_review"),
    Page("case list, by open actions", "cases:case-list", PANEL, query="sort=-open_actions"),
    Page("case list, overdue actions", "cases:case-list", PANEL, query="overdue_actions=1"),
    Page("case list, 16-17", "cases:case-list", PANEL, query="age_band=16_17&sort=age"),
    Page(
        "case list, lead professional",
        "cases:case-list",
        PANEL,
        query=case_list_lead_professional,
    ),
    Page("case page", "cases:case-detail", CASE_READERS, newest_case),
    Page("case page, largest", "cases:case-detail", CASE_READERS, largest_case),
    Page(
        "case page, earlier entries",
        "cases:case-chronology",
        CASE_READERS,
        largest_case,
        query=earlier_entries,
    ),
    Page("child page", "cases:child-detail", EVERYONE, child_of_newest_case),
    # The form's GET reads the child (viewed) and its current details: measured.
    Page("child details form", "cases:child-details", (COORDINATOR,), child_coordinated),
    Page("referrals", "cases:referral-list", EVERYONE),
    Page(
        "referrals, awaiting triage", "cases:referral-list", (REFERRER,), query="status=submitted"
    ),
    # A coordinator opening a referral of their area is sent to its triage page (measured
    # as the triage page), so the referral page is for the others.
    Page(
        "referral page",
        "cases:referral-detail",
        (AGENCY_LEAD, PRACTITIONER, REFERRER, AUDITOR),
        newest_referral,
    ),
    Page("triage queue", "cases:triage-queue", (COORDINATOR,)),
    # The home page's figures link to these filtered lists (reports/dashboards.py).
    Page("triage queue, immediate risk", "cases:triage-queue", (COORDINATOR,), query="immediate=1"),
    Page("triage page", "cases:triage-detail", (COORDINATOR,), referral_awaiting_triage),
    Page("My work", "cases:my-work", (COORDINATOR, AGENCY_LEAD, PRACTITIONER)),
    Page("My work, overdue", "cases:my-work", (COORDINATOR, AGENCY_LEAD), query="due=overdue"),
    Page("My work, due soon", "cases:my-work", (AGENCY_LEAD,), query="due=soon"),
    Page("action page", "cases:action-detail", CASE_READERS, open_action),
    Page("reviews due", "cases:reviews-due", (COORDINATOR,)),
    Page("reviews due, overdue", "cases:reviews-due", (COORDINATOR,), query="due=overdue"),
    Page("reviews due, this week", "cases:reviews-due", (COORDINATOR,), query="due=week"),
    Page("review page", "cases:review-hold", (COORDINATOR,), upcoming_review_coordinated),
    Page("notifications", "notifications:list", EVERYONE),
    Page("audit search", "audit:search", (AUDITOR,)),
    Page("audit search, by person", "audit:search", (AUDITOR,), query=audit_by_person),
    Page("audit search, by reference", "audit:search", (AUDITOR,), query=audit_by_reference),
    Page("audit search, denied 7 days", "audit:search", (AUDITOR,), query=audit_recent_denied),
    Page("case audit history", "audit:case-history", (AUDITOR,), largest_case),
    Page("who viewed this child", "audit:child-viewers", (AUDITOR,), child_of_newest_case),
    Page("meetings", "meetings:meeting-list", MEETING_READERS),
    Page("meeting page", "meetings:meeting-detail", MEETING_READERS, busiest_meeting),
    Page("meeting calendar (.ics)", "meetings:meeting-ics", MEETING_READERS, busiest_meeting),
    Page("meeting members", "meetings:meeting-members", (COORDINATOR,), busiest_meeting),
    Page("standing members", "meetings:standing-members", (COORDINATOR,), coordinated_area_pk),
    Page("to be scheduled", "meetings:to-be-scheduled", (COORDINATOR,), coordinated_area),
    Page("agenda", "meetings:agenda", MEETING_READERS, busiest_meeting),
    Page("research list", "meetings:research-list", MEETING_READERS, busiest_meeting),
    Page("my research", "meetings:my-research", MEETING_READERS),
    Page("attendance", "meetings:attendance", (COORDINATOR,), busiest_meeting),
    Page("declarations", "meetings:declarations", (COORDINATOR,), busiest_meeting),
    Page("hearing", "meetings:hearing", (COORDINATOR,), busiest_meeting),
    Page("hearing, an item", "meetings:hearing-item", (COORDINATOR,), heard_item),
    Page("ratification", "meetings:ratify", (COORDINATOR,), busiest_meeting),
    Page("minutes", "meetings:minutes", MEETING_READERS, meeting_with_minutes),
    Page("pack page", "meetings:pack", MEETING_READERS, busiest_meeting),
    # The current financial quarter, every area the reader may report on (an auditor's:
    # all of them, with the by-area table).
    Page("partnership report", "reports:partnership", (COORDINATOR, AUDITOR)),
    Page("report exports", "reports:export-list", (COORDINATOR, AUDITOR)),
    Page("report export, choose", "reports:export-new", (COORDINATOR, AUDITOR)),
    Page("report export page", "reports:export-detail", (COORDINATOR, AUDITOR), own_report_export),
    # intelligence: records
    Page("persons of concern", "intelligence:person-list", (COORDINATOR, AUDITOR)),
    Page("person of concern", "intelligence:person-detail", (COORDINATOR, AUDITOR), any_person),
    Page("locations", "intelligence:location-list", (COORDINATOR, AUDITOR)),
    Page("location", "intelligence:location-detail", (COORDINATOR, AUDITOR), any_location),
    Page("vehicles", "intelligence:vehicle-list", (COORDINATOR, AUDITOR)),
    Page(
        "vehicles, partial registration",
        "intelligence:vehicle-list",
        (COORDINATOR, AUDITOR),
        query="registration=*1*",
    ),
    Page("vehicle", "intelligence:vehicle-detail", (COORDINATOR, AUDITOR), any_vehicle),
    Page("merge", "intelligence:merge-detail", (COORDINATOR, AUDITOR), any_merge),
    # intelligence: links
    # (finders below, with the API's: looked up when called)
    Page("case's links", "intelligence:case-links", CASE_READERS, lambda u: case_with_links_web(u)),
    Page("link page", "intelligence:link-detail", PANEL, lambda u: link_seen(u)),
    # intelligence: patterns (finders at the end of this module)
    Page(
        "link chart, case",
        "intelligence:case-chart",
        (COORDINATOR, AUDITOR),
        lambda user: _charted_case(user),
    ),
    Page(
        "link chart, person",
        "intelligence:person-chart",
        (COORDINATOR, AUDITOR),
        lambda user: _linked_record(user, "person"),
    ),
    Page(
        "link chart, location",
        "intelligence:location-chart",
        (COORDINATOR, AUDITOR),
        lambda user: _linked_record(user, "location"),
    ),
    Page(
        "link chart, vehicle",
        "intelligence:vehicle-chart",
        (COORDINATOR, AUDITOR),
        lambda user: _linked_record(user, "vehicle"),
    ),
    Page("emerging patterns", "intelligence:patterns", (COORDINATOR, AUDITOR)),
    # intelligence: disruption
    Page("disruption", "intelligence:disruption-list", (COORDINATOR, AUDITOR)),
    Page(
        "disruption, overdue reviews",
        "intelligence:disruption-list",
        (COORDINATOR, AUDITOR),
        query="review=overdue",
    ),
    Page(
        "disruption record",
        "intelligence:disruption-detail",
        (COORDINATOR, AUDITOR),
        newest_disruption,
    ),
    # intelligence: sar
    Page(
        "subject access export",
        "cases:child-subject-access",
        (COORDINATOR, AUDITOR),
        lambda user: (child_of_newest_case(user) if user.is_auditor else child_coordinated(user)),
    ),
]


# intelligence: links
def case_with_links_web(user):
    """The newest case the user sees with a link to a person, location or vehicle (else
    the newest case: the page then says there are none)."""
    from cases.models import Case
    from intelligence.models import Link

    linked = Link.objects.on_cases_visible_to(user).filter(case__isnull=False)
    found = linked.order_by("-case_id").values_list("case_id", flat=True).first()
    if found is None:
        found_case = Case.objects.visible_to(user).order_by("-pk").values_list("pk", flat=True)
        found = found_case.first()
    return None if found is None else {"case_pk": found}


def link_seen(user):
    from intelligence.models import Link

    return _first(Link.objects.visible_to(user).order_by("-pk"), pk=lambda link: link.pk)


def links_of_a_case(user) -> str | None:
    found = case_with_links_web(user)
    return None if found is None else f"case={found['case_pk']}"


def _api(label, name, roles, find=None, query="") -> Page:
    return Page(f"API {label}", f"v1:{name}", roles, find, query, api=True)


API: list[Page] = [
    _api("root", "api-root", (COORDINATOR,)),
    _api("me", "me", EVERYONE),
    _api("areas", "area-list", (COORDINATOR,)),
    _api("area", "area-detail", (COORDINATOR,), any_area),
    _api("risk tools", "risk-tool-list", (COORDINATOR,)),
    _api("risk tool", "risk-tool-detail", (COORDINATOR,), any_risk_tool),
    _api("cases", "case-list", CASE_READERS),
    _api("cases, by risk", "case-list", CASE_READERS, query="ordering=-risk"),
    _api("cases, by open actions", "case-list", CASE_READERS, query="ordering=-open_actions"),
    _api("cases, by next review", "case-list", CASE_READERS, query="ordering=next_review"),
    _api(
        "cases, overdue 16-17",
        "case-list",
        CASE_READERS,
        query="overdue_actions=1&age_band=16_17&ordering=child",
    ),
    _api("case", "case-detail", CASE_READERS, newest_case),
    _api("case, largest", "case-detail", CASE_READERS, largest_case),
    _api("children", "child-list", EVERYONE),
    _api("cases, search by name", "case-list", CASE_READERS, query=search_name_part),
    _api("children, search by name", "child-list", EVERYONE, query=search_child_name_part),
    _api("child", "child-detail", EVERYONE, child_of_newest_case),
    _api("referrals", "referral-list", EVERYONE),
    _api("referral", "referral-detail", EVERYONE, newest_referral),
    _api(
        "possible duplicates",
        "referral-possible-duplicates",
        (COORDINATOR,),
        referral_awaiting_triage,
    ),
    _api("actions", "action-list", CASE_READERS),
    _api("action", "action-detail", CASE_READERS, any_action),
    _api("reviews", "review-list", CASE_READERS),
    _api("review", "review-detail", CASE_READERS, any_review),
    _api("assessments", "assessment-list", CASE_READERS),
    _api("assessment", "assessment-detail", CASE_READERS, any_assessment),
    _api("notes", "note-list", CASE_READERS),
    _api("meetings", "meeting-list", MEETING_READERS),
    _api("meeting", "meeting-detail", MEETING_READERS, busiest_meeting),
    _api("agenda items", "meeting-agenda-item-list", MEETING_READERS, busiest_meeting_api),
    _api("attendance", "meeting-attendance-list", MEETING_READERS, busiest_meeting_api),
    _api("attendance row", "meeting-attendance-detail", MEETING_READERS, attendance_row),
    _api("quorum", "meeting-quorum-list", MEETING_READERS, busiest_meeting_api),
    _api("decisions", "meeting-decision-list", MEETING_READERS, busiest_meeting_api),
    _api("decision", "meeting-decision-detail", MEETING_READERS, meeting_decision),
    _api("research list", "meeting-research-entry-list", MEETING_READERS, busiest_meeting_api),
    _api("research returns", "meeting-research-return-list", MEETING_READERS, busiest_meeting_api),
    _api("research return", "meeting-research-return-detail", MEETING_READERS, research_return),
    _api("pack", "meeting-pack-list", MEETING_READERS, busiest_meeting_api),
    _api("minutes PDF", "meeting-minutes-pdf-list", MEETING_READERS, approved_minutes_api),
    _api("audit events", "audit-event-list", (AUDITOR,)),
    _api("audit event", "audit-event-detail", (AUDITOR,), audit_event),
    # intelligence: records
    _api("persons of concern", "intel-person-list", (COORDINATOR, AUDITOR)),
    _api("person of concern", "intel-person-detail", (COORDINATOR, AUDITOR), any_person),
    _api("locations", "intel-location-list", (COORDINATOR, AUDITOR)),
    _api("location", "intel-location-detail", (COORDINATOR, AUDITOR), any_location),
    _api("vehicles", "intel-vehicle-list", (COORDINATOR, AUDITOR)),
    _api("vehicle", "intel-vehicle-detail", (COORDINATOR, AUDITOR), any_vehicle),
    _api("merges", "intel-merge-list", (COORDINATOR, AUDITOR)),
    _api("merge", "intel-merge-detail", (COORDINATOR, AUDITOR), any_merge),
    # intelligence: links
    _api("links", "intel-link-list", PANEL),
    _api("links of a case", "intel-link-list", PANEL, query=links_of_a_case),
    _api("link", "intel-link-detail", PANEL, link_seen),
    _api("sightings", "intel-sighting-list", PANEL),
    # intelligence: disruption
    _api("disruption", "intel-disruption-list", (COORDINATOR, AUDITOR)),
    _api("disruption, by kind", "intel-disruption-list", (COORDINATOR, AUDITOR), query="kind=cawn"),
    _api("disruption record", "intel-disruption-detail", (COORDINATOR, AUDITOR), newest_disruption),
]

PAGES: list[Page] = [*WEB, *API]

# Named URLs deliberately not measured, with why. Everything named in panel.urls is either
# in PAGES or here (tests/bench/test_pages.py).
_WRITE = "a write (POST only, or its GET is the form for one): the runner only reads"
_SIGN_IN = "signing in and out: the runner builds its sessions directly"
EXCLUDED: dict[str, str] = {
    "login": _SIGN_IN,
    "sign-in-code": _SIGN_IN,
    "logout": _SIGN_IN,
    "session-keep-alive": "POST only, a session heartbeat with no data",
    "healthz": "the runner's readiness probe, not a page",
    "account-password": _WRITE,
    "account-token-new": _WRITE,
    "account-token-revoke": _WRITE,
    "account-mfa-setup": _WRITE + " (creates a pending device)",
    "account-mfa-recovery-codes": _WRITE + " (makes new codes)",
    "cases:referral-new": _WRITE,
    "cases:referral-score": _WRITE,
    "cases:triage-confirm-new": _WRITE,
    "cases:triage-link-child": _WRITE,
    "cases:triage-assess": _WRITE,
    "cases:triage-undo-link": _WRITE,
    "cases:triage-accept": _WRITE,
    "cases:triage-decide": _WRITE,
    "cases:case-open": _WRITE,
    "cases:case-close": _WRITE,
    "cases:case-reopen": _WRITE,
    "cases:case-assess": _WRITE,
    "cases:case-note": _WRITE,
    "cases:case-team": _WRITE,
    "cases:action-add": _WRITE,
    "cases:action-update": _WRITE,
    "cases:action-cancel": _WRITE,
    "cases:action-reassign": _WRITE,
    "meetings:meeting-schedule": _WRITE,
    "meetings:standing-member-remove": _WRITE,
    "meetings:meeting-reschedule": _WRITE,
    "meetings:meeting-cancel": _WRITE,
    "meetings:meeting-member-remove": _WRITE,
    "meetings:agenda-build": _WRITE,
    "meetings:agenda-add-case": _WRITE,
    "meetings:agenda-add-general": _WRITE,
    "meetings:agenda-request": _WRITE,
    "meetings:agenda-publish": _WRITE,
    "meetings:agenda-item-withdraw": _WRITE,
    "meetings:agenda-item-shift": _WRITE,
    "meetings:agenda-item-move": _WRITE,
    "meetings:research-return": _WRITE + " (a representative's return form)",
    "meetings:attendance-guest-add": _WRITE,
    "meetings:attendance-guest-remove": _WRITE,
    "meetings:attendance-confidentiality": _WRITE,
    "meetings:hearing-close": _WRITE,
    "meetings:hearing-general": _WRITE,
    "meetings:hearing-decision": _WRITE,
    "meetings:hearing-action-add": _WRITE,
    "meetings:hearing-action-review": _WRITE,
    "meetings:ratify-decision": _WRITE,
    "meetings:minutes-draft": _WRITE,
    "meetings:minutes-section-edit": _WRITE,
    "meetings:minutes-circulate": _WRITE,
    "meetings:minutes-approve": _WRITE,
    "meetings:minutes-addendum": _WRITE,
    "meetings:pack-status": "a status fragment polled while a pack is made (Celery work)",
    "meetings:pack-download": "a stored PDF download, timed by bench/meeting_pack.py",
    "meetings:minutes-pdf": _WRITE + " (POST asks for the PDF to be made)",
    "meetings:minutes-pdf-status": "a status fragment polled while the PDF is made",
    "meetings:minutes-pdf-download": "a stored PDF download, timed by bench/meeting_pack.py",
    "notifications:open": _WRITE + " (marks read)",
    "notifications:read-all": _WRITE,
    "intelligence:pattern-offer": _WRITE,
    "audit:export": "a streamed CSV export of up to the export limit: a job, not a page",
    "reports:export-csv": "a download that builds and audits the whole report: an export, "
    "timed with the report itself, not a page",
    "reports:export-status": "a status fragment polled while a report export is made (Celery)",
    "reports:export-download": "a stored file download, for its requester only",
    # intelligence: sar
    "cases:child-subject-access-download": "the subject access export as JSON: the same "
    "record as the page catalogued, as a download",
    "v1:referral-accept": _WRITE,
    "v1:referral-confirm-new-child": _WRITE,
    "v1:referral-decide": _WRITE,
    "v1:referral-link-child": _WRITE,
    "v1:referral-undo-link": _WRITE,
    "v1:case-transition": _WRITE,
    "v1:case-team": _WRITE,
    "v1:child-details": _WRITE,
    "v1:action-update": _WRITE,
    "v1:action-reassign": _WRITE,
    "v1:review-hold": _WRITE,
    "v1:risk-tool-score": _WRITE + " (scores posted answers)",
    # intelligence: links
    "intelligence:case-link-new": _WRITE,
    "intelligence:referral-link-new": _WRITE,
    "intelligence:link-new": _WRITE,
    "intelligence:link-edit": _WRITE,
    "intelligence:link-end": _WRITE,
    "intelligence:sighting-new": _WRITE,
    "v1:intel-link-end": _WRITE,
    "schema": "the OpenAPI schema, generated from code: no case data",
    "api-docs": "the API's documentation page: no case data",
    # intelligence: records
    "intelligence:person-new": _WRITE,
    "intelligence:person-edit": _WRITE,
    "intelligence:person-status": _WRITE,
    "intelligence:person-identifier-add": _WRITE,
    "intelligence:person-identifier-remove": _WRITE,
    "intelligence:person-merge-new": _WRITE,
    "intelligence:location-new": _WRITE,
    "intelligence:location-edit": _WRITE,
    "intelligence:location-merge-new": _WRITE,
    "intelligence:vehicle-new": _WRITE,
    "intelligence:vehicle-edit": _WRITE,
    "intelligence:vehicle-merge-new": _WRITE,
    "intelligence:merge-undo": _WRITE,
    "v1:intel-person-status": _WRITE,
    "v1:intel-person-identifiers": _WRITE,
    "v1:intel-merge-undo": _WRITE,
    # intelligence: disruption
    "intelligence:disruption-new": _WRITE,
    "intelligence:disruption-edit": _WRITE,
}

# Whole URL namespaces not measured.
EXCLUDED_NAMESPACES: dict[str, str] = {
    "admin": "the real admin: reference data and people only, no case data",
    "bench_admin": "the bench-only admin: measured as the changelist baseline",
}


# --- intelligence: patterns --------------------------------------------------------------


def _charted_case(user):
    """A case the user sees whose child has the most live links the user sees in full."""
    from django.db.models import Count

    from cases.models import Case
    from intelligence.models import Link

    links = Link.objects.visible_to(user).live().filter(case__isnull=False)
    busiest = links.values("case_id").annotate(n=Count("pk")).order_by("-n", "case_id").first()
    if busiest is None or not Case.objects.visible_to(user).filter(pk=busiest["case_id"]).exists():
        return None
    return {"case_pk": busiest["case_id"]}


def _linked_record(user, field: str):
    """The person, location or vehicle (as the user sees them) with the most live links."""
    from django.db.models import Count

    from intelligence.models import Link

    links = Link.objects.visible_to(user).live().filter(**{f"{field}__isnull": False})
    busiest = links.values(field).annotate(n=Count("pk")).order_by("-n", field).first()
    return None if busiest is None else {"pk": busiest[field]}


# intelligence: missing
def newest_missing_episode(user):
    from intelligence.models import MissingEpisode

    return _first(
        MissingEpisode.objects.visible_to(user).order_by("-reported_missing_at", "-pk"),
        case_pk=lambda e: e.case_id,
        pk=lambda e: e.pk,
    )


def case_with_missing_episodes(user):
    found = newest_missing_episode(user)
    return None if found is None else {"case_pk": found["case_pk"]}


def missing_episode_api(user):
    found = newest_missing_episode(user)
    return None if found is None else {"pk": found["pk"]}


PAGES += [
    Page("missing episodes", "intelligence:missing-list", CASE_READERS, case_with_missing_episodes),
    Page("missing episode", "intelligence:missing-detail", CASE_READERS, newest_missing_episode),
    _api("missing episodes", "intel-missing-episode-list", CASE_READERS),
    _api("missing episode", "intel-missing-episode-detail", CASE_READERS, missing_episode_api),
]
EXCLUDED |= {
    "intelligence:missing-new": _WRITE,
    "intelligence:missing-edit": _WRITE,
    "v1:intel-missing-episode-update": _WRITE,
}

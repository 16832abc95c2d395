"""The header's navigation: each item names the roles it is for and the URL it opens.
Items are only listed for pages that exist; later features add theirs here."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str] | None = None  # None: every signed-in user
    staff_only: bool = False
    # Other paths whose pages belong to this item's section (an action belongs to Cases).
    also: tuple[str, ...] = ()
    # Shown only to who sees some intelligence (``intelligence.access.sees_intelligence``).
    intelligence: bool = False


ITEMS: list[NavItem] = [
    NavItem("Home", "home"),
    NavItem(
        "Refer a child",
        "cases:referral-new",
        roles=frozenset({"referrer", "coordinator", "agency_lead"}),
    ),
    NavItem(
        "My referrals",
        "cases:referral-list",
        roles=frozenset({"referrer", "coordinator", "agency_lead"}),
    ),
    NavItem("My work", "cases:my-work", frozenset({"coordinator", "agency_lead"})),
    NavItem("Triage", "cases:triage-queue", frozenset({"coordinator"})),
    NavItem(
        "Cases",
        "cases:case-list",
        frozenset({"coordinator", "agency_lead", "auditor"}),
        # Issue 13: a link's pages are reached from the child's case (the lead may move them
        # to an Intelligence item).
        also=("/actions/", "/children/", "/intelligence/links/"),
    ),
    NavItem("Reviews due", "cases:reviews-due", frozenset({"coordinator"}), also=("/reviews/",)),
    # Also for anyone who chairs a meeting or holds a live seat at one (``sits_on_a_meeting``).
    NavItem(
        "Meetings", "meetings:meeting-list", frozenset({"coordinator", "agency_lead", "auditor"})
    ),
    NavItem(
        "Intelligence",
        "intelligence:person-list",
        frozenset({"coordinator", "agency_lead", "auditor"}),
        also=("/intelligence/",),
        intelligence=True,
    ),
    NavItem("Audit trail", "audit:search", frozenset({"auditor"})),
    # Intelligence (issue 13): emerging patterns, for coordinators and auditors (the record
    # and chart pages under /intelligence/ belong to the Intelligence item).
    NavItem("Patterns", "intelligence:patterns", frozenset({"coordinator", "auditor"})),
    NavItem("Reports", "reports:partnership", frozenset({"coordinator", "auditor"})),
    # A meeting's named representatives need no role: anyone may hold a seat, and with one
    # they get this item and Meetings (``sits_on_a_meeting``).
    NavItem(
        "Research lists",
        "meetings:my-research",
        frozenset({"coordinator", "agency_lead", "auditor"}),
    ),
    # intelligence: disruption (who sees no area's intelligence is refused there: 403).
    NavItem(
        "Disruption",
        "intelligence:disruption-list",
        frozenset({"coordinator", "auditor"}),
    ),
    NavItem("Notifications", "notifications:list"),
    NavItem("Your account", "account"),
    NavItem("Administration", "admin:index", staff_only=True),
]


# What a meeting's chair or named representative without a panel role gets.
MEETING_ITEMS = ("meetings:meeting-list", "meetings:my-research")

# A lead professional or action owner without a panel role (cases/access.py) has no Cases
# item: My work is their way in, and the case, action and child pages they open belong to it.
WORK_SECTIONS = ("/cases/", "/actions/", "/children/")


def items_for(
    user,
    current_path: str = "",
    unread: int = 0,
    works_on_a_case: bool = False,
    sits_on_a_meeting: bool = False,
    sees_intelligence: bool = False,
) -> list[dict]:
    """The user's navigation items. At most one is the current page: the one whose URL (or
    section path) is the longest prefix of ``current_path`` ("Refer a child" on
    /referrals/new/, not "My referrals" too); Home only on "/" itself. ``works_on_a_case``:
    the user leads a case or owns an open action without a role that lists My work.
    ``sits_on_a_meeting``: the user chairs a meeting or is named on one for their agency,
    without a role that lists Meetings."""
    if not user.is_authenticated:
        return []
    shown = []
    for item in ITEMS:
        if item.staff_only and not user.is_staff:
            continue
        if item.intelligence and not sees_intelligence:
            continue
        if item.roles is not None and not (item.roles & user.roles):
            if sits_on_a_meeting and item.url_name in MEETING_ITEMS:
                pass
            elif works_on_a_case and item.url_name == "cases:my-work":
                item = replace(item, also=WORK_SECTIONS)
            else:
                continue
        url = reverse(item.url_name)
        label = item.label
        if item.url_name == "notifications:list" and unread:
            label = f"{label} ({unread} new)"
        shown.append({"label": label, "url": url, "active": False, "match": _match(item, url)})
    best = max(shown, key=lambda entry: len(entry["match"](current_path)), default=None)
    if best is not None and best["match"](current_path):
        best["active"] = True
    for entry in shown:
        del entry["match"]
    return shown


def _match(item: NavItem, url: str):
    """A function giving the longest of the item's paths that ``path`` is in ("" if none)."""

    def match(path: str) -> str:
        if url == "/":
            return url if path == "/" else ""
        found = [prefix for prefix in (url, *item.also) if path.startswith(prefix)]
        return max(found, key=len, default="")

    return match

"""The header's navigation: each item names the roles it is for and the URL it opens.
Items are only listed for pages that exist; later features add theirs here."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str] | None = None  # None: every signed-in user
    staff_only: bool = False


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
    NavItem("Cases", "cases:case-list", frozenset({"coordinator", "agency_lead", "auditor"})),
    NavItem("Reviews due", "cases:reviews-due", frozenset({"coordinator"})),
    NavItem("Audit trail", "audit:search", frozenset({"auditor"})),
    NavItem("Notifications", "notifications:list"),
    NavItem("Administration", "admin:index", staff_only=True),
]


def items_for(user, current_path: str = "", unread: int = 0) -> list[dict]:
    if not user.is_authenticated:
        return []
    shown = []
    for item in ITEMS:
        if item.staff_only and not user.is_staff:
            continue
        if item.roles is not None and not (item.roles & user.roles):
            continue
        url = reverse(item.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        label = item.label
        if item.url_name == "notifications:list" and unread:
            label = f"{label} ({unread} new)"
        shown.append({"label": label, "url": url, "active": active})
    return shown

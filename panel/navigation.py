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
    NavItem("Administration", "admin:index", staff_only=True),
]


def items_for(user, current_path: str = "") -> list[dict]:
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
        shown.append({"label": item.label, "url": url, "active": active})
    return shown

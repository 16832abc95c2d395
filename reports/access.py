"""Who may read the partnership reports, and over which areas: coordinators their own
areas, auditors every area (by area, with totals). Everyone else: none, refused (403), since
a report page names no child and its existence is no secret."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from cases.access import is_auditor
from panel.models import Area, User


def report_areas(user: User) -> QuerySet[Area]:
    """The areas the user's reports may count, by name."""
    if is_auditor(user):
        return Area.objects.order_by("name")
    return Area.objects.filter(pk__in=sorted(user.coordinator_area_ids)).order_by("name")


def may_read_reports(user: User) -> bool:
    return bool(user.is_authenticated and (is_auditor(user) or user.coordinator_area_ids))


def require_report_reader(user: User) -> QuerySet[Area]:
    if not may_read_reports(user):
        raise PermissionDenied("Partnership reports are for coordinators and auditors.")
    return report_areas(user)

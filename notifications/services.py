"""Creating notifications. A notification names a case reference and links to a page;
it never carries a child's name or details. Rows are keyed (kind, recipient, object,
due date), so asking twice creates one."""

from __future__ import annotations

from collections.abc import Iterable

from notifications.models import Notification
from panel.models import Area, Role, User


def coordinators_of(area: Area | int) -> list[User]:
    area_id = area if isinstance(area, int) else area.pk
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__role=Role.COORDINATOR,
            role_assignments__area_id=area_id,
        ).distinct()
    )


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    link: str,
    about: str,
    case_reference: str = "",
) -> int:
    """Create one notification per recipient, unless one with the same key exists. Call
    inside the transaction of the change it reports. ``about`` identifies the object and,
    for reminders, the due date (for example ``"referral:12"`` or ``"review:7:2026-05-01"``).
    Returns how many were created."""
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            case_reference=case_reference,
            link=link,
            key=f"{kind}:{user.pk}:{about}",
        )
        for user in recipients
    ]
    keys = [row.key for row in rows]
    existing = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    fresh = [row for row in rows if row.key not in existing]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)

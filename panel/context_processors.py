from django.conf import settings
from django.http import HttpRequest

from meetings.access import works_or_sits
from panel.navigation import items_for


def navigation(request: HttpRequest) -> dict:
    user = request.user
    unread = 0
    works = sits = intelligence = False
    if user.is_authenticated:
        # One count a page: the header says how many notifications are unread. An agency
        # lead's Intelligence item (their agency granted some area) is read in the same query.
        intelligence = bool(user.is_auditor or user.coordinator_area_ids)
        if not intelligence and user.is_agency_lead and user.agency_id:
            unread, intelligence = unread_and_granted(user)
        else:
            unread = user.notifications.filter(read_at__isnull=True).count()
        if not user.roles & {"coordinator", "agency_lead"}:
            # One query more, only for users without a panel role: a lead professional or
            # action owner gets My work (their pages had no current navigation item).
            # The same one query says whether they chair or sit on a meeting (Meetings).
            works, sits = works_or_sits(user)
    return {
        "nav_items": items_for(
            user,
            request.path,
            unread,
            works_on_a_case=works,
            sits_on_a_meeting=sits,
            sees_intelligence=intelligence,
        ),
        "unread_notifications": unread,
        "demo_mode": settings.DEMO_MODE,
    }


def unread_and_granted(user) -> tuple[int, bool]:
    """The unread count and whether the user's agency is granted some area's intelligence,
    in one query."""
    from django.db.models import Count, Exists, OuterRef, Q

    from intelligence.models import IntelligenceGrant
    from panel.models import User

    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            unread=Count("notifications", filter=Q(notifications__read_at__isnull=True)),
            granted=Exists(IntelligenceGrant.objects.filter(agency_id=OuterRef("agency_id"))),
        )
        .values_list("unread", "granted")
        .get()
    )
    return row[0], bool(row[1]) and user.is_active

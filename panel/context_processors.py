from django.conf import settings
from django.http import HttpRequest

from meetings.access import works_or_sits
from panel.navigation import items_for


def navigation(request: HttpRequest) -> dict:
    user = request.user
    unread = 0
    works = sits = False
    if user.is_authenticated:
        # One count a page: the header says how many notifications are unread.
        unread = user.notifications.filter(read_at__isnull=True).count()
        if not user.roles & {"coordinator", "agency_lead"}:
            # One query more, only for users without a panel role: a lead professional or
            # action owner gets My work (their pages had no current navigation item).
            # The same one query says whether they chair or sit on a meeting (Meetings).
            works, sits = works_or_sits(user)
    return {
        "nav_items": items_for(
            user, request.path, unread, works_on_a_case=works, sits_on_a_meeting=sits
        ),
        "unread_notifications": unread,
        "demo_mode": settings.DEMO_MODE,
    }

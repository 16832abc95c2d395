from django.conf import settings
from django.http import HttpRequest

from panel.navigation import items_for


def navigation(request: HttpRequest) -> dict:
    user = request.user
    unread = 0
    if user.is_authenticated:
        # One count a page: the header says how many notifications are unread.
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {
        "nav_items": items_for(user, request.path, unread),
        "unread_notifications": unread,
        "demo_mode": settings.DEMO_MODE,
    }

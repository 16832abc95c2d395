from django.conf import settings
from django.http import HttpRequest

from panel.navigation import items_for


def navigation(request: HttpRequest) -> dict:
    return {"nav_items": items_for(request.user, request.path), "demo_mode": settings.DEMO_MODE}

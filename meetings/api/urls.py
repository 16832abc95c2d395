"""The meetings API's routes, merged into the one /api/v1/ router (panel/urls.py)."""

from rest_framework.routers import DefaultRouter

from meetings.api.agenda import AgendaItemViewSet

router = DefaultRouter()
router.register(
    r"meetings/(?P<meeting_pk>\d+)/agenda-items",
    AgendaItemViewSet,
    basename="meeting-agenda-item",
)

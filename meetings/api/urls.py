"""The meetings API's routes, merged into the one /api/v1/ router (panel/urls.py)."""

from rest_framework.routers import DefaultRouter

from meetings.api.hearing import MeetingDecisionViewSet

router = DefaultRouter()

router.register(
    r"meetings/(?P<meeting_pk>\d+)/decisions",
    MeetingDecisionViewSet,
    basename="meeting-decision",
)

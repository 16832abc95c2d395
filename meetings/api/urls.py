"""The meetings API's routes, merged into the one /api/v1/ router (panel/urls.py)."""

from rest_framework.routers import DefaultRouter

from meetings.api.meetings import MeetingViewSet

router = DefaultRouter()
router.register("meetings", MeetingViewSet, basename="meeting")

"""The meetings API's routes, merged into the one /api/v1/ router (panel/urls.py)."""

from rest_framework.routers import DefaultRouter

from meetings.api.agenda import AgendaItemViewSet
from meetings.api.attendance import AttendanceViewSet, QuorumViewSet
from meetings.api.hearing import MeetingDecisionViewSet
from meetings.api.meetings import MeetingViewSet

router = DefaultRouter()
router.register("meetings", MeetingViewSet, basename="meeting")
router.register(
    r"meetings/(?P<meeting_pk>\d+)/agenda-items", AgendaItemViewSet, basename="meeting-agenda-item"
)
router.register(
    r"meetings/(?P<meeting_pk>\d+)/attendance", AttendanceViewSet, basename="meeting-attendance"
)
router.register(r"meetings/(?P<meeting_pk>\d+)/quorum", QuorumViewSet, basename="meeting-quorum")
router.register(
    r"meetings/(?P<meeting_pk>\d+)/decisions", MeetingDecisionViewSet, basename="meeting-decision"
)

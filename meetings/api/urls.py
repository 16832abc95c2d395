"""The meetings API's routes, merged into the one /api/v1/ router (panel/urls.py)."""

from rest_framework.routers import DefaultRouter

from meetings.api.agenda import AgendaItemViewSet
from meetings.api.attendance import AttendanceViewSet, QuorumViewSet
from meetings.api.documents import MinutesPdfViewSet, PackViewSet
from meetings.api.hearing import MeetingDecisionViewSet
from meetings.api.meetings import MeetingViewSet
from meetings.api.research import ResearchEntryViewSet, ResearchReturnViewSet

MEETING = r"meetings/(?P<meeting_pk>\d+)"

router = DefaultRouter()
router.register("meetings", MeetingViewSet, basename="meeting")
router.register(f"{MEETING}/agenda-items", AgendaItemViewSet, basename="meeting-agenda-item")
router.register(f"{MEETING}/attendance", AttendanceViewSet, basename="meeting-attendance")
router.register(f"{MEETING}/quorum", QuorumViewSet, basename="meeting-quorum")
router.register(f"{MEETING}/decisions", MeetingDecisionViewSet, basename="meeting-decision")
router.register(f"{MEETING}/research-list", ResearchEntryViewSet, basename="meeting-research-entry")
router.register(
    f"{MEETING}/research-returns", ResearchReturnViewSet, basename="meeting-research-return"
)
router.register(f"{MEETING}/pack", PackViewSet, basename="meeting-pack")
router.register(f"{MEETING}/minutes-pdf", MinutesPdfViewSet, basename="meeting-minutes-pdf")

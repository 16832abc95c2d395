"""The meetings API's routes, merged into the one /api/v1/ router (panel/urls.py)."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

# The research list (meetings/api/research.py), under a meeting.
from meetings.api.research import ResearchEntryViewSet, ResearchReturnViewSet  # noqa: E402

router.register(
    r"meetings/(?P<meeting_pk>\d+)/research-list",
    ResearchEntryViewSet,
    basename="meeting-research-entry",
)
router.register(
    r"meetings/(?P<meeting_pk>\d+)/research-returns",
    ResearchReturnViewSet,
    basename="meeting-research-return",
)

"""The meetings API's routes, merged into the one /api/v1/ router (panel/urls.py)."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

# The reader's pack and approved minutes as PDF (meetings/api/documents.py).
from meetings.api.documents import MinutesPdfViewSet, PackViewSet  # noqa: E402

router.register(r"meetings/(?P<meeting_pk>\d+)/pack", PackViewSet, basename="meeting-pack")
router.register(
    r"meetings/(?P<meeting_pk>\d+)/minutes-pdf", MinutesPdfViewSet, basename="meeting-minutes-pdf"
)

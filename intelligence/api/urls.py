"""The intelligence API's routes, merged into the one /api/v1/ router (panel/urls.py)."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

# part: links
from intelligence.api.links import LinkViewSet, SightingViewSet  # noqa: E402

router.register("intelligence/links", LinkViewSet, basename="intel-link")
router.register("intelligence/sightings", SightingViewSet, basename="intel-sighting")

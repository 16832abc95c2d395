"""The intelligence API's routes, merged into the one /api/v1/ router (panel/urls.py)."""

from rest_framework.routers import DefaultRouter

from intelligence.api.missing import MissingEpisodeViewSet

router = DefaultRouter()
router.register(
    "intelligence/missing-episodes", MissingEpisodeViewSet, basename="intel-missing-episode"
)

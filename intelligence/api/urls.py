"""The intelligence API's routes, merged into the one /api/v1/ router (panel/urls.py)."""

from rest_framework.routers import DefaultRouter

from intelligence.api.disruption import DisruptionViewSet

router = DefaultRouter()
router.register("intelligence/disruption", DisruptionViewSet, basename="intel-disruption")

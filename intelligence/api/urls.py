"""The intelligence API's routes, merged into the one /api/v1/ router (panel/urls.py)."""

from rest_framework.routers import DefaultRouter

from intelligence.api import records
from intelligence.api.disruption import DisruptionViewSet
from intelligence.api.links import LinkViewSet, SightingViewSet
from intelligence.api.missing import MissingEpisodeViewSet

router = DefaultRouter()
router.register("intelligence/persons", records.PersonViewSet, basename="intel-person")
router.register("intelligence/locations", records.LocationViewSet, basename="intel-location")
router.register("intelligence/vehicles", records.VehicleViewSet, basename="intel-vehicle")
router.register("intelligence/merges", records.MergeViewSet, basename="intel-merge")
router.register("intelligence/links", LinkViewSet, basename="intel-link")
router.register("intelligence/sightings", SightingViewSet, basename="intel-sighting")
router.register("intelligence/disruption", DisruptionViewSet, basename="intel-disruption")
router.register(
    "intelligence/missing-episodes", MissingEpisodeViewSet, basename="intel-missing-episode"
)

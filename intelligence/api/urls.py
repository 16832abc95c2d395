"""The intelligence API's routes, merged into the one /api/v1/ router (panel/urls.py)."""

from rest_framework.routers import DefaultRouter

from intelligence.api import records

router = DefaultRouter()
router.register("intelligence/persons", records.PersonViewSet, basename="intel-person")
router.register("intelligence/locations", records.LocationViewSet, basename="intel-location")
router.register("intelligence/vehicles", records.VehicleViewSet, basename="intel-vehicle")
router.register("intelligence/merges", records.MergeViewSet, basename="intel-merge")

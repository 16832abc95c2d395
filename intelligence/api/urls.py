"""The intelligence API's routes, merged into the one /api/v1/ router (panel/urls.py)."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

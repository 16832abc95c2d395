"""The panel's own reference data over the API: areas (who to call) and the signed-in
user. Case data is served by cases.api, scoped by visible_to()."""

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from panel.models import Area

User = get_user_model()


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = [
            "id",
            "name",
            "slug",
            "front_door_name",
            "front_door_phone",
            "police_non_emergency",
            "emergency",
            "police_team",
        ]


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    """Areas and the numbers to call: the front door, police and 999."""

    queryset = Area.objects.all()
    serializer_class = AreaSerializer


class MeSerializer(serializers.ModelSerializer):
    # An auditor or an administrator may belong to no agency (found by the schema fuzz).
    agency = serializers.StringRelatedField(allow_null=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "agency", "roles"]

    def get_roles(self, user) -> list[dict]:
        return [
            {"role": row.role, "area": row.area.slug if row.area_id else None}
            for row in user.role_rows
        ]


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    """The signed-in user, their agency and roles."""
    return Response(MeSerializer(request.user).data)


class ApiDocsView(SpectacularSwaggerSplitView):
    """The Swagger UI page. It is a page, not an endpoint: its only renderer is its template,
    so DRF's ``OPTIONS`` metadata (a dict, no template) was a 500. ``OPTIONS`` answers as any
    Django view does: the methods allowed, no body.

    The split view serves its start-up script from this same URL (``?script``) rather than
    inline, and panel/api_docs.html moves the page's inline <style> to a static file, so
    the page meets the site's Content-Security-Policy (script-src and style-src 'self')."""

    template_name = "panel/api_docs.html"

    def options(self, request: Request, *args, **kwargs) -> HttpResponse:
        return HttpResponse(headers={"Allow": ", ".join(self.allowed_methods)})

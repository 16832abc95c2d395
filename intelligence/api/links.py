"""Links and sightings over the API.

- ``/api/v1/intelligence/links/``: the links the user sees in full
  (``Link.objects.visible_to``: the link and every record it joins), filtered by case,
  referral, person, location, vehicle, relationship and live; one link (``viewed``);
  recording one (POST); changing its relationship, detail and grading (PUT with the
  version read; 409 when stale); ending it (POST ``end/``, with a reason).
- ``/api/v1/intelligence/sightings/``: the sightings of the links the user sees, filtered
  by link; recording one (POST).

The case-side summary ("a person of concern", a location's kind) is on the case page,
not here. Who may write is asked before the body is read (auditors 403 on every write);
every list is one ``listed`` event. Writes go through intelligence/services/links.py.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.base import (
    AgencySummarySerializer,
    CaseLinkSerializer,
    ConflictSerializer,
    PersonSummarySerializer,
    ScopedIdField,
    ScopedViewSet,
    allowed,
    optional_id,
    optional_text,
)
from cases.models import Case, Referral
from intelligence import access
from intelligence.models import (
    HandlingCode,
    IntelligenceAssessment,
    Link,
    LinkRelationship,
    Location,
    PersonOfConcern,
    Sighting,
    SourceEvaluation,
    Vehicle,
)
from intelligence.services import links as services
from panel.filters import FilterSet
from panel.models import Agency

RELATED = (
    "case", "person", "other_person", "location", "vehicle", "source_agency", "recorded_by",
)  # fmt: skip


def _user(context: dict[str, Any]) -> Any:
    return context["request"].user


def _records(model) -> Any:
    return lambda context: model.objects.visible_to(_user(context)).current()


def _visible_links(context: dict[str, Any]) -> models.QuerySet:
    return Link.objects.visible_to(_user(context))


def may_record_somewhere(user: Any) -> bool:
    """Whether the user may record intelligence in some area (the service checks which)."""
    return any(access.may_record(user, area) for area in access.intelligence_area_ids(user))


# --- output ------------------------------------------------------------------------------


class RecordSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)


class LocationSummarySerializer(RecordSummarySerializer):
    kind = serializers.CharField(read_only=True)


class LinkSerializer(serializers.ModelSerializer):
    case = CaseLinkSerializer(allow_null=True)
    person = RecordSummarySerializer(allow_null=True)
    other_person = RecordSummarySerializer(allow_null=True)
    location = LocationSummarySerializer(allow_null=True)
    vehicle = RecordSummarySerializer(allow_null=True)
    source_agency = AgencySummarySerializer()
    recorded_by = PersonSummarySerializer()
    grading = serializers.CharField(read_only=True, help_text="As written on the item: B2P.")
    is_live = serializers.BooleanField(read_only=True)

    class Meta:
        model = Link
        fields = [
            "id", "version", "area", "case", "referral", "person", "other_person", "location",
            "vehicle", "relationship", "detail", "source_evaluation", "intelligence_assessment",
            "handling_code", "handling_conditions", "source_agency", "grading", "recorded_by",
            "recorded_at", "is_live", "ended_at", "ended_reason",
        ]  # fmt: skip


class SightingSerializer(serializers.ModelSerializer):
    location = LocationSummarySerializer(allow_null=True)
    recorded_by = PersonSummarySerializer()

    class Meta:
        model = Sighting
        fields = ["id", "link", "seen_at", "location", "place", "notes", "recorded_by",
                  "recorded_at"]  # fmt: skip


# --- input -------------------------------------------------------------------------------


class GradingSerializer(serializers.Serializer):
    relationship = serializers.ChoiceField(choices=LinkRelationship.choices)
    detail = optional_text()
    source_evaluation = serializers.ChoiceField(choices=SourceEvaluation.choices)
    intelligence_assessment = serializers.ChoiceField(choices=IntelligenceAssessment.choices)
    handling_code = serializers.ChoiceField(choices=HandlingCode.choices, default="P")
    handling_conditions = optional_text(help_text="Needed with handling code C.")
    source_agency = optional_id(
        Agency, lambda context: Agency.objects.all(), "Where it came from. Default: yours."
    )


class NewLinkSerializer(GradingSerializer):
    case = optional_id(Case, lambda c: Case.objects.visible_to(_user(c)), "A child's case.")
    referral = optional_id(
        Referral, lambda c: Referral.objects.visible_to(_user(c)), "A referral at triage."
    )
    person = optional_id(PersonOfConcern, _records(PersonOfConcern), "A person of concern.")
    other_person = optional_id(
        PersonOfConcern, _records(PersonOfConcern), "Another person (with person)."
    )
    location = optional_id(Location, _records(Location), "A location.")
    vehicle = optional_id(Vehicle, _records(Vehicle), "A vehicle.")


class UpdateLinkSerializer(GradingSerializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The link's version as you read it; a stale one is 409."
    )


class EndLinkSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the link ends (it stays on record).")
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version read; a stale one is 409."
    )


class NewSightingSerializer(serializers.Serializer):
    link = ScopedIdField(Link, _visible_links, help_text="A link you see in full.")
    seen_at = serializers.DateTimeField()
    location = optional_id(Location, _records(Location), "Where, as a location record.")
    place = optional_text(200, help_text="Or where, in words.")
    notes = optional_text()


# --- filters -----------------------------------------------------------------------------


class LinkFilter(FilterSet):
    case = django_filters.NumberFilter(field_name="case_id", help_text="Case id.")
    referral = django_filters.NumberFilter(field_name="referral_id", help_text="Referral id.")
    person = django_filters.NumberFilter(
        method="filter_person", help_text="Person id (as person or other person)."
    )
    location = django_filters.NumberFilter(field_name="location_id", help_text="Location id.")
    vehicle = django_filters.NumberFilter(field_name="vehicle_id", help_text="Vehicle id.")
    relationship = django_filters.ChoiceFilter(choices=LinkRelationship.choices)
    live = django_filters.BooleanFilter(
        field_name="ended_at", lookup_expr="isnull", help_text="true: not ended."
    )

    class Meta:
        model = Link
        fields = ["case", "referral", "person", "location", "vehicle", "relationship", "live"]

    def filter_person(self, queryset: models.QuerySet, name: str, value: int):
        return queryset.filter(models.Q(person_id=value) | models.Q(other_person_id=value))


class SightingFilter(FilterSet):
    link = django_filters.NumberFilter(field_name="link_id", help_text="Link id.")

    class Meta:
        model = Sighting
        fields = ["link"]


# --- viewsets ----------------------------------------------------------------------------


class LinkViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Links the user sees in full, newest first. Opening one is recorded."""

    model = Link
    serializer_class = LinkSerializer
    input_serializers = {
        "create": NewLinkSerializer,
        "update": UpdateLinkSerializer,
        "end": EndLinkSerializer,
    }
    filterset_class = LinkFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]

    def base_queryset(self) -> models.QuerySet:
        return Link.objects.select_related(*RELATED).order_by("-recorded_at", "-id")

    @extend_schema(request=NewLinkSerializer, responses={201: LinkSerializer})
    def create(self, request: Request) -> Response:
        """Record a link: a child's (case or referral, and one of person, location,
        vehicle) or between two records (person+other_person, person+location,
        person+vehicle, location+vehicle), graded 3x5x2."""
        allowed(may_record_somewhere(request.user), "You may not record intelligence.")
        data = self.read_input(request)
        link = services.record_link(request.user, **data)
        return Response(self.output(self.reread(link)), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=UpdateLinkSerializer,
        responses={
            200: LinkSerializer,
            409: OpenApiResponse(ConflictSerializer, description="Changed by someone else."),
        },
    )
    def update(self, request: Request, pk: str) -> Response:
        """Change the relationship, detail and grading, from the version read."""
        link = self.get_object(viewed=False)
        allowed(access.may_record(request.user, link.area_id), "You may not change this link.")
        data = self.read_input(request)
        services.update_link(request.user, link=link, **data)
        return Response(self.output(self.reread(link)))

    @extend_schema(
        request=EndLinkSerializer,
        responses={
            200: LinkSerializer,
            409: OpenApiResponse(ConflictSerializer, description="Changed, or already ended."),
        },
    )
    @action(detail=True, methods=["post"], url_path="end", url_name="end")
    def end(self, request: Request, pk: str) -> Response:
        """End the link, with the reason: it is never deleted."""
        link = self.get_object(viewed=False)
        allowed(access.may_record(request.user, link.area_id), "You may not change this link.")
        data = self.read_input(request)
        services.end_link(request.user, link=link, **data)
        return Response(self.output(self.reread(link)))


class SightingViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Sightings of the links the user sees in full, latest first."""

    model = Sighting
    serializer_class = SightingSerializer
    input_serializers = {"create": NewSightingSerializer}
    filterset_class = SightingFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]

    def base_queryset(self) -> models.QuerySet:
        return Sighting.objects.select_related("location", "recorded_by").order_by(
            "-seen_at", "-id"
        )

    @extend_schema(request=NewSightingSerializer, responses={201: SightingSerializer})
    def create(self, request: Request) -> Response:
        """Record a sighting of a link: when, and where (a location or words)."""
        allowed(may_record_somewhere(request.user), "You may not record intelligence.")
        data = self.read_input(request)
        sighting = services.add_sighting(request.user, **data)
        return Response(self.output(self.reread(sighting)), status=status.HTTP_201_CREATED)

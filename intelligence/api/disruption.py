"""Disruption over the API: ``/api/v1/intelligence/disruption/``.

- list (GET): the disruption the user may see (``Disruption.objects.visible_to``), newest
  first, filtered by kind, agency, person, location and date range; each page one
  ``listed`` event;
- detail (GET): one record, ``viewed``; out of scope is the same 404 as a missing id;
- create (POST): against a person of concern or at a location the user may see, by who
  may record in its area (``intelligence/services/disruption.py``);
- update (PUT): with the version read; a stale one is 409 and changes nothing.
Auditors read and never write (403).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.base import (
    AgencySummarySerializer,
    AreaSummarySerializer,
    ConflictSerializer,
    PersonSummarySerializer,
    ScopedIdField,
    ScopedViewSet,
    allowed,
    optional_id,
    optional_text,
)
from intelligence import access
from intelligence.models import Disruption, DisruptionKind, Location, PersonOfConcern
from intelligence.services import disruption as services
from panel.filters import FilterSet
from panel.models import Agency

RELATED = ("person", "location", "agency", "area", "recorded_by")


# --- output ------------------------------------------------------------------------------


class SubjectSerializer(serializers.Serializer):
    """Whom the disruption is against: a person of concern or a location. Whoever reads
    the disruption may see its person or location."""

    type = serializers.ChoiceField(choices=[("person", "person"), ("location", "location")])
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(
        allow_blank=True, help_text="A location's kind; empty for a person."
    )


class DisruptionSerializer(serializers.ModelSerializer):
    subject = serializers.SerializerMethodField()
    area = AreaSummarySerializer()
    agency = AgencySummarySerializer()
    recorded_by = PersonSummarySerializer()

    class Meta:
        model = Disruption
        fields = [
            "id",
            "version",
            "subject",
            "area",
            "kind",
            "kind_detail",
            "date",
            "agency",
            "outcome",
            "review_date",
            "recorded_by",
            "recorded_at",
        ]

    @extend_schema_field(SubjectSerializer)
    def get_subject(self, obj: Disruption) -> dict[str, Any]:
        if obj.person_id:
            return {"type": "person", "id": obj.person_id, "name": obj.person.name, "kind": ""}
        return {
            "type": "location",
            "id": obj.location_id,
            "name": obj.location.name,
            "kind": obj.location.kind,
        }


# --- input -------------------------------------------------------------------------------


def _persons(context: dict[str, Any]) -> models.QuerySet:
    return PersonOfConcern.objects.visible_to(context["request"].user)


def _locations(context: dict[str, Any]) -> models.QuerySet:
    return Location.objects.visible_to(context["request"].user)


def _agencies(context: dict[str, Any]) -> models.QuerySet:
    return Agency.objects.all()


class DisruptionFieldsSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DisruptionKind.choices)
    kind_detail = optional_text(
        services.KIND_DETAIL_MAX, help_text="Needed with kind other: what kind it was."
    )
    date = serializers.DateField(help_text="When it happened: today or before.")
    agency = ScopedIdField(
        Agency, _agencies, help_text="The agency that carried it out: one of the area's."
    )
    outcome = optional_text()
    review_date = serializers.DateField(required=False, allow_null=True, default=None)


class NewDisruptionSerializer(DisruptionFieldsSerializer):
    person = optional_id(
        PersonOfConcern, _persons, "A person of concern you may see (or give location)."
    )
    location = optional_id(Location, _locations, "A location you may see (or give person).")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if (data.get("person") is None) == (data.get("location") is None):
            raise serializers.ValidationError(
                {"person": ["Give exactly one of person and location."]}
            )
        return data


class ChangeDisruptionSerializer(DisruptionFieldsSerializer):
    version = serializers.IntegerField(min_value=1, help_text="The version you read.")


# --- filters -----------------------------------------------------------------------------


class DisruptionFilter(FilterSet):
    kind = django_filters.ChoiceFilter(choices=DisruptionKind.choices)
    agency = django_filters.NumberFilter(field_name="agency_id", help_text="Agency id.")
    person = django_filters.NumberFilter(field_name="person_id", help_text="Person of concern id.")
    location = django_filters.NumberFilter(field_name="location_id", help_text="Location id.")
    date = django_filters.DateFromToRangeFilter(
        field_name="date", help_text="On or after (date_after) / on or before (date_before)."
    )

    class Meta:
        model = Disruption
        fields = ["kind", "agency", "person", "location", "date"]


# --- the viewset -------------------------------------------------------------------------


class DisruptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Disruption against persons of concern and at locations the user may see, newest
    first. Opening one is recorded in the audit trail."""

    model = Disruption
    serializer_class = DisruptionSerializer
    input_serializers = {"create": NewDisruptionSerializer, "update": ChangeDisruptionSerializer}
    filterset_class = DisruptionFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]

    def base_queryset(self) -> models.QuerySet:
        return Disruption.objects.select_related(*RELATED).order_by("-date", "-pk")

    @extend_schema(request=NewDisruptionSerializer, responses={201: DisruptionSerializer})
    def create(self, request: Request) -> Response:
        """Record disruption against a person of concern (``person``) or at a location
        (``location``). Their area's coordinators and the leads of an agency granted it."""
        user = request.user
        allowed(
            not user.is_auditor and bool(access.intelligence_area_ids(user)),
            "Disruption is recorded by the area's coordinators and granted agencies.",
        )
        data = self.read_input(request)
        made = services.record_disruption(user, **data)
        return Response(self.output(self.reread(made)), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ChangeDisruptionSerializer,
        responses={
            200: DisruptionSerializer,
            409: OpenApiResponse(
                ConflictSerializer, description="Someone else changed the record: re-read it."
            ),
        },
    )
    def update(self, request: Request, pk: str) -> Response:
        """Change a disruption record (not whom it is against), with the version read."""
        disruption = self.get_object()
        allowed(
            services.can_update(request.user, disruption),
            "You may not change this disruption record.",
        )
        data = self.read_input(request)
        services.update_disruption(request.user, disruption=disruption, **data)
        return Response(self.output(self.reread(disruption)))

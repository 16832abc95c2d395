"""Missing episodes over the API: the list (filters: case, reported from/to, interview),
one episode, recording one and updating it.

Case data, scoped with the case (``MissingEpisode.objects.visible_to``): out of scope is
the same 404 as an id nobody has; lists are recorded as ``listed``, an episode's read as
``viewed``. Who may write is asked before the body is read. Where found shows a location's
name only to those who see it (its kind to others, never an address). A stale ``version``
is 409 with the current one."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.db.models import Exists, OuterRef
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

from cases.access import live_lead_professionals
from cases.api.base import (
    CaseLinkSerializer,
    ConflictSerializer,
    PersonSummarySerializer,
    ScopedIdField,
    ScopedViewSet,
    allowed,
    optional_text,
    visible_cases,
)
from cases.models import Case
from cases.services.common import may_write
from intelligence import episodes
from intelligence.models import Location, MissingEpisode, ReturnInterview
from intelligence.services import missing as services
from panel.filters import FilterSet


def seen_locations(context: dict[str, Any]) -> models.QuerySet:
    return Location.objects.visible_to(context["request"].user).current()


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {
            "id": {"type": "integer", "nullable": True},
            "name": {"type": "string", "nullable": True},
            "kind": {"type": "string"},
        },
        "description": "The location record where found: its id and name if you may see "
        "it, else only its kind.",
    }
)
class FoundLocationField(serializers.Field):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, episode: MissingEpisode) -> dict[str, Any] | None:
        location = episode.found_location
        if location is None:
            return None
        if getattr(episode, "location_seen", False):
            return {"id": location.pk, "name": location.name, "kind": location.kind}
        return {"id": None, "name": None, "kind": location.kind}


class MissingEpisodeSerializer(serializers.ModelSerializer):
    case = CaseLinkSerializer()
    recorded_by = PersonSummarySerializer()
    found_location = FoundLocationField()
    interview_due_by = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="72 hours after the return (statutory guidance); null while missing.",
    )
    interview_within_72_hours = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        help_text="Held within 72 hours of return; null until held.",
    )
    interview_state = serializers.SerializerMethodField(
        help_text="missing (not returned), due, overdue, held_in_time, held_late or declined."
    )

    class Meta:
        model = MissingEpisode
        fields = [
            "id",
            "version",
            "case",
            "reported_missing_at",
            "returned_at",
            "found_location",
            "found_place",
            "interview",
            "interview_offered_at",
            "interview_held_at",
            "interview_by",
            "interview_due_by",
            "interview_within_72_hours",
            "interview_state",
            "notes",
            "recorded_by",
            "recorded_at",
        ]

    def get_interview_state(self, episode: MissingEpisode) -> str:
        return episodes.interview_state(episode)


def _moments(**kwargs: Any) -> dict[str, serializers.DateTimeField]:
    return {
        name: serializers.DateTimeField(
            required=False, allow_null=True, default=None, help_text=text
        )
        for name, text in kwargs.items()
    }


class EpisodeFieldsSerializer(serializers.Serializer):
    reported_missing_at = serializers.DateTimeField()
    returned_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Null while still missing."
    )
    found_location = ScopedIdField(
        Location,
        seen_locations,
        required=False,
        allow_null=True,
        default=None,
        help_text="A location record you may see; or say where in found_place.",
    )
    found_place = optional_text(max_length=200, help_text="Where found, in words.")
    interview = serializers.ChoiceField(
        choices=ReturnInterview.choices, default=ReturnInterview.NOT_YET
    )
    interview_offered_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    interview_held_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    interview_by = optional_text(max_length=150, help_text="Who held the interview.")
    notes = optional_text()


class NewEpisodeSerializer(EpisodeFieldsSerializer):
    case = ScopedIdField(Case, visible_cases, help_text="A case you may see.")


class UpdateEpisodeSerializer(serializers.Serializer):
    """Only the fields sent change; the rest keep their value."""

    version = serializers.IntegerField(
        min_value=1, help_text="The episode's version as you read it; a stale one is 409."
    )
    reported_missing_at = serializers.DateTimeField(required=False)
    returned_at = serializers.DateTimeField(required=False, allow_null=True)
    found_location = ScopedIdField(
        Location, seen_locations, required=False, allow_null=True, help_text="As on create."
    )
    found_place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    interview = serializers.ChoiceField(choices=ReturnInterview.choices, required=False)
    interview_offered_at = serializers.DateTimeField(required=False, allow_null=True)
    interview_held_at = serializers.DateTimeField(required=False, allow_null=True)
    interview_by = serializers.CharField(max_length=150, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class MissingEpisodeFilter(FilterSet):
    case = django_filters.NumberFilter(field_name="case_id", help_text="Case id.")
    reported = django_filters.IsoDateTimeFromToRangeFilter(
        field_name="reported_missing_at",
        help_text="Reported missing at or after (reported_after) / at or before "
        "(reported_before), ISO 8601.",
    )
    interview = django_filters.ChoiceFilter(choices=ReturnInterview.choices)

    class Meta:
        model = MissingEpisode
        fields = ["case", "reported", "interview"]


def _may_record_somewhere(user) -> bool:
    """Before the body is read: coordinators, agency leads and lead professionals record
    episodes (on their own cases: the service checks the case)."""
    return may_write(user) and bool(
        user.coordinator_area_ids
        or user.is_agency_lead
        or live_lead_professionals().filter(lead_professional_id=user.pk).exists()
    )


class MissingEpisodeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """A child's missing episodes, on the cases you may see, latest reported first.
    Opening one is recorded in the audit trail."""

    model = MissingEpisode
    serializer_class = MissingEpisodeSerializer
    input_serializers = {"create": NewEpisodeSerializer, "change": UpdateEpisodeSerializer}
    filterset_class = MissingEpisodeFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["reported_missing_at", "returned_at"]

    def base_queryset(self) -> models.QuerySet:
        seen = Location.objects.visible_to(self.request.user).filter(
            pk=OuterRef("found_location_id")
        )
        return (
            MissingEpisode.objects.select_related("case", "found_location", "recorded_by")
            .annotate(location_seen=Exists(seen))
            .order_by("-reported_missing_at", "-id")
        )

    def reread(self, obj: MissingEpisode) -> MissingEpisode:
        return self.base_queryset().visible_to(self.request.user).get(pk=obj.pk)

    @extend_schema(request=NewEpisodeSerializer, responses={201: MissingEpisodeSerializer})
    def create(self, request: Request) -> Response:
        """Record a missing episode on a case. Whoever may add to the case: its area's
        coordinators, the leads of an involved agency, its lead professional. On an open
        case the lead professional and coordinators are told (reference and link only);
        three or more in 90 days put the case on the next panel's agenda."""
        allowed(_may_record_somewhere(request.user), "You may not record missing episodes.")
        data = self.read_input(request)
        case = data.pop("case")
        allowed(
            services.may_record_episode(request.user, case),
            "You may not record missing episodes on this case.",
        )
        episode = services.record_episode(request.user, case=case, **data)
        return Response(self.output(self.reread(episode)), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=UpdateEpisodeSerializer,
        responses={
            200: MissingEpisodeSerializer,
            409: OpenApiResponse(
                ConflictSerializer, description="Someone else updated the episode: re-read it."
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def change(self, request: Request, pk: str) -> Response:
        """Update an episode: found or returned, where, the return home interview (offered,
        held, declined; when and by whom), notes. Only the fields sent change."""
        episode = self.get_object()
        allowed(
            services.may_record_episode(request.user, episode.case),
            "You may not update missing episodes on this case.",
        )
        data = dict(self.read_input(request))
        version = data.pop("version")
        services.update_episode(request.user, episode=episode, version=version, **data)
        return Response(self.output(self.reread(episode)))

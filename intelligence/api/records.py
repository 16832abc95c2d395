"""Persons of concern (identifiers nested), locations, vehicles and merges over the API.

- ``/api/v1/intelligence/persons/``, ``.../locations/``, ``.../vehicles/``: lists with the
  pages' filters, details (``viewed``), create (POST) and change (PATCH with the version
  read; a stale one is 409); a person's ``status`` and ``identifiers`` (POST).
- ``/api/v1/intelligence/merges/``: the area's coordinators and auditors read merges; a
  coordinator merges (POST) and undoes one (POST ``undo``).

Reads go through ``intelligence.access`` (out of scope is 404, as a missing id); writes
through intelligence/services (400 with field errors; 403 for who may not act)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.base import ConflictSerializer, ScopedViewSet, allowed, optional_text
from intelligence import access
from intelligence.models import (
    HandlingCode,
    IdentifierKind,
    IntelligenceAssessment,
    Location,
    LocationKind,
    Merge,
    MergeKind,
    PersonIdentifier,
    PersonOfConcern,
    PersonStatus,
    SourceEvaluation,
    Vehicle,
)
from intelligence.services import merges, records
from panel.models import Agency, Area

NOT_RECORDER = "Only the area's coordinators and granted agencies record intelligence."
NOT_READER = "Intelligence is for the area's coordinators and granted agencies."
GRADING = [
    "source_evaluation",
    "intelligence_assessment",
    "handling_code",
    "handling_conditions",
    "source_agency",
]
COMMON = ["id", "version", "area", "created_at", "updated_at", "merged_into", *GRADING]


def _param(name: str, help_text: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, description=help_text)


Q_PARAM = _param("q", "Search: a person's name, alias, phone number or handle; a place's name.")
PERSON_FILTERS = [
    Q_PARAM,
    OpenApiParameter("status", OpenApiTypes.STR, enum=PersonStatus.values),
    OpenApiParameter("review", OpenApiTypes.STR, enum=["due", "overdue"]),
]
LOCATION_FILTERS = [
    Q_PARAM,
    OpenApiParameter("kind", OpenApiTypes.STR, enum=LocationKind.values),
    _param("postcode", "The start of a postcode."),
]
VEHICLE_FILTERS = [_param("registration", "A registration; ? one unknown character, * several.")]


# --- output ----------------------------------------------------------------------------------


class IdentifierSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonIdentifier
        fields = ["id", "kind", "value", "platform"]


class PersonSerializer(serializers.ModelSerializer):
    identifiers = IdentifierSerializer(many=True, read_only=True)

    class Meta:
        model = PersonOfConcern
        fields = [
            *COMMON,
            "name",
            "date_of_birth",
            "approximate_age",
            "description",
            "status",
            "review_date",
            "retention_date",
            "identifiers",
        ]


class LocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = [*COMMON, "name", "kind", "address", "postcode", "latitude", "longitude",
                  "description"]  # fmt: skip


class VehicleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vehicle
        fields = [*COMMON, "registration", "registration_key", "partial", "make", "model",
                  "colour", "description"]  # fmt: skip


class MergeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Merge
        fields = ["id", "kind", "area", "kept_id", "merged_id", "moved", "reason", "reverses",
                  "by", "at"]  # fmt: skip


# --- input ---------------------------------------------------------------------------------


class GradingInput(serializers.Serializer):
    source_evaluation = serializers.ChoiceField(choices=SourceEvaluation.choices)
    intelligence_assessment = serializers.ChoiceField(choices=IntelligenceAssessment.choices)
    handling_code = serializers.ChoiceField(choices=HandlingCode.choices, default="P")
    handling_conditions = optional_text(help_text="Needed with handling code C.")
    source_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), required=False, help_text="Default: your agency."
    )


class NewPersonInput(GradingInput):
    area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.all())
    name = serializers.CharField(max_length=200)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    approximate_age = serializers.IntegerField(required=False, allow_null=True, default=None)
    description = optional_text()
    review_date = serializers.DateField(required=False, allow_null=True, default=None)


class NewLocationInput(GradingInput):
    area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.all())
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=LocationKind.choices)
    address = optional_text()
    postcode = optional_text(10)
    latitude = serializers.DecimalField(8, 5, required=False, allow_null=True, default=None)
    longitude = serializers.DecimalField(8, 5, required=False, allow_null=True, default=None)
    description = optional_text()


class NewVehicleInput(GradingInput):
    area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.all())
    registration = serializers.CharField(max_length=20)
    make = optional_text(50)
    model = optional_text(50)
    colour = optional_text(30)
    description = optional_text()


def _change(new: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """A PATCH body: the version read, and any of the new record's fields but its area."""
    fields: dict[str, Any] = {
        "version": serializers.IntegerField(
            min_value=1, help_text="The version as you read it; a stale one is 409."
        )
    }
    for field_name, field in new().fields.items():
        if field_name == "area":
            continue
        copy = field.__class__(*field._args, **{**field._kwargs, "required": False})
        copy._kwargs.pop("default", None)
        fields[field_name] = copy
    return type(name, (serializers.Serializer,), fields)


def _strip_defaults(serializer_class):
    for field in serializer_class._declared_fields.values():
        field.default = serializers.empty
    return serializer_class


ChangePersonInput = _strip_defaults(_change(NewPersonInput, "ChangePersonInput"))
ChangeLocationInput = _strip_defaults(_change(NewLocationInput, "ChangeLocationInput"))
ChangeVehicleInput = _strip_defaults(_change(NewVehicleInput, "ChangeVehicleInput"))


class StatusInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    status = serializers.ChoiceField(choices=PersonStatus.choices)


class IdentifierInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IdentifierKind.choices)
    value = serializers.CharField(max_length=200)
    platform = optional_text(100)


class MergeInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MergeKind.choices)
    kept = serializers.IntegerField(help_text="The id of the record kept.")
    merged = serializers.IntegerField(help_text="The id of the duplicate merged into it.")
    reason = serializers.CharField()


class UndoInput(serializers.Serializer):
    reason = serializers.CharField()


# --- the viewsets ------------------------------------------------------------------------------


class RecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    kind: str
    create_service: Any
    update_service: Any
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends: list = []
    # Who sees no intelligence is refused the lists (403), as on the pages (panel/schema.py).
    refuses_reads_by_role = True

    def base_queryset(self) -> Any:
        return self.model.objects.select_related("area")

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        if self.action != "list":
            return super().get_queryset()
        from intelligence.views.records import KINDS, _filtered

        return _filtered(KINDS[self.kind], self.request.user, self.request.query_params)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Who sees no intelligence at all is refused by role, as on the pages."""
        allowed(access.sees_intelligence(request.user), NOT_READER)
        return super().list(request, *args, **kwargs)

    def create(self, request: Request) -> Response:
        user = request.user
        allowed(
            any(access.may_record(user, pk) for pk in access.intelligence_area_ids(user)),
            NOT_RECORDER,
        )
        data = dict(self.read_input(request))
        made = type(self).create_service(user, **data)
        return Response(self.output(self.reread(made)), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        found = self.get_object(viewed=False)
        allowed(access.may_record(request.user, found.area_id), NOT_RECORDER)
        data = dict(self.read_input(request))
        version = data.pop("version")
        changed = type(self).update_service(request.user, found, version=version, **data)
        return Response(self.output(self.reread(changed)))


CONFLICT = {409: OpenApiResponse(ConflictSerializer, description="Changed by someone else.")}


@extend_schema_view(
    list=extend_schema(parameters=PERSON_FILTERS),
    create=extend_schema(request=NewPersonInput, responses={201: PersonSerializer}),
    partial_update=extend_schema(
        request=ChangePersonInput, responses={200: PersonSerializer, **CONFLICT}
    ),
)
class PersonViewSet(RecordViewSet):
    """Persons of concern, with their aliases, phone numbers and handles."""

    kind = "person"
    model = PersonOfConcern
    serializer_class = PersonSerializer
    input_serializers = {
        "create": NewPersonInput,
        "partial_update": ChangePersonInput,
        "status": StatusInput,
        "identifiers": IdentifierInput,
    }
    create_service = staticmethod(records.create_person)
    update_service = staticmethod(
        lambda user, obj, **kw: records.update_person(user, person=obj, **kw)
    )

    def base_queryset(self) -> Any:
        return super().base_queryset().prefetch_related("identifiers")

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("identifiers")

    @extend_schema(request=StatusInput, responses={200: PersonSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str) -> Response:
        """Suspected, charged, convicted, or no longer of concern (which starts the
        retention clock)."""
        found = self.get_object(viewed=False)
        allowed(access.may_record(request.user, found.area_id), NOT_RECORDER)
        data = self.read_input(request)
        changed = records.set_person_status(
            request.user, person=found, version=data["version"], status=data["status"]
        )
        return Response(self.output(self.reread(changed)))

    @extend_schema(request=IdentifierInput, responses={201: PersonSerializer})
    @action(detail=True, methods=["post"])
    def identifiers(self, request: Request, pk: str) -> Response:
        """Add an alias, phone number or online handle."""
        found = self.get_object(viewed=False)
        allowed(access.may_record(request.user, found.area_id), NOT_RECORDER)
        data = self.read_input(request)
        records.add_identifier(request.user, person=found, **data)
        return Response(self.output(self.reread(found)), status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(parameters=LOCATION_FILTERS),
    create=extend_schema(request=NewLocationInput, responses={201: LocationSerializer}),
    partial_update=extend_schema(
        request=ChangeLocationInput, responses={200: LocationSerializer, **CONFLICT}
    ),
)
class LocationViewSet(RecordViewSet):
    """Locations: houses, hotels, takeaways, parks, shops, transport hubs, online platforms."""

    kind = "location"
    model = Location
    serializer_class = LocationSerializer
    input_serializers = {"create": NewLocationInput, "partial_update": ChangeLocationInput}
    create_service = staticmethod(records.create_location)
    update_service = staticmethod(
        lambda user, obj, **kw: records.update_location(user, location=obj, **kw)
    )


@extend_schema_view(
    list=extend_schema(parameters=VEHICLE_FILTERS),
    create=extend_schema(request=NewVehicleInput, responses={201: VehicleSerializer}),
    partial_update=extend_schema(
        request=ChangeVehicleInput, responses={200: VehicleSerializer, **CONFLICT}
    ),
)
class VehicleViewSet(RecordViewSet):
    """Vehicles, by a registration that may be partial."""

    kind = "vehicle"
    model = Vehicle
    serializer_class = VehicleSerializer
    input_serializers = {"create": NewVehicleInput, "partial_update": ChangeVehicleInput}
    create_service = staticmethod(records.create_vehicle)
    update_service = staticmethod(
        lambda user, obj, **kw: records.update_vehicle(user, vehicle=obj, **kw)
    )


@extend_schema_view(
    create=extend_schema(request=MergeInput, responses={201: MergeSerializer}),
)
class MergeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Merges of duplicates: the area's coordinators and auditors read them; a coordinator
    merges and undoes."""

    model = Merge
    serializer_class = MergeSerializer
    input_serializers = {"create": MergeInput, "undo": UndoInput}
    filter_backends: list = []

    def create(self, request: Request) -> Response:
        allowed(bool(request.user.coordinator_area_ids), "Only a coordinator merges records.")
        data = self.read_input(request)
        from rest_framework.exceptions import NotFound

        from intelligence.services.merges import MODELS

        model = MODELS[data["kind"]]
        found = {
            r.pk: r
            for r in model.objects.visible_to(request.user).filter(
                pk__in=[data["kept"], data["merged"]]
            )
        }
        if data["kept"] not in found or data["merged"] not in found:
            raise NotFound()
        made = merges.merge_records(
            request.user,
            kind=data["kind"],
            kept=found[data["kept"]],
            merged=found[data["merged"]],
            reason=data["reason"],
        )
        return Response(self.output(made), status=status.HTTP_201_CREATED)

    @extend_schema(request=UndoInput, responses={201: MergeSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk: str) -> Response:
        """Undo the merge: a new merge row that reverses it."""
        found = self.get_object(viewed=False)
        allowed(access.may_merge(request.user, found.area_id), "Only a coordinator undoes.")
        data = self.read_input(request)
        made = merges.unmerge(request.user, merge=found, reason=data["reason"])
        return Response(self.output(made), status=status.HTTP_201_CREATED)

"""Children over the API. A child is recorded by the referral that names them
(POST /referrals/); the coordinators of the child's area fill in the details still "not
known" (POST /children/{id}/details/, with the version read: stale is 409)."""

from __future__ import annotations

import django_filters
from django.db import models
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases import search, services
from cases.api.base import (
    AreaSummarySerializer,
    ByViewSerializer,
    ChildSummarySerializer,
    ConflictSerializer,
    ScopedViewSet,
    allowed,
    child_panel_view,
    optional_text,
    view_field,
)
from cases.models import Case, Child
from panel.models import Area


class ChildSerializer(ChildSummarySerializer):
    """A child as the panel sees them."""

    view = view_field("panel")
    area = AreaSummarySerializer()
    ethnic_group = serializers.CharField(
        source="ethnic_group_label",
        read_only=True,
        help_text='ethnicity_code as pages show it: "group: category", or "Not known".',
    )

    class Meta(ChildSummarySerializer.Meta):
        fields = [
            "view",
            *ChildSummarySerializer.Meta.fields,
            "gender",
            "ethnicity_code",
            "ethnic_group",
            "ethnicity",
            "area",
            "school_or_setting",
            "address",
            "version",
        ]
        extra_kwargs = {
            "ethnicity": {"help_text": "As the child or family describe it, kept as written."}
        }


class ChildForReferrerSerializer(ChildSummarySerializer):
    """A child seen only by the person who referred them: who the child is, nothing that
    other agencies recorded (the record may be one the panel already held)."""

    view = view_field("referrer")
    area = AreaSummarySerializer()

    class Meta(ChildSummarySerializer.Meta):
        fields = ["view", *ChildSummarySerializer.Meta.fields, "area"]


class ChildByViewSerializer(ByViewSerializer):
    panel = ChildSerializer
    referrer = ChildForReferrerSerializer


CHILD_RESPONSE = PolymorphicProxySerializer(
    component_name="ChildRecord",
    serializers={"panel": ChildSerializer, "referrer": ChildForReferrerSerializer},
    resource_type_field_name="view",
)


class ChildDetailsSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The child's version as you read it; a stale one is 409."
    )
    gender = serializers.ChoiceField(choices=Child.Gender.choices)
    ethnicity_code = serializers.ChoiceField(
        choices=Child.Ethnicity.choices, help_text="The ONS 2021 ethnic group."
    )
    ethnicity = optional_text(100, help_text="As the child or family describe it, kept as written.")
    school_or_setting = optional_text(200)


class ChildFilter(django_filters.FilterSet):
    area = django_filters.ModelChoiceFilter(queryset=Area.objects.all(), help_text="Area id.")
    q = search.SearchFilter(method="filter_q", help_text=search.API_HELP)

    class Meta:
        model = Child
        fields = ["area", "q"]

    def filter_q(self, queryset, name: str, value: str) -> models.QuerySet:
        """The search (cases.search): ranked, at most a page; a reference finds a child
        only through a case the user may see. Recorded as one ``listed`` event, without
        the term."""
        cases = Case.objects.visible_to(self.request.user)
        # Chosen among the children the user may see (queryset); the page reads the chosen
        # ones from the view's own rows, without working out the scope a second time.
        view = self.request.parser_context["view"]
        return search.search_children(queryset, value, cases=cases, read_from=view.base_queryset())


@extend_schema_view(
    list=extend_schema(responses=CHILD_RESPONSE),
    retrieve=extend_schema(responses=CHILD_RESPONSE),
)
class ChildViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Children the user may see: those on cases and referrals in their scope. Age and its
    flags (under 13, 16-17, turning 18 soon, young adult) are derived on each read. Opening
    a child's record is recorded in the audit trail."""

    model = Child
    serializer_class = ChildByViewSerializer
    input_serializers = {"details": ChildDetailsSerializer}
    filterset_class = ChildFilter

    def base_queryset(self) -> models.QuerySet:
        return (
            Child.objects.select_related("area")
            .annotate(panel_view=child_panel_view(self.request.user))
            .order_by("last_name", "first_name", "pk")
        )

    @extend_schema(
        request=ChildDetailsSerializer,
        responses={
            200: CHILD_RESPONSE,
            409: OpenApiResponse(
                ConflictSerializer, description="Someone else changed the child: re-read it."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def details(self, request: Request, pk: str) -> Response:
        """Set the child's gender, ONS 2021 ethnic group, ethnicity as described and school
        or setting, all given (the name and date of birth are not changed here). Coordinators
        of the child's area. Recorded in the audit trail with each change."""
        child = self.get_object()
        allowed(
            services.can_edit_child_details(request.user, child),
            "Only a coordinator of the child's area may change their details.",
        )
        data = self.read_input(request)
        services.update_child_details(request.user, child=child, **data)
        return Response(self.output(self.reread(child)))

"""Children over the API: read-only. A child is recorded by the referral that names them
(POST /referrals/)."""

from __future__ import annotations

import django_filters
from django.db import models
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import mixins

from cases import search
from cases.api.base import (
    AreaSummarySerializer,
    ByViewSerializer,
    ChildSummarySerializer,
    ScopedViewSet,
    child_panel_view,
    view_field,
)
from cases.models import Case, Child
from panel.models import Area


class ChildSerializer(ChildSummarySerializer):
    """A child as the panel sees them."""

    view = view_field("panel")
    area = AreaSummarySerializer()

    class Meta(ChildSummarySerializer.Meta):
        fields = [
            "view",
            *ChildSummarySerializer.Meta.fields,
            "gender",
            "ethnicity",
            "area",
            "school_or_setting",
            "address",
        ]


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
    filterset_class = ChildFilter

    def base_queryset(self) -> models.QuerySet:
        return (
            Child.objects.select_related("area")
            .annotate(panel_view=child_panel_view(self.request.user))
            .order_by("last_name", "first_name", "pk")
        )

"""Meetings over the API: the list with its filters and one meeting's arrangements,
members and agenda counts. Read-only: meetings are scheduled, changed and cancelled on
their pages (meetings/services/scheduling.py).

Scoped by ``Meeting.objects.visible_to`` (out of scope is the same 404 as a meeting that
does not exist). A meeting shows no case: its agenda is counted, the cases the reader may
see apart from the others, never another case's reference.
"""

from __future__ import annotations

import django_filters
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.filters import OrderingFilter

from cases.api.base import (
    AgencySummarySerializer,
    AreaSummarySerializer,
    PersonSummarySerializer,
    ScopedViewSet,
)
from meetings.models import Meeting, MeetingMember, MeetingStatus
from meetings.views.meetings import agenda_counts
from panel.filters import FilterSet
from panel.models import Area


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^[0-9]{2}:[0-9]{2}:[0-9]{2}$",
        "example": "10:00:00",
        "description": "Local (UK) wall-clock time, HH:MM:SS, with no offset.",
    }
)
class LocalTimeField(serializers.TimeField):
    """A meeting's start time as the meeting's area keeps it: local wall-clock time. The
    OpenAPI "time" format (RFC 3339) demands an offset, which a local time has not."""


class MeetingSerializer(serializers.ModelSerializer):
    """A meeting in a list: when, where, who chairs it and where it is in its workflow."""

    area = AreaSummarySerializer()
    start_time = LocalTimeField(read_only=True)
    police_chair = PersonSummarySerializer(allow_null=True)
    local_authority_chair = PersonSummarySerializer(allow_null=True)
    publish_by = serializers.SerializerMethodField(
        help_text="The day by which the agenda is published (locked)."
    )

    class Meta:
        model = Meeting
        fields = [
            "id",
            "version",
            "area",
            "date",
            "start_time",
            "venue",
            "online",
            "status",
            "publish_by",
            "police_chair",
            "local_authority_chair",
            "published_at",
            "held_at",
            "cancelled_at",
        ]

    @extend_schema_field(serializers.DateField())
    def get_publish_by(self, meeting: Meeting):
        return meeting.publish_by().isoformat()


class MemberSerializer(serializers.ModelSerializer):
    agency = AgencySummarySerializer()
    representative = PersonSummarySerializer(allow_null=True)

    class Meta:
        model = MeetingMember
        fields = ["id", "agency", "representative", "attended_by", "attendance"]


class AgendaCountsSerializer(serializers.Serializer):
    visible_cases = serializers.IntegerField(help_text="Case items you may see.")
    other_cases = serializers.IntegerField(help_text="Case items you may not see.")
    general = serializers.IntegerField(help_text="Items of general business.")


class MeetingDetailSerializer(MeetingSerializer):
    """One meeting: its arrangements, members and their attendance, and its agenda
    counted."""

    members = MemberSerializer(many=True, source="member_rows")
    agenda = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "online_details", "members", "agenda"]

    @extend_schema_field(AgendaCountsSerializer)
    def get_agenda(self, meeting: Meeting) -> dict:
        return agenda_counts(meeting, self.context["request"].user)


class MeetingFilter(FilterSet):
    area = django_filters.ModelChoiceFilter(queryset=Area.objects.all(), help_text="Area id.")
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices)
    date_from = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", help_text="Meetings on or after this date."
    )
    date_to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", help_text="Meetings on or before this date."
    )

    class Meta:
        model = Meeting
        fields = ["area", "status", "date_from", "date_to"]


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Meetings the user may see: coordinators their areas', co-chairs theirs, members'
    named representatives and their agencies' leads the meetings their agency sits on,
    auditors all. Lists are recorded (``listed``); a meeting holds no child data, so a
    single read records no ``viewed``."""

    model = Meeting
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["date", "status"]

    def output_serializer_class(self) -> type[serializers.Serializer]:
        return MeetingSerializer if self.action == "list" else MeetingDetailSerializer

    def base_queryset(self) -> models.QuerySet:
        queryset = Meeting.objects.select_related(
            "area", "police_chair", "local_authority_chair"
        ).order_by("-date", "-start_time", "-pk")
        if self.action == "retrieve":
            members = MeetingMember.objects.select_related("agency", "representative").order_by(
                "agency__name", "pk"
            )
            queryset = queryset.prefetch_related(
                models.Prefetch("members", queryset=members, to_attr="member_rows")
            )
        return queryset

    def get_object(self, *, viewed: bool | None = None) -> Meeting:
        return super().get_object(viewed=False)

"""Attendance over the API: a meeting's members with their attendance, recording one
member's attendance (coordinators of the area, through meetings.services.attendance), and
the meeting's quorum as attendance stands.

Everything hangs off a meeting the user may see (Meeting.objects.visible_to): a meeting out
of scope is the same 404 as one that does not exist. Who may record is asked before the body
is read (403). Recording outside the meeting's window is 409 (panel.api_errors).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.base import (
    AgencySummarySerializer,
    ConflictSerializer,
    PersonSummarySerializer,
    ScopedViewSet,
    allowed,
    get_for_user,
    optional_text,
)
from meetings.models import Meeting, MeetingMember
from meetings.services import attendance as service
from meetings.services.common import coordinates_meeting
from meetings.services.quorum import quorum_state
from panel.models import AgencyKind

MEMBER_RELATED = ("agency", "representative")


class MeetingChild:
    """A viewset under /meetings/{meeting_pk}/: the meeting is fetched through the user's
    scope once per request (404 outside it)."""

    kwargs: dict[str, Any]
    request: Request

    def meeting(self) -> Meeting:
        if not hasattr(self, "_meeting"):
            self._meeting = get_for_user(
                Meeting,
                self.request.user,
                self.kwargs["meeting_pk"],
                queryset=Meeting.objects.select_related("area"),
            )
        return self._meeting


# --- attendance ------------------------------------------------------------------------------


class MemberAttendanceSerializer(serializers.ModelSerializer):
    agency = AgencySummarySerializer()
    representative = PersonSummarySerializer(allow_null=True)

    class Meta:
        model = MeetingMember
        fields = ["id", "agency", "representative", "attendance", "attended_by", "recorded_at"]


class AttendanceInput(serializers.Serializer):
    attendance = serializers.ChoiceField(
        choices=[(value, value.label) for value in service.RECORDABLE],
        help_text="present, apologies, sent_information (sent information only) or absent.",
    )
    attended_by = optional_text(
        max_length=service.NAME_LENGTH,
        help_text="Who came, when not the named representative (a deputy). Only with present.",
    )


class AttendanceViewSet(
    MeetingChild, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """The meeting's members (agency, named representative) and their attendance. Anyone
    who may see the meeting reads it; coordinators of its area record it."""

    model = MeetingMember
    serializer_class = MemberAttendanceSerializer
    input_serializers = {"partial_update": AttendanceInput}
    lookup_value_regex = r"\d+"

    def base_queryset(self) -> models.QuerySet:
        return (
            MeetingMember.objects.filter(meeting=self.meeting())
            .select_related(*MEMBER_RELATED)
            .order_by("agency__name", "id")
        )

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return MeetingMember.objects.none()
        return self.base_queryset()

    def get_object(self, *, viewed: bool | None = None) -> MeetingMember:
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except (MeetingMember.DoesNotExist, ValueError):
            raise Http404 from None

    @extend_schema(
        request=AttendanceInput,
        responses={
            200: MemberAttendanceSerializer,
            409: OpenApiResponse(
                ConflictSerializer,
                description="Attendance is recorded from the day of a published meeting "
                "until its minutes are approved.",
            ),
        },
    )
    def partial_update(self, request: Request, meeting_pk: str, pk: str) -> Response:
        """Record one member's attendance. Coordinators of the meeting's area, on a
        published meeting from its day or a held one; audited."""
        meeting = self.meeting()
        allowed(
            coordinates_meeting(request.user, meeting),
            "Only a coordinator of this area may record attendance.",
        )
        data = self.read_input(request)
        member = self.get_object()
        service.record_attendance(request.user, member=member, **data)
        return Response(self.output(self.get_object()))


# --- the quorum ------------------------------------------------------------------------------


@extend_schema_serializer(many=False)
class QuorumSerializer(serializers.Serializer):
    quorate = serializers.BooleanField()
    required = serializers.ListField(
        child=serializers.CharField(),
        help_text="The agency kinds the area's quorum needs present (an agency's kind: "
        + ", ".join(AgencyKind.values)
        + ").",
    )
    present = serializers.ListField(
        child=serializers.CharField(),
        help_text="The agency kinds with a member recorded present.",
    )
    missing = serializers.ListField(
        child=serializers.CharField(),
        help_text="Needed and not present.",
    )
    text = serializers.CharField(help_text="What the attendance page's banner says.")


class QuorumViewSet(MeetingChild, viewsets.GenericViewSet):
    """Whether the meeting is quorate as attendance stands: anyone who may see it."""

    permission_classes = ScopedViewSet.permission_classes
    serializer_class = QuorumSerializer
    pagination_class = None
    queryset = Meeting.objects.none()

    @extend_schema(responses={200: QuorumSerializer})
    def list(self, request: Request, meeting_pk: str) -> Response:
        """The meeting's quorum: needed, present, missing, and the banner's words."""
        state = quorum_state(self.meeting())
        return Response(
            QuorumSerializer(
                {
                    "quorate": state.quorate,
                    "required": list(state.required),
                    "present": list(state.present),
                    "missing": list(state.missing),
                    "text": service.quorum_text(state),
                }
            ).data
        )

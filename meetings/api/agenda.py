"""A meeting's agenda over the API: ``/api/v1/meetings/{meeting_pk}/agenda-items/``.

The list holds the items the user may read in full (``AgendaItem.objects.visible_to``):
general business and the case items whose case they may see; nothing says how many other
cases there are or which. A meeting out of the user's scope is the same 404 as one that
does not exist. Creating: coordinators of the area add a case or general business; the
meeting's members (live representatives, agency leads of member agencies) ask for a case
they may see, with a reason. Late additions (published, or past the publish-by day) need
``reason_detail`` and come back ``late: true``.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.base import (
    CaseLinkSerializer,
    PersonSummarySerializer,
    ScopedViewSet,
    allowed,
    get_for_user,
    optional_id,
    optional_text,
    visible_cases,
)
from cases.models import Case, RiskLevel
from meetings.models import AgendaItem, AgendaItemKind, AgendaItemStatus, AgendaReason, Meeting
from meetings.services import agenda as services
from meetings.services.common import coordinates_meeting

SHOWN = [AgendaItemStatus.PENDING, AgendaItemStatus.HEARD, AgendaItemStatus.NOT_REACHED]


class AgendaItemSerializer(serializers.ModelSerializer):
    case = CaseLinkSerializer(allow_null=True, help_text="The case, for a case item.")
    risk_level = serializers.SerializerMethodField()
    requested_by = PersonSummarySerializer(
        allow_null=True, help_text="The member who asked for the case to be brought."
    )

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "version",
            "order",
            "kind",
            "case",
            "risk_level",
            "title",
            "reason",
            "reason_detail",
            "requested_by",
            "late",
            "status",
            "added_at",
        ]

    @extend_schema_field({"type": "string", "enum": [*RiskLevel.values], "nullable": True})
    def get_risk_level(self, item: AgendaItem) -> str | None:
        return item.case.risk_level if item.case_id else None


class NewAgendaItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=AgendaItemKind.choices,
        default=AgendaItemKind.CASE,
        help_text="case, or general (general business: coordinators only).",
    )
    case = optional_id(Case, visible_cases, "For a case item: a case you may see.")
    title = optional_text(max_length=200, help_text="For general business. Never a child's name.")
    reason = serializers.ChoiceField(
        choices=[
            (value, label)
            for value, label in AgendaReason.choices
            if value not in (AgendaReason.CARRIED_OVER, AgendaReason.MEMBER_REQUEST)
        ],
        default=AgendaReason.ADDED,
        help_text="Why a coordinator adds the case. A member's request is always member_request.",
    )
    reason_detail = optional_text(
        help_text="Why. Needed for a member's request, and for any addition once the "
        "agenda is published or past its publish-by day (the item is then late)."
    )


@extend_schema(
    parameters=[
        OpenApiParameter(
            "meeting_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="Meeting id."
        )
    ]
)
class AgendaItemViewSet(mixins.ListModelMixin, ScopedViewSet):
    """A meeting's agenda items that the user may read, in agenda order."""

    model = AgendaItem
    serializer_class = AgendaItemSerializer
    input_serializers = {"create": NewAgendaItemSerializer}

    @cached_property
    def meeting(self) -> Meeting:
        return get_for_user(
            Meeting,
            self.request.user,
            self.kwargs["meeting_pk"],
            queryset=Meeting.objects.select_related("area"),
        )

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not getattr(self, "swagger_fake_view", False):
            self.meeting  # noqa: B018 (out of scope: 404 before anything else)

    def base_queryset(self) -> models.QuerySet:
        return (
            AgendaItem.objects.filter(meeting_id=self.meeting.pk, status__in=SHOWN)
            .select_related("case", "requested_by")
            .order_by("order", "id")
        )

    @extend_schema(request=NewAgendaItemSerializer, responses={201: AgendaItemSerializer})
    def create(self, request: Request, meeting_pk: str) -> Response:
        """Add to the agenda. Coordinators of the area: a case of the area (kind case, with
        a reason) or general business (kind general, with a title). The meeting's members:
        a case they may see, with reason_detail (reason member_request)."""
        user = request.user
        meeting = self.meeting
        coordinating = coordinates_meeting(user, meeting)
        allowed(
            coordinating or services.may_request_case(user, meeting),
            "Only a coordinator of this area or the meeting's members may add to the agenda.",
        )
        data = self.read_input(request)
        if data["kind"] == AgendaItemKind.GENERAL:
            if not coordinating:
                raise PermissionDenied("Only a coordinator may add general business.")
            item = services.add_general_item(
                user, meeting=meeting, title=data["title"], reason_detail=data["reason_detail"]
            )
        elif data["case"] is None:
            raise ValidationError({"case": "Choose the case."})
        elif coordinating:
            item = services.add_case_item(
                user,
                meeting=meeting,
                case=data["case"],
                reason=data["reason"],
                reason_detail=data["reason_detail"],
            )
        else:
            item = services.request_case(
                user, meeting=meeting, case=data["case"], reason_detail=data["reason_detail"]
            )
        return Response(self.output(self.reread(item)), status=status.HTTP_201_CREATED)

"""A meeting's decisions over the API: ``/api/v1/meetings/{meeting_pk}/decisions/``.

The list (and one decision) shows the decisions of the meeting the user may read
(``CaseDecision.objects.visible_to``: whoever may see the case, and the meeting's
co-chairs), recorded as one ``listed`` event. Creating one records the panel's decision on
a case item through ``meetings.services.hearing.record_decision``: coordinators of the
meeting's area. A meeting the user may not see is 404, whatever the route.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.actions import agencies_on_visible_cases
from cases.api.base import (
    CaseLinkSerializer,
    ConflictSerializer,
    PersonSummarySerializer,
    ScopedIdField,
    ScopedViewSet,
    allowed,
    get_for_user,
    optional_id,
    optional_text,
)
from cases.models import Case, RiskAssessment
from meetings.models import (
    AgendaItem,
    AgendaItemKind,
    CaseDecision,
    DecisionKind,
    EscalationForum,
    Meeting,
    RiskDecision,
)
from meetings.services import hearing
from meetings.services.common import coordinates_meeting
from panel.models import Agency

MEETING_PK = OpenApiParameter(
    "meeting_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The meeting's id."
)


class DecisionSerializer(serializers.ModelSerializer):
    case = CaseLinkSerializer()
    recorded_by = PersonSummarySerializer()
    ratified_by = PersonSummarySerializer(allow_null=True)

    class Meta:
        model = CaseDecision
        fields = [
            "id",
            "meeting",
            "item",
            "case",
            "kind",
            "reason",
            "risk_decision",
            "risk_level",
            "assessment",
            "quorate",
            "state",
            "closure_reason",
            "closure_summary",
            "forum",
            "escalation_person",
            "escalation_action",
            "transition",
            "review",
            "ratified_at",
            "ratified_by",
            "ratified_at_meeting",
            "ratification_note",
            "recorded_by",
            "recorded_at",
        ]


def _items_of_the_meeting(context: dict[str, Any]) -> models.QuerySet:
    return AgendaItem.objects.visible_to(context["request"].user).filter(
        meeting=context["meeting"], kind=AgendaItemKind.CASE
    )


def _assessments(context: dict[str, Any]) -> models.QuerySet:
    cases = Case.objects.visible_to(context["request"].user).values("pk")
    return RiskAssessment.objects.filter(case__in=cases)


class NewDecisionSerializer(serializers.Serializer):
    item = ScopedIdField(
        AgendaItem, _items_of_the_meeting, help_text="A case item on this meeting's agenda."
    )
    kind = serializers.ChoiceField(
        choices=DecisionKind.choices,
        help_text="open (a case awaiting panel), continue (an open case), close, escalate.",
    )
    reason = serializers.CharField()
    risk_decision = serializers.ChoiceField(
        choices=RiskDecision.choices,
        help_text="confirmed, or changed: a new assessment recorded on the case at the "
        "meeting (POST assessments/) first.",
    )
    assessment = optional_id(
        RiskAssessment,
        _assessments,
        "Optional, with risk_decision changed: the assessment made at the meeting (default: "
        "the latest).",
    )
    closure_reason = serializers.ChoiceField(
        choices=CaseDecision._meta.get_field("closure_reason").choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="With kind close.",
    )
    closure_summary = optional_text(help_text="With kind close.")
    forum = serializers.ChoiceField(
        choices=EscalationForum.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="With kind escalate.",
    )
    escalation_person = optional_text(
        max_length=150, help_text="With kind escalate: who makes the referral."
    )
    escalation_agency = optional_id(
        Agency,
        agencies_on_visible_cases,
        "With kind escalate: an agency involved in the case, owning the referral action.",
    )
    escalation_due = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="With kind escalate."
    )


@extend_schema_view(
    list=extend_schema(parameters=[MEETING_PK]),
    retrieve=extend_schema(parameters=[MEETING_PK]),
)
class MeetingDecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The panel's decisions at one meeting, in agenda order."""

    model = CaseDecision
    serializer_class = DecisionSerializer
    input_serializers = {"create": NewDecisionSerializer}

    def meeting(self) -> Meeting:
        if not hasattr(self, "_meeting"):
            self._meeting = get_for_user(
                Meeting,
                self.request.user,
                self.kwargs["meeting_pk"],
                queryset=Meeting.objects.select_related("area"),
            )
        return self._meeting

    def base_queryset(self) -> models.QuerySet:
        return (
            CaseDecision.objects.filter(meeting=self.meeting())
            .select_related("case", "recorded_by", "ratified_by")
            .order_by("item__order", "pk")
        )

    @extend_schema(
        parameters=[MEETING_PK],
        request=NewDecisionSerializer,
        responses={
            201: DecisionSerializer,
            409: OpenApiResponse(
                ConflictSerializer,
                description="The meeting is not being held, or the case was already heard.",
            ),
        },
    )
    def create(self, request: Request, meeting_pk: str) -> Response:
        """Record the panel's decision on a case heard at the meeting. Coordinators of the
        meeting's area, while it is being held (agenda published, on or after its date).
        At a meeting that is not quorate the decision is marked to be ratified (a closure
        waits for ratification)."""
        meeting = self.meeting()
        allowed(
            coordinates_meeting(request.user, meeting),
            "Only a coordinator of this area may record decisions.",
        )
        data = self.read_input(request, meeting=meeting)
        decision = hearing.record_decision(request.user, **data)
        return Response(self.output(self.reread(decision)), status=status.HTTP_201_CREATED)

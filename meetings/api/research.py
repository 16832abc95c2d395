"""The research list over the API, nested under a meeting.

- ``/api/v1/meetings/{meeting_pk}/research-list/``: the entries, with what identifies each
  child and nothing of the case record (no case id, no risk, no concerns).
- ``/api/v1/meetings/{meeting_pk}/research-returns/``: the returns the user may read
  (a representative: their agency's; the area's coordinators and auditors: all); a live
  representative records (POST) and changes (PUT, with the version read) their agency's.

The whole of both is 404 for anyone who may not open the meeting's research list today
(meetings/access.py ``research_access``): no seat, window closed, or no such meeting.
Every list is one ``listed`` event; writes go through meetings/services/research.py.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from audit.models import AuditEvent
from audit.services import record, record_listed
from cases.access import listed_objects
from cases.api.base import (
    AgencySummarySerializer,
    ConflictSerializer,
    PersonSummarySerializer,
    ScopedIdField,
    ScopedViewSet,
    allowed,
    get_for_user,
    optional_text,
)
from cases.models import Child
from meetings import access
from meetings.models import Meeting, ResearchListEntry, ResearchOutcome, ResearchReturn
from meetings.services import research as services

MEETING_PK = OpenApiParameter(
    "meeting_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The meeting's id."
)


# --- output ------------------------------------------------------------------------------


class ResearchChildSerializer(serializers.ModelSerializer):
    """What an agency needs to search its own systems for the child: nothing more."""

    class Meta:
        model = Child
        fields = [
            "full_name",
            "first_name",
            "last_name",
            "known_as",
            "date_of_birth",
            "address",
            "school_or_setting",
        ]


class ResearchEntrySerializer(serializers.ModelSerializer):
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    child = ResearchChildSerializer(source="case.child", read_only=True)

    class Meta:
        model = ResearchListEntry
        fields = ["id", "meeting", "order", "case_reference", "child"]


class ResearchReturnSerializer(serializers.ModelSerializer):
    case_reference = serializers.CharField(source="item.case.reference", read_only=True)
    agency = AgencySummarySerializer()
    recorded_by = PersonSummarySerializer()

    class Meta:
        model = ResearchReturn
        fields = [
            "id",
            "version",
            "item",
            "case_reference",
            "agency",
            "outcome",
            "summary",
            "recorded_by",
            "recorded_at",
        ]


# --- input -------------------------------------------------------------------------------


def _entries_of_the_meeting(context: dict[str, Any]) -> Any:
    user = context["request"].user
    return ResearchListEntry.objects.visible_to(user).filter(meeting_id=context["meeting"].pk)


class NewResearchReturnSerializer(serializers.Serializer):
    item = ScopedIdField(
        ResearchListEntry,
        _entries_of_the_meeting,
        help_text="A research list entry of this meeting (see research-list/).",
    )
    outcome = serializers.ChoiceField(choices=ResearchOutcome.choices)
    summary = optional_text(
        services.SUMMARY_MAX_LENGTH,
        help_text="Needed with outcome held: a short summary. Not kept with nothing_held.",
    )


class ChangeResearchReturnSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The return's version as you read it; a stale one is 409."
    )
    outcome = serializers.ChoiceField(choices=ResearchOutcome.choices)
    summary = optional_text(
        services.SUMMARY_MAX_LENGTH,
        help_text="Needed with outcome held: a short summary. Not kept with nothing_held.",
    )


# --- the viewsets ------------------------------------------------------------------------


class ResearchViewSet(ScopedViewSet):
    """Both research endpoints: the meeting in the URL must be one whose research list the
    user may open today, else 404 for everything under it."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication and permissions first
        self.meeting = get_for_user(
            Meeting,
            request.user,
            kwargs["meeting_pk"],
            queryset=access.research_meetings(request.user),
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "meeting": getattr(self, "meeting", None)}

    def may_record(self) -> bool:
        return access.seat_meetings(self.request.user).filter(pk=self.meeting.pk).exists()


@extend_schema_view(list=extend_schema(parameters=[MEETING_PK]))
class ResearchEntryViewSet(mixins.ListModelMixin, ResearchViewSet):
    """The meeting's research list: each case on the agenda with only what identifies the
    child. Viewing it is recorded in the audit trail."""

    model = ResearchListEntry
    serializer_class = ResearchEntrySerializer
    filter_backends: list = []

    def base_queryset(self) -> Any:
        return (
            ResearchListEntry.objects.filter(meeting_id=self.kwargs.get("meeting_pk"))
            .select_related("case__child")
            .order_by("order", "pk")
        )


@extend_schema_view(
    list=extend_schema(parameters=[MEETING_PK]),
    retrieve=extend_schema(parameters=[MEETING_PK]),
)
class ResearchReturnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ResearchViewSet):
    """The research returns of the meeting you may read: your agency's as its
    representative; every agency's for the area's coordinators and auditors."""

    model = ResearchReturn
    serializer_class = ResearchReturnSerializer
    input_serializers = {
        "create": NewResearchReturnSerializer,
        "update": ChangeResearchReturnSerializer,
    }
    filter_backends: list = []

    def base_queryset(self) -> Any:
        user = self.request.user
        on_the_list = ResearchListEntry.objects.visible_to(user).filter(
            meeting_id=self.kwargs.get("meeting_pk")
        )
        return (
            ResearchReturn.objects.filter(item__in=on_the_list.values("pk"))
            .select_related("item__case", "agency", "recorded_by")
            .order_by("item__order", "item_id", "agency__name", "pk")
        )

    def reread(self, obj: ResearchReturn) -> ResearchReturn:
        return self.base_queryset().get(pk=obj.pk)

    def paginate_queryset(self, queryset: Any) -> list | None:
        """One ``listed`` event for the page, naming each return and the case and child it
        is about (a return reaches them through its entry, which ``listed_objects`` does
        not follow)."""
        page = viewsets.GenericViewSet.paginate_queryset(self, queryset)
        rows = list(queryset if page is None else page)
        named = listed_objects(rows)
        for row in rows:
            named += [("cases.case", row.item.case_id), ("cases.child", row.item.case.child_id)]
        record_listed(
            self.request.user,
            list_name=self.request.resolver_match.view_name,
            object_type=ResearchReturn._meta.label_lower,
            objects=named,
        )
        return None if page is None else rows

    def retrieve(self, request: Request, meeting_pk: str, pk: str) -> Response:
        """One return; opening it is recorded (``viewed``, with the case's reference)."""
        found = self.get_object(viewed=False)
        record(
            actor=request.user,
            verb=AuditEvent.Verb.VIEWED,
            obj=found,
            case_reference=found.item.case.reference,
        )
        return Response(self.output(found))

    @extend_schema(
        parameters=[MEETING_PK],
        request=NewResearchReturnSerializer,
        responses={
            201: ResearchReturnSerializer,
            409: OpenApiResponse(
                ConflictSerializer,
                description="Your agency already has a return for this entry: change it "
                "(PUT) with its version.",
            ),
        },
    )
    def create(self, request: Request, meeting_pk: str) -> Response:
        """Record your agency's return for one entry: held (with a short summary) or
        nothing_held. The meeting's live representatives only, while the list is open."""
        allowed(self.may_record(), services.NOT_A_REPRESENTATIVE)
        data = self.read_input(request, meeting=self.meeting)
        made = services.record_research_return(
            request.user, item=data["item"], outcome=data["outcome"], summary=data["summary"]
        )
        return Response(self.output(self.reread(made)), status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[MEETING_PK],
        request=ChangeResearchReturnSerializer,
        responses={
            200: ResearchReturnSerializer,
            409: OpenApiResponse(
                ConflictSerializer, description="Someone changed the return: re-read it."
            ),
        },
    )
    def update(self, request: Request, meeting_pk: str, pk: str) -> Response:
        """Change your agency's return, with the version you read."""
        found = self.get_object()
        allowed(
            self.may_record() and found.agency_id == request.user.agency_id,
            services.NOT_A_REPRESENTATIVE,
        )
        data = self.read_input(request, meeting=self.meeting)
        changed = services.record_research_return(
            request.user,
            item=found.item,
            outcome=data["outcome"],
            summary=data["summary"],
            version=data["version"],
        )
        return Response(self.output(self.reread(changed)))

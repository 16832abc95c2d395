"""Actions and reviews over the API.

Actions: the list with its filters (overdue is worked out in the query from the due date
and today in Europe/London, never stored), one action with its timeline, agreeing one
(coordinators), progressing it (the owning agency's leads and coordinators; only
coordinators cancel) and re-assigning it (coordinators). Reviews: the list, one review, and
holding the upcoming one (coordinators).

Who may act is asked before the body is read, so someone who may not gets 403 whatever
they send; a record out of scope is the same 404 as one that does not exist. A stale
``version`` is 409 with the current one (panel.api_errors).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

from cases import selectors, services
from cases.api.base import (
    AgencySummarySerializer,
    CaseLinkSerializer,
    ConflictSerializer,
    PersonSummarySerializer,
    ScopedIdField,
    ScopedViewSet,
    allowed,
    optional_id,
    optional_text,
    visible_cases,
)
from cases.models import Action, ActionUpdate, Case, Review, RiskLevel
from panel.filters import FilterSet
from panel.models import Agency, User, reads_case_data

# --- choices: only what the actor may act on -----------------------------------------------


def _user(context: dict[str, Any]) -> User:
    return context["request"].user


def agencies_on_visible_cases(context: dict[str, Any]) -> models.QuerySet:
    """Agencies involved in a case the user may see. The service then checks the agency is
    involved in the case named."""
    cases = Case.objects.visible_to(_user(context)).values("pk")
    return Agency.objects.filter(case_links__case__in=cases).distinct()


def people_on_visible_cases(context: dict[str, Any]) -> models.QuerySet:
    cases = Case.objects.visible_to(_user(context)).values("pk")
    return User.objects.filter(reads_case_data(), agency__case_links__case__in=cases).distinct()


def agencies_of_the_case(context: dict[str, Any]) -> models.QuerySet:
    return Agency.objects.filter(case_links__case=context["case"])


def people_of_the_case(context: dict[str, Any]) -> models.QuerySet:
    return User.objects.filter(reads_case_data(), agency__case_links__case=context["case"])


# --- actions: output ---------------------------------------------------------------------


class ActionUpdateSerializer(serializers.ModelSerializer):
    author = PersonSummarySerializer()

    class Meta:
        model = ActionUpdate
        fields = [
            "id",
            "author",
            "created_at",
            "note",
            "status_from",
            "status_to",
            "action_version",
        ]


class ActionSerializer(serializers.ModelSerializer):
    case = CaseLinkSerializer()
    owning_agency = AgencySummarySerializer()
    owner = PersonSummarySerializer(allow_null=True)
    created_by = PersonSummarySerializer()
    is_overdue = serializers.BooleanField(
        source="overdue",
        read_only=True,
        help_text="Open and past its due date, today in Europe/London. Derived, not stored.",
    )

    class Meta:
        model = Action
        fields = [
            "id",
            "version",
            "case",
            "description",
            "owning_agency",
            "owner",
            "due_date",
            "is_overdue",
            "priority",
            "four_p",
            "status",
            "completion_note",
            "completed_at",
            "cancel_reason",
            "created_by",
            "created_at",
            "updated_at",
        ]


class ActionDetailSerializer(ActionSerializer):
    updates = ActionUpdateSerializer(many=True, help_text="The timeline, oldest first.")

    class Meta(ActionSerializer.Meta):
        fields = [*ActionSerializer.Meta.fields, "updates"]


# --- actions: input ----------------------------------------------------------------------


class NewActionSerializer(serializers.Serializer):
    case = ScopedIdField(Case, visible_cases, help_text="A case you may see.")
    description = serializers.CharField()
    owning_agency = ScopedIdField(
        Agency, agencies_on_visible_cases, help_text="An agency involved in the case."
    )
    owner = optional_id(
        User, people_on_visible_cases, "Optional: an active member of the owning agency."
    )
    due_date = serializers.DateField()
    priority = serializers.ChoiceField(
        choices=Action.Priority.choices, default=Action.Priority.NORMAL
    )
    submission_token = serializers.UUIDField(
        required=False,
        default=None,
        help_text="Optional. Sending the same token again returns the first action.",
    )
    four_p = serializers.ChoiceField(
        choices=Action.FourP.choices, help_text="Which of the 4 Ps the action serves."
    )
    confirm_past_due = serializers.BooleanField(
        default=False,
        help_text="A due_date before today (Europe/London) is refused (400 on due_date) "
        "unless this is true.",
    )


class ProgressSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The action's version as you read it; a stale one is 409."
    )
    status = serializers.ChoiceField(
        choices=Action.Status.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="open, in_progress, done (with completion_note) or, for coordinators, "
        "cancelled (with cancel_reason). Leave out for a note alone.",
    )
    note = optional_text(help_text="A progress note. Needed when the status does not change.")
    completion_note = optional_text(help_text="What was done. Needed with status done.")
    cancel_reason = optional_text(help_text="Why. Needed with status cancelled.")


class ReassignSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The action's version as you read it; a stale one is 409."
    )
    owning_agency = ScopedIdField(
        Agency, agencies_of_the_case, help_text="An agency involved in the action's case."
    )
    owner = optional_id(
        User, people_of_the_case, "Optional: an active member of the owning agency."
    )
    due_date = serializers.DateField()
    priority = serializers.ChoiceField(choices=Action.Priority.choices)
    four_p = serializers.ChoiceField(choices=Action.FourP.choices)
    note = optional_text(help_text="Optional: why it is re-assigned.")


def overdue_filter(help_text: str) -> django_filters.ChoiceFilter:
    """``overdue=true`` or ``false``, worked out in the query from the due date and today
    in Europe/London. Anything else is refused (400), not ignored."""
    return django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_overdue",
        help_text=help_text,
    )


class ActionFilter(FilterSet):
    case = django_filters.NumberFilter(field_name="case_id", help_text="Case id.")
    owning_agency = django_filters.NumberFilter(
        field_name="owning_agency_id", help_text="Agency id."
    )
    status = django_filters.ChoiceFilter(choices=Action.Status.choices)
    due = django_filters.DateFromToRangeFilter(
        field_name="due_date", help_text="Due on or after (due_after) / on or before (due_before)."
    )
    overdue = overdue_filter(
        "true: open and past the due date (today in Europe/London); false: the rest."
    )

    class Meta:
        model = Action
        fields = ["case", "owning_agency", "status", "due", "overdue"]

    def filter_overdue(self, queryset: models.QuerySet, name: str, value: str):
        overdue = selectors.overdue_actions()
        return queryset.filter(overdue) if value == "true" else queryset.exclude(overdue)


class ActionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Actions on the cases the user may see, by due date. Opening one is recorded in the
    audit trail."""

    model = Action
    input_serializers = {
        "create": NewActionSerializer,
        "progress": ProgressSerializer,
        "reassign": ReassignSerializer,
    }
    filterset_class = ActionFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["due_date", "created_at", "priority", "status"]

    def output_serializer_class(self) -> type[serializers.Serializer]:
        return ActionSerializer if self.action == "list" else ActionDetailSerializer

    def list_queryset(self) -> models.QuerySet:
        return selectors.actions_with_overdue(
            Action.objects.select_related("case", "owning_agency", "owner", "created_by")
        ).order_by("due_date", "pk")

    def detail_queryset(self) -> models.QuerySet:
        updates = ActionUpdate.objects.select_related("author").order_by("created_at", "pk")
        return self.list_queryset().prefetch_related(Prefetch("updates", queryset=updates))

    def base_queryset(self) -> models.QuerySet:
        if self.action == "list":
            return self.list_queryset()
        if self.action == "retrieve":
            return self.detail_queryset()
        # Writes: the service locks and re-reads the row; the answer is read afterwards.
        return Action.objects.select_related("case")

    def reread(self, obj: Action) -> Action:
        return self.detail_queryset().visible_to(self.request.user).get(pk=obj.pk)

    @extend_schema(request=NewActionSerializer, responses={201: ActionDetailSerializer})
    def create(self, request: Request) -> Response:
        """Agree an action on a case: what, which involved agency owns it (its leads are
        notified), optionally who, by when, priority and which of the 4 Ps. Coordinators
        of the case's area; not on a closed case."""
        user = request.user
        allowed(
            bool(user.coordinator_area_ids) and services.may_write(user),
            "Only a coordinator may add actions.",
        )
        data = self.read_input(request)
        action = services.add_action(user, **data)
        return Response(self.output(self.reread(action)), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ProgressSerializer,
        responses={
            200: ActionDetailSerializer,
            409: OpenApiResponse(
                ConflictSerializer, description="Someone else updated the action: re-read it."
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def progress(self, request: Request, pk: str) -> Response:
        """A progress note and/or a new status. The owning agency's leads, the action's
        owner and coordinators of the case's area; only coordinators cancel (with a reason).
        An owner who finishes their own action no longer reads it: they get its id, status
        and version only."""
        action = self.get_object()
        allowed(
            services.can_update_action(request.user, action),
            "Only the owning agency's leads, the action's owner or a coordinator may update "
            "this action.",
        )
        data = self.read_input(request)
        updated = services.update_action(request.user, action=action, **data)
        try:
            return Response(self.output(self.reread(action)))
        except Action.DoesNotExist:
            # An owner who finished their own action no longer reads it (cases/access.py):
            # the answer is what they just wrote, nothing read.
            return Response(
                {"id": updated.pk, "status": updated.status, "version": updated.version}
            )

    @extend_schema(
        request=ReassignSerializer,
        responses={
            200: ActionDetailSerializer,
            409: OpenApiResponse(
                ConflictSerializer, description="Someone else updated the action: re-read it."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str) -> Response:
        """Re-assign an open action: owning agency (its leads are notified), owner, due
        date, priority and 4 P, all given. Coordinators of the case's area."""
        action = self.get_object()
        allowed(
            services.coordinates(request.user, action.case.area_id),
            "Only a coordinator of this area may re-assign an action.",
        )
        data = self.read_input(request, case=action.case)
        services.reassign_action(request.user, action=action, **data)
        return Response(self.output(self.reread(action)))


# --- reviews -------------------------------------------------------------------------------


class ReviewSerializer(serializers.ModelSerializer):
    case = CaseLinkSerializer()
    attending_agencies = AgencySummarySerializer(many=True)
    held_by = PersonSummarySerializer(allow_null=True)
    is_overdue = serializers.BooleanField(
        source="overdue",
        read_only=True,
        help_text="Upcoming and past its due date, today in Europe/London. Derived.",
    )

    class Meta:
        model = Review
        fields = [
            "id",
            "case",
            "status",
            "due_date",
            "is_overdue",
            "held_on",
            "recorded_at",
            "held_by",
            "attending_agencies",
            "outcome",
            "risk_level_after",
            "next_due_date",
        ]


class HoldReviewSerializer(serializers.Serializer):
    held_on = serializers.DateField(help_text="Today or earlier.")
    attending_agencies = ScopedIdField(
        Agency,
        agencies_of_the_case,
        many=True,
        allow_empty=False,
        help_text="Agencies involved in the case that attended.",
    )
    outcome = serializers.CharField()
    risk_level_after = serializers.ChoiceField(
        choices=RiskLevel.choices,
        help_text="Must be the case's current level: a different level is set by a new "
        "assessment (POST assessments/) first.",
    )


class ReviewFilter(FilterSet):
    case = django_filters.NumberFilter(field_name="case_id", help_text="Case id.")
    status = django_filters.ChoiceFilter(choices=Review.Status.choices)
    due = django_filters.DateFromToRangeFilter(
        field_name="due_date", help_text="Due on or after (due_after) / on or before (due_before)."
    )
    overdue = overdue_filter(
        "true: upcoming and past the due date (today in Europe/London); false: the rest."
    )

    class Meta:
        model = Review
        fields = ["case", "status", "due", "overdue"]

    def filter_overdue(self, queryset: models.QuerySet, name: str, value: str):
        overdue = selectors.overdue_reviews()
        return queryset.filter(overdue) if value == "true" else queryset.exclude(overdue)


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Reviews of the cases the user may see, by due date. An open case has exactly one
    upcoming review; holding it schedules the next by the risk cadence."""

    model = Review
    serializer_class = ReviewSerializer
    input_serializers = {"hold": HoldReviewSerializer}
    filterset_class = ReviewFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["due_date", "held_on"]

    def read_queryset(self) -> models.QuerySet:
        return (
            selectors.reviews_with_overdue(Review.objects.select_related("case", "held_by"))
            .prefetch_related("attending_agencies")
            .order_by("due_date", "pk")
        )

    def base_queryset(self) -> models.QuerySet:
        if self.action in ("list", "retrieve"):
            return self.read_queryset()
        return Review.objects.select_related("case")

    def reread(self, obj: Review) -> Review:
        return self.read_queryset().visible_to(self.request.user).get(pk=obj.pk)

    @extend_schema(
        request=HoldReviewSerializer,
        responses={
            200: ReviewSerializer,
            409: OpenApiResponse(
                ConflictSerializer, description="The review was already held or cancelled."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def hold(self, request: Request, pk: str) -> Response:
        """Record the review: when, which agencies attended, the outcome, and the risk
        level confirmed. The next review is scheduled by the level's cadence from the day it
        was held (see next_due_date). Coordinators of the case's area."""
        review = self.get_object()
        allowed(
            services.can_hold_review(request.user, review),
            "Only a coordinator of this area may hold a review.",
        )
        data = self.read_input(request, case=review.case)
        services.hold_review(request.user, review=review, **data)
        return Response(self.output(self.reread(review)))

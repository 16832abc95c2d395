"""Cases over the API: the list with its filters, the full record, moving a case through
its lifecycle (one ``transition`` action that mirrors cases.workflow) and naming its team.
A case is created by accepting a referral (POST /referrals/{id}/accept/)."""

from __future__ import annotations

import django_filters
from django.db import models
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from cases import search, selectors, services, workflow
from cases.ages import AgeBand
from cases.api.base import (
    AgencySummarySerializer,
    AreaSummarySerializer,
    CaseLinkSerializer,
    ChildSummarySerializer,
    ConflictSerializer,
    PersonSummarySerializer,
    ScopedIdField,
    ScopedViewSet,
    allowed,
    area_agencies,
    area_people,
    area_teams,
    case_visible,
    one_serializer,
    optional_id,
    optional_text,
)
from cases.forms.cases import CaseFilterForm
from cases.models import (
    Action,
    Case,
    Referral,
    RiskAssessment,
    RiskLevel,
)
from panel.dates import london_today
from panel.filters import FilterSet
from panel.models import Agency, Area, LocalSupportTeam, User

# --- output -------------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):
    """A case in a list."""

    area = AreaSummarySerializer()
    child = ChildSummarySerializer()
    lead_agency = AgencySummarySerializer(allow_null=True)
    lead_professional = PersonSummarySerializer(allow_null=True)
    involved_agencies = AgencySummarySerializer(many=True)
    next_review_due = serializers.DateField(
        allow_null=True, read_only=True, help_text="Due date of the upcoming review."
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "version",
            "status",
            "risk_level",
            "area",
            "child",
            "lead_agency",
            "lead_professional",
            "involved_agencies",
            "next_review_due",
            "opened_at",
            "closed_at",
        ]


class LocalSupportTeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = LocalSupportTeam
        fields = ["id", "name", "district", "contact_name", "phone", "email"]


class RiskHistorySerializer(serializers.ModelSerializer):
    tool = serializers.StringRelatedField()
    assessed_by = PersonSummarySerializer()

    class Meta:
        model = RiskAssessment
        fields = [
            "id",
            "tool",
            "assessed_at",
            "assessed_by",
            "computed_level",
            "override_level",
            "override_reason",
            "final_level",
        ]


class OpenActionSerializer(serializers.ModelSerializer):
    owning_agency = AgencySummarySerializer()
    owner = PersonSummarySerializer(allow_null=True)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = [
            "id",
            "version",
            "description",
            "owning_agency",
            "owner",
            "due_date",
            "priority",
            "four_p",
            "status",
            "is_overdue",
        ]

    def get_is_overdue(self, action: Action) -> bool:
        return action.is_overdue()


class ReferralLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Referral
        fields = ["id", "referred_at", "status"]


class CaseDetailSerializer(CaseSerializer):
    """The full case: team, risk history, open actions, the upcoming review and the
    transitions open to it now."""

    local_support_team = LocalSupportTeamSerializer(allow_null=True)
    previous_case = serializers.SerializerMethodField(
        help_text="The child's earlier case, when you may see it."
    )
    is_re_referral = serializers.SerializerMethodField()
    review_overdue = serializers.SerializerMethodField()
    risk_history = RiskHistorySerializer(many=True, source="assessments")
    open_actions = OpenActionSerializer(many=True)
    referrals = ReferralLinkSerializer(many=True, source="visible_referrals")
    allowed_transitions = serializers.SerializerMethodField(
        help_text="Statuses this case may move to now (POST transition/)."
    )

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "review_overdue",
            "local_support_team",
            "lst_contact",
            "closure_reason",
            "closure_summary",
            "previous_case",
            "is_re_referral",
            "risk_history",
            "open_actions",
            "referrals",
            "allowed_transitions",
        ]

    @extend_schema_field(CaseLinkSerializer(allow_null=True))
    def get_previous_case(self, case: Case) -> dict | None:
        # An agency lead on this case may not be on the earlier one: its reference is shown
        # only to those who may open it.
        if case.previous_case_id is None or not case.previous_case_visible:
            return None
        return one_serializer(self, CaseLinkSerializer).to_representation(case.previous_case)

    def get_is_re_referral(self, case: Case) -> bool:
        return case.previous_case_id is not None

    def get_review_overdue(self, case: Case) -> bool:
        return case.next_review_due is not None and case.next_review_due < london_today()

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=Case.Status.choices))
    )
    def get_allowed_transitions(self, case: Case) -> list[str]:
        return workflow.allowed_targets(case)


# --- input --------------------------------------------------------------------------------


class TransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(
        choices=Case.Status.choices,
        help_text="awaiting_panel -> open or closed; open -> closed; closed -> open. "
        "Anything else is 409.",
    )
    reason = optional_text(help_text="Why; needed to re-open a closed case.")
    closure_reason = serializers.ChoiceField(
        choices=Case.ClosureReason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed to close.",
    )
    closure_summary = optional_text(
        help_text="Needed to close: why the child is now safe or the risk removed."
    )


class TeamSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The case's version as you read it; a stale one is 409."
    )
    involved_agencies = ScopedIdField(
        Agency,
        area_agencies,
        many=True,
        help_text="The full list (agencies of the case's area). Adding one gives its leads "
        "access at once; removing one takes it away.",
    )
    lead_agency = optional_id(Agency, area_agencies, "An agency of the case's area.")
    lead_professional = optional_id(
        User,
        area_people,
        "A person in an involved agency. Needed, with the lead agency, to open the case; an "
        "open case keeps both.",
    )
    local_support_team = optional_id(
        LocalSupportTeam, area_teams, "A Local Support Team of the case's area."
    )
    lst_contact = optional_text(150)


def _lead_professional_choices(request) -> models.QuerySet:
    """The people the filter accepts: those who could lead a case the user sees (the web
    list's choices, ``selectors.lead_professional_choices``); anyone else is a 400."""
    if request is None or not request.user.is_authenticated:
        return User.objects.none()
    _, agencies = selectors.case_filter_choices(request.user)
    return selectors.lead_professional_choices(agencies)


# The API's earlier ordering names, kept: the same orders as the list's column keys.
ORDERING_ALIASES = {"opened_at": "opened", "next_review_due": "next_review"}
ORDERINGS = [
    *selectors.SORT_KEYS,
    *ORDERING_ALIASES,
    *(f"-{name}" for name in ORDERING_ALIASES),
]


class CaseFilter(FilterSet):
    """The case list's filters and order. Applied by the web list's one filter
    (``CaseFilterForm.apply``), so the API and the page count the same rows; this class
    reads and checks the parameters (a bad value is a 400 naming it) and documents them."""

    status = django_filters.ChoiceFilter(choices=Case.Status.choices)
    risk_level = django_filters.ChoiceFilter(choices=RiskLevel.choices)
    area = django_filters.ModelChoiceFilter(queryset=Area.objects.all(), help_text="Area id.")
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(),
        field_name="agency_links__agency",
        help_text="Agency id: cases that agency is involved in.",
    )
    lead_agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(), help_text="Agency id: cases that agency leads."
    )
    lead_professional = django_filters.ModelChoiceFilter(
        queryset=_lead_professional_choices,
        help_text="User id: cases this person is lead professional on. Only people of the "
        "agencies of areas you may see; anyone else is a 400.",
    )
    age_band = django_filters.ChoiceFilter(
        choices=AgeBand.choices,
        help_text="The child's age band today (Europe/London). 16-17-year-olds are children.",
    )
    overdue_actions = django_filters.ChoiceFilter(
        choices=[("1", "Has overdue actions")],
        help_text="1: cases with an open action due before today (Europe/London).",
    )
    next_review_due = django_filters.DateFromToRangeFilter(
        help_text="Upcoming review due on or after / on or before."
    )
    opened = django_filters.DateFromToRangeFilter(
        field_name="opened_at", help_text="Opened on or after / on or before (dates)."
    )
    # Declared last, so applied last: the best matches among the filtered cases.
    q = search.SearchFilter(help_text=search.API_HELP)
    ordering = django_filters.ChoiceFilter(
        choices=[(key, key) for key in ORDERINGS],
        help_text="The order: a column key (reference, child, age, area, status, risk, "
        "lead_agency, next_review, open_actions, opened), ascending, or with '-' before it "
        "descending; ties by id. Risk sorts by level (high above medium above low), status "
        "by the lifecycle (awaiting panel, open, closed); age ascending is the youngest "
        "first. opened_at and next_review_due are the same as opened and next_review. "
        "Default: -opened (newest first).",
    )

    class Meta:
        model = Case
        fields = [
            "status",
            "risk_level",
            "area",
            "agency",
            "lead_agency",
            "lead_professional",
            "age_band",
            "overdue_actions",
            "next_review_due",
            "opened",
            "ordering",
            "q",
        ]

    def filter_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        data = self.form.cleaned_data
        queryset = self.filters["opened"].filter(queryset, data.get("opened"))
        due = data.get("next_review_due")
        ordering = data.get("ordering") or ""
        key = ordering.removeprefix("-")
        sort = ordering[: len(ordering) - len(key)] + ORDERING_ALIASES.get(key, key)
        return CaseFilterForm.apply(
            queryset,
            {
                "status": data.get("status"),
                "risk": data.get("risk_level"),
                "area": data.get("area"),
                "agency": data.get("agency"),
                "lead_agency": data.get("lead_agency"),
                "lead_professional": data.get("lead_professional"),
                "age_band": data.get("age_band"),
                "overdue_actions": data.get("overdue_actions"),
                "q": data.get("q"),
                "review_due_from": due.start if due else None,
                "review_due_to": due.stop if due else None,
                "sort": sort if ordering else "",
            },
        )


class CasePagination(PageNumberPagination):
    """The case list's pages: the page's ids in order first, then those cases
    (``selectors.CasePaginator``)."""

    django_paginator_class = selectors.CasePaginator


# --- the viewset --------------------------------------------------------------------------


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Cases the user may see: coordinators their areas', agency leads those their agency
    is involved in, auditors all; referrers none. Opening a case is recorded in the audit
    trail."""

    model = Case
    input_serializers = {"transition": TransitionSerializer, "team": TeamSerializer}
    filterset_class = CaseFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    pagination_class = CasePagination

    def output_serializer_class(self) -> type[serializers.Serializer]:
        return CaseSerializer if self.action == "list" else CaseDetailSerializer

    def list_queryset(self) -> models.QuerySet:
        # The next review for the page's rows only; an order by it joins the upcoming
        # review itself (selectors.sort_cases).
        return (
            Case.objects.select_related("child", "area", "lead_agency", "lead_professional")
            .prefetch_related("involved_agencies")
            .annotate(next_review_due=selectors.upcoming_review_due())
            .order_by("-opened_at", "-pk")
        )

    def detail_queryset(self) -> models.QuerySet:
        user = self.request.user
        assessments = RiskAssessment.objects.select_related("tool", "assessed_by")
        open_actions = Action.objects.filter(status__in=Action.OPEN_STATUSES).select_related(
            "owning_agency", "owner"
        )
        return (
            self.list_queryset()
            .select_related("local_support_team", "previous_case")
            .prefetch_related(
                Prefetch("assessments", queryset=assessments.order_by("-assessed_at", "-id")),
                Prefetch("actions", queryset=open_actions, to_attr="open_actions"),
                Prefetch(
                    "referrals",
                    queryset=Referral.objects.visible_to(user).order_by("referred_at", "pk"),
                    to_attr="visible_referrals",
                ),
            )
            .annotate(previous_case_visible=case_visible(user, "previous_case_id"))
        )

    def base_queryset(self) -> models.QuerySet:
        if self.action == "list":
            return self.list_queryset()
        if self.action == "retrieve":
            return self.detail_queryset()
        # Writes: the service locks and re-reads the row; the answer is read afterwards.
        return Case.objects.all()

    def reread(self, obj: Case) -> Case:
        return self.detail_queryset().visible_to(self.request.user).get(pk=obj.pk)

    @extend_schema(
        request=TransitionSerializer,
        responses={
            200: CaseDetailSerializer,
            409: OpenApiResponse(
                ConflictSerializer, description="Not allowed from the case's current status."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        """Move the case to another status: open it after its first panel (its lead agency
        and lead professional named, else 400 naming them), close it (a closure reason, a
        summary and no open actions), or re-open it with a reason. Coordinators of the
        case's area."""
        case = self.get_object()
        _coordinator(request, case)
        data = self.read_input(request)
        services.transition_case(request.user, case=case, **data)
        return Response(self.output(self.reread(case)))

    @extend_schema(
        request=TeamSerializer,
        responses={
            200: CaseDetailSerializer,
            409: OpenApiResponse(
                ConflictSerializer, description="Someone else changed the case: re-read it."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def team(self, request: Request, pk: str) -> Response:
        """Set the involved agencies, the lead agency and professional and the LST contact.
        Coordinators of the case's area. A closed case's team cannot be changed (400)."""
        case = self.get_object()
        _coordinator(request, case)
        data = self.read_input(request, area_id=case.area_id)
        services.set_case_team(request.user, case=case, **data)
        return Response(self.output(self.reread(case)))


def _coordinator(request: Request, case: Case) -> None:
    allowed(
        services.coordinates(request.user, case.area_id),
        "Only a coordinator of this area may do this.",
    )

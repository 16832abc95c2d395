"""Risk assessments and notes on cases, and the risk tools they are made with."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases import scoring, services
from cases.api.base import (
    CaseLinkSerializer,
    ChildSummarySerializer,
    InputAndOutput,
    PersonSummarySerializer,
    ScopedIdField,
    ScopedViewSet,
    active_matrix,
    allowed,
    answer_inputs,
    answers_field,
    case_visible,
    check_indicator_codes,
    may_panel_write,
    one_serializer,
    optional_text,
    regroup,
    visible_cases,
)
from cases.models import (
    Case,
    CaseNote,
    Referral,
    RiskAnswer,
    RiskAssessment,
    RiskIndicator,
    RiskLevel,
    RiskTool,
)
from panel.dates import age_on, london_today
from panel.filters import FilterSet

# --- risk tools ---------------------------------------------------------------------------


class RiskIndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskIndicator
        fields = ["code", "band", "label", "order", "is_disclosure", "minimum_level"]


class RiskToolSerializer(serializers.ModelSerializer):
    indicators = RiskIndicatorSerializer(many=True)
    rules = serializers.DictField(help_text="Thresholds the tool's scoring rules use.")

    class Meta:
        model = RiskTool
        fields = [
            "id",
            "slug",
            "version",
            "name",
            "description",
            "scoring",
            "rules",
            "is_active",
            "published_on",
            "indicators",
        ]


class ScoreRequestSerializer(serializers.Serializer):
    answers = answers_field()
    date_of_birth = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Under 13 is never low."
    )

    def validate_answers(self, answers: dict) -> dict:
        check_indicator_codes(answers, self.context["tool"])
        return answers

    def validate_date_of_birth(self, born):
        if born and born > london_today():
            raise serializers.ValidationError("Date of birth must be in the past.")
        return born


class ScoreSerializer(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=RiskLevel.choices,
        allow_null=True,
        help_text="null when no risk indicator is answered present or not present: not "
        "assessed, never low.",
    )
    label = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    present = serializers.IntegerField(help_text="How many indicators are present.")


class RiskToolFilter(django_filters.FilterSet):
    class Meta:
        model = RiskTool
        fields = ["slug", "is_active"]


class RiskToolViewSet(InputAndOutput, viewsets.ReadOnlyModelViewSet):
    """Risk tools as data: each version's indicators in bands and its scoring rules."""

    queryset = RiskTool.objects.prefetch_related("indicators")
    serializer_class = RiskToolSerializer
    input_serializers = {"score": ScoreRequestSerializer}
    filterset_class = RiskToolFilter

    @extend_schema(request=ScoreRequestSerializer, responses=ScoreSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def score(self, request: Request, pk: str) -> Response:
        """Score answers with this tool's rules, saving nothing: the level a form shows as
        answers change. Gender never enters a score, nor does being 16 or 17."""
        tool = self.get_object()
        data = self.read_input(request, tool=tool)
        born = data["date_of_birth"]
        result = scoring.score(
            tool,
            {code: given["answer"] for code, given in data["answers"].items()},
            age_on(born, london_today()) if born else None,
            indicators=tool.indicators.all(),
        )
        return Response(
            ScoreSerializer(
                {
                    "level": result.level,
                    "label": result.label,
                    "reasons": result.reasons,
                    "present": result.present,
                }
            ).data
        )


# --- assessments --------------------------------------------------------------------------


class RiskAnswerSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")
    label = serializers.CharField(source="indicator.label")
    band = serializers.CharField(source="indicator.band")

    class Meta:
        model = RiskAnswer
        fields = ["indicator", "label", "band", "answer", "evidence", "recency"]


class AssessmentSerializer(serializers.ModelSerializer):
    case = serializers.SerializerMethodField()
    child = ChildSummarySerializer()
    tool = serializers.StringRelatedField()
    assessed_by = PersonSummarySerializer()
    answers = RiskAnswerSerializer(many=True)

    class Meta:
        model = RiskAssessment
        fields = [
            "id",
            "case",
            "referral",
            "child",
            "tool",
            "assessed_by",
            "assessed_at",
            "computed_level",
            "override_level",
            "override_reason",
            "final_level",
            "answers",
        ]

    @extend_schema_field(CaseLinkSerializer(allow_null=True))
    def get_case(self, assessment: RiskAssessment) -> dict | None:
        # A referral's assessment joins the case when it is accepted; the referrer who made
        # it still sees it, but not the case.
        if assessment.case_id is None or not getattr(assessment, "case_visible", False):
            return None
        return one_serializer(self, CaseLinkSerializer).to_representation(assessment.case)


def visible_referrals(context: dict) -> models.QuerySet:
    return Referral.objects.visible_to(context["request"].user)


class NewAssessmentSerializer(serializers.Serializer):
    case = ScopedIdField(
        Case,
        visible_cases,
        required=False,
        allow_null=True,
        default=None,
        help_text="A case you may see.",
    )
    referral = ScopedIdField(
        Referral,
        visible_referrals,
        required=False,
        allow_null=True,
        default=None,
        help_text="Instead of a case: a referral awaiting triage in an area you coordinate, "
        "for instance one sent with the matrix unanswered (not assessed), so that it can be "
        "accepted.",
    )
    answers = answers_field()
    override_level = serializers.ChoiceField(
        choices=RiskLevel.choices, required=False, allow_blank=True, default=""
    )
    override_reason = optional_text(help_text="Needed with override_level.")
    submission_token = serializers.UUIDField(
        required=False,
        default=None,
        help_text="Optional. Sending the same token again returns the first assessment.",
    )

    def validate_answers(self, answers: dict) -> dict:
        check_indicator_codes(answers, active_matrix())
        return answers

    def validate(self, data: dict) -> dict:
        if (data["case"] is None) == (data["referral"] is None):
            raise serializers.ValidationError({"case": "Give a case or a referral, not both."})
        return data


class AssessmentFilter(FilterSet):
    case = django_filters.NumberFilter(field_name="case_id", help_text="Case id.")
    referral = django_filters.NumberFilter(field_name="referral_id", help_text="Referral id.")

    class Meta:
        model = RiskAssessment
        fields = ["case", "referral"]


class AssessmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Risk assessments on the cases and referrals the user may see, newest first."""

    model = RiskAssessment
    serializer_class = AssessmentSerializer
    input_serializers = {"create": NewAssessmentSerializer}
    filterset_class = AssessmentFilter

    def base_queryset(self) -> models.QuerySet:
        answers = RiskAnswer.objects.select_related("indicator")
        return (
            RiskAssessment.objects.select_related("case", "child", "tool", "assessed_by")
            .prefetch_related(Prefetch("answers", queryset=answers))
            .annotate(case_visible=case_visible(self.request.user))
            .order_by("-assessed_at", "-pk")
        )

    @extend_schema(request=NewAssessmentSerializer, responses={201: AssessmentSerializer})
    def create(self, request: Request) -> Response:
        """A new Risk Factor Matrix assessment on a case: it sets the case's risk level and
        re-sets the upcoming review by the new level's cadence. Or, with ``referral``, a
        coordinator's assessment of a referral awaiting triage. An unanswered matrix (no
        risk indicator present or not present) is refused. An override needs a reason.
        Coordinators of the case's area and leads of an involved agency; not on a closed
        case."""
        allowed(may_panel_write(request.user), "You may not assess cases.")
        data = self.read_input(request)
        answers = answer_inputs(data["answers"])
        given = {
            "answers": answers,
            "override_level": data["override_level"],
            "override_reason": data["override_reason"],
            "submission_token": data["submission_token"],
        }
        try:
            if data["referral"] is not None:
                assessment = services.assess_referral(
                    request.user, referral=data["referral"], **given
                )
            else:
                assessment = services.record_assessment(request.user, case=data["case"], **given)
        except DjangoValidationError as error:
            raise regroup(error, {"answers": set(answers)}) from None
        return Response(self.output(self.reread(assessment)), status=status.HTTP_201_CREATED)


# --- notes --------------------------------------------------------------------------------


class NoteSerializer(serializers.ModelSerializer):
    case = CaseLinkSerializer()
    author = PersonSummarySerializer()

    class Meta:
        model = CaseNote
        fields = ["id", "case", "author", "created_at", "text"]


class NewNoteSerializer(serializers.Serializer):
    case = ScopedIdField(Case, visible_cases, help_text="A case you may see.")
    text = serializers.CharField()
    submission_token = serializers.UUIDField(
        required=False,
        default=None,
        help_text="Optional. Sending the same token again returns the first note.",
    )


class NoteFilter(FilterSet):
    case = django_filters.NumberFilter(field_name="case_id", help_text="Case id.")

    class Meta:
        model = CaseNote
        fields = ["case"]


class NoteViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Case notes on the cases the user may see, newest first."""

    model = CaseNote
    serializer_class = NoteSerializer
    input_serializers = {"create": NewNoteSerializer}
    filterset_class = NoteFilter

    def base_queryset(self) -> models.QuerySet:
        return CaseNote.objects.select_related("case", "author").order_by("-created_at", "-pk")

    @extend_schema(request=NewNoteSerializer, responses={201: NoteSerializer})
    def create(self, request: Request) -> Response:
        """Add a note to a case. Coordinators of the case's area and leads of an involved
        agency. A note on a closed case does not re-open it."""
        allowed(may_panel_write(request.user), "You may not add case notes.")
        data = self.read_input(request)
        note = services.add_note(
            request.user,
            case=data["case"],
            text=data["text"],
            submission_token=data["submission_token"],
        )
        return Response(self.output(self.reread(note)), status=status.HTTP_201_CREATED)

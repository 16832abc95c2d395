"""Referrals over the API: making one (with the child and the Risk Factor Matrix answers)
and the coordinator's triage of it.

Someone who sees a referral only because they made it gets the ``referrer`` shape: what
they sent, its status and where it went (``outcome_route``), nothing about the case, the
reasons or who decided. Coordinators, leads of an involved agency and auditors get the
``panel`` shape.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

from cases import services
from cases.access import referral_visible
from cases.api.base import (
    AgencySummarySerializer,
    AreaSummarySerializer,
    ByViewSerializer,
    CaseLinkSerializer,
    ChildSummarySerializer,
    ConflictSerializer,
    NoInput,
    PersonSummarySerializer,
    ScopedIdField,
    ScopedViewSet,
    active_matrix,
    allowed,
    answer_inputs,
    answers_field,
    area_agencies,
    area_people,
    area_teams,
    case_visible,
    check_indicator_codes,
    one_serializer,
    optional_id,
    optional_text,
    record_list,
    referral_panel_view,
    regroup,
    view_field,
    visible_children,
)
from cases.models import Child, Referral, RiskAssessment, RiskLevel, YesNoUnknown
from panel.filters import FilterSet
from panel.models import Agency, Area, LocalSupportTeam, User
from panel.schema import REFUSED

# --- output -------------------------------------------------------------------------------


class ReferralAssessmentSerializer(serializers.ModelSerializer):
    tool = serializers.StringRelatedField()

    class Meta:
        model = RiskAssessment
        fields = ["id", "tool", "assessed_at", "computed_level", "override_level", "final_level"]


REFERRAL_AS_SENT = [
    "id",
    "child",
    "area",
    "referred_at",
    "referrer_role",
    "referrer_contact",
    "concerns",
    "contact_in_person",
    "contact_mobile_phone",
    "contact_online",
    "immediate_risk",
    "police_contacted_at",
    "police_contacted_by",
    "police_incident_number",
    "known_to_social_care",
    "lead_social_worker",
    "child_aware",
    "child_agrees",
    "parents_aware",
    "parents_agree",
    "consent_notes",
    "legal_status",
    "young_adult_reason",
    "status",
    "outcome_route",
]


class ReferralForReferrerSerializer(serializers.ModelSerializer):
    """A referral seen by the person who made it: what they sent and the outcome."""

    view = view_field("referrer")
    child = ChildSummarySerializer()
    area = AreaSummarySerializer()

    class Meta:
        model = Referral
        fields = ["view", *REFERRAL_AS_SENT]


class ReferralSerializer(ReferralForReferrerSerializer):
    """A referral as the panel sees it, with the triage decision and the case it joined."""

    view = view_field("panel")
    referrer = PersonSummarySerializer()
    referrer_agency = AgencySummarySerializer()
    triaged_by = PersonSummarySerializer(allow_null=True)
    case = serializers.SerializerMethodField()
    repeat_of = serializers.SerializerMethodField(
        help_text="The same referrer's earlier referral of this child within 24 hours, when "
        "this one was confirmed as a repeat (its id, if you may see it)."
    )
    is_repeat = serializers.SerializerMethodField()
    assessment = serializers.SerializerMethodField(
        help_text="The Risk Factor Matrix completed with the referral."
    )

    class Meta:
        model = Referral
        fields = [
            "view",
            *REFERRAL_AS_SENT,
            "version",
            "referrer",
            "referrer_agency",
            "outcome_reason",
            "triaged_by",
            "triaged_at",
            "child_checked_at",
            "is_repeat",
            "repeat_of",
            "case",
            "assessment",
        ]

    def get_is_repeat(self, referral: Referral) -> bool:
        return referral.repeat_of_id is not None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_repeat_of(self, referral: Referral) -> int | None:
        # Named only to those who may open it, like the case.
        return referral.repeat_of_id if getattr(referral, "repeat_of_visible", False) else None

    @extend_schema_field(CaseLinkSerializer(allow_null=True))
    def get_case(self, referral: Referral) -> dict | None:
        # The case a referral joined may be in another area: name it only to those who may
        # open it.
        if referral.case_id is None or not getattr(referral, "case_visible", False):
            return None
        return one_serializer(self, CaseLinkSerializer).to_representation(referral.case)

    @extend_schema_field(ReferralAssessmentSerializer(allow_null=True))
    def get_assessment(self, referral: Referral) -> dict | None:
        latest = next(iter(referral.assessments.all()), None)
        if latest is None:
            return None
        return one_serializer(self, ReferralAssessmentSerializer).to_representation(latest)


class ReferralByViewSerializer(ByViewSerializer):
    panel = ReferralSerializer
    referrer = ReferralForReferrerSerializer


REFERRAL_RESPONSE = PolymorphicProxySerializer(
    component_name="ReferralRecord",
    serializers={"panel": ReferralSerializer, "referrer": ReferralForReferrerSerializer},
    resource_type_field_name="view",
)

# --- input --------------------------------------------------------------------------------


def _yes_no(help_text: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN, help_text=help_text
    )


class NewChildSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    known_as = optional_text(100)
    date_of_birth = serializers.DateField(
        help_text="Under 18; 18 to 25 only with young_adult_reason."
    )
    gender = serializers.ChoiceField(choices=Child.Gender.choices)
    area = serializers.PrimaryKeyRelatedField(
        queryset=Area.objects.all(), help_text="The area the child lives in: its panel triages."
    )
    ethnicity_code = serializers.ChoiceField(
        choices=Child.Ethnicity.choices,
        default=Child.Ethnicity.NOT_KNOWN,
        help_text="The ONS 2021 ethnic group (the census's categories, plus declined and "
        "not_known). not_known when left out: the area's coordinators can set it later.",
    )
    ethnicity = optional_text(
        100, help_text="The ethnicity as the child or family describe it, kept as written."
    )
    school_or_setting = optional_text(200)
    address = optional_text()


class NewReferralSerializer(serializers.Serializer):
    submission_token = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Any UUID the client makes once per referral. Sending the same one again "
        "returns the first referral (200) and records nothing new.",
    )
    confirm_repeat = serializers.BooleanField(
        default=False,
        help_text="You referred this child (same name and date of birth) in the last 24 "
        "hours and this is a different referral: send it as well. Without it such a referral "
        "is answered 409 with the earlier referral's id.",
    )
    child = NewChildSerializer()
    referrer_role = serializers.CharField(max_length=150)
    referrer_contact = serializers.CharField(max_length=200)
    concerns = serializers.CharField()
    contact_in_person = serializers.BooleanField(default=False)
    contact_mobile_phone = serializers.BooleanField(default=False)
    contact_online = serializers.BooleanField(default=False)
    immediate_risk = serializers.BooleanField(
        default=False,
        help_text="In immediate danger: call 999 first. Then record when police were "
        "contacted, by whom and the incident number.",
    )
    police_contacted_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    police_contacted_by = optional_text(150)
    police_incident_number = optional_text(50)
    known_to_social_care = _yes_no("Whether children's social care already know the child.")
    lead_social_worker = optional_text(150)
    child_aware = _yes_no("Whether the child knows of the referral.")
    child_agrees = _yes_no("Whether the child agrees to it.")
    parents_aware = _yes_no("Whether the parents or carers know of it.")
    parents_agree = _yes_no("Whether the parents or carers agree to it.")
    consent_notes = optional_text()
    legal_status = serializers.ChoiceField(
        choices=Referral.LegalStatus.choices, default=Referral.LegalStatus.NOT_KNOWN
    )
    young_adult_reason = optional_text(help_text="Needed when the person is 18 to 25.")
    answers = answers_field(required=False, default=dict)
    override_level = serializers.ChoiceField(
        choices=RiskLevel.choices, required=False, allow_blank=True, default=""
    )
    override_reason = optional_text(help_text="Needed with override_level.")

    def validate_answers(self, answers: dict) -> dict:
        check_indicator_codes(answers, active_matrix())
        return answers


CHILD_FIELDS = frozenset(NewChildSerializer().fields)


class AcceptSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the referral meets the panel's threshold.")
    lead_agency = optional_id(
        Agency,
        area_agencies,
        "An agency of the referral's area. Needed for a new case (it becomes involved); "
        "not when the referral joins the child's active case.",
    )
    lead_professional = optional_id(User, area_people, "A person in an involved agency.")
    local_support_team = optional_id(
        LocalSupportTeam, area_teams, "A Local Support Team of the referral's area."
    )
    lst_contact = optional_text(150)
    involved_agencies = ScopedIdField(
        Agency,
        area_agencies,
        many=True,
        required=False,
        help_text="Agencies of the referral's area: their leads see the case.",
    )


class DecideSerializer(serializers.Serializer):
    OUTCOMES = [
        (Referral.Status.STEPPED_DOWN, "Step down to early help"),
        (Referral.Status.REDIRECTED, "Redirect"),
        (Referral.Status.NO_FURTHER_ACTION, "No further action"),
    ]

    outcome = serializers.ChoiceField(
        choices=OUTCOMES, help_text="To accept to panel, POST to accept/."
    )
    route = serializers.ChoiceField(
        choices=Referral.OutcomeRoute.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="stepped_down: eha or lst; redirected: front_door or s47; otherwise empty.",
    )
    reason = serializers.CharField()


class LinkChildSerializer(serializers.Serializer):
    child = ScopedIdField(
        Child,
        visible_children,
        help_text="The existing record of this child, one you may see (see possible-duplicates/).",
    )


class DuplicateCandidateSerializer(ChildSummarySerializer):
    """A possible duplicate, with why it matched and what tells two apart."""

    match_reason = serializers.CharField()
    area = AreaSummarySerializer()
    latest_case_reference = serializers.CharField(allow_null=True)
    latest_case_status = serializers.CharField(allow_null=True)
    last_referred_at = serializers.DateTimeField(allow_null=True)

    class Meta(ChildSummarySerializer.Meta):
        fields = [
            *ChildSummarySerializer.Meta.fields,
            "match_reason",
            "area",
            "latest_case_reference",
            "latest_case_status",
            "last_referred_at",
        ]


class HoldingPanelSerializer(serializers.ModelSerializer):
    """An area whose panel holds a strong match, with who to contact: nothing of the child."""

    class Meta:
        model = Area
        fields = ["id", "name", "front_door_name", "front_door_phone"]


class PossibleDuplicatesSerializer(serializers.Serializer):
    children = DuplicateCandidateSerializer(many=True)
    held_elsewhere = HoldingPanelSerializer(
        many=True,
        help_text="Other areas whose panel holds a child with exactly the same folded name "
        "and date of birth: contact them. Nothing about that child is given, their "
        "coordinators are told, and the check is audited and limited per day.",
    )
    cross_area_checks_paused = serializers.BooleanField(
        help_text="True when you have reached today's limit of checks for matches held by "
        "other areas' panels (CROSS_AREA_MATCH_SIGNALS_PER_DAY): none was made."
    )


class UndoLinkSerializer(serializers.Serializer):
    reason = optional_text(300, help_text="Why the link is undone.")


class RepeatReferralSerializer(serializers.Serializer):
    """409: the same referrer referred this child in the last 24 hours. Nothing was sent;
    send again with ``confirm_repeat: true`` if this is a different referral."""

    detail = serializers.CharField()
    earlier_referral = serializers.IntegerField(help_text="The id of the earlier referral.")
    earlier_referred_at = serializers.DateTimeField()


class ReferralFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=Referral.Status.choices)
    area = django_filters.ModelChoiceFilter(queryset=Area.objects.all(), help_text="Area id.")
    immediate_risk = django_filters.BooleanFilter()
    referred = django_filters.DateFromToRangeFilter(
        field_name="referred_at", help_text="Referred on or after / on or before (dates)."
    )

    class Meta:
        model = Referral
        fields = ["status", "area", "immediate_risk", "referred"]


# --- the viewset --------------------------------------------------------------------------

CONFLICT = OpenApiResponse(ConflictSerializer, description="Already triaged: nothing saved.")


@extend_schema_view(
    list=extend_schema(responses=REFERRAL_RESPONSE),
    retrieve=extend_schema(responses=REFERRAL_RESPONSE),
)
class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Referrals the user may see: coordinators their areas', agency leads those of their
    agency's cases, referrers their own, auditors all."""

    model = Referral
    serializer_class = ReferralByViewSerializer
    input_serializers = {
        "create": NewReferralSerializer,
        "accept": AcceptSerializer,
        "decide": DecideSerializer,
        "link_child": LinkChildSerializer,
        "undo_link": UndoLinkSerializer,
        "confirm_new_child": NoInput,
    }
    filterset_class = ReferralFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["referred_at"]

    def base_queryset(self) -> models.QuerySet:
        user = self.request.user
        return (
            Referral.objects.select_related(
                "child", "area", "referrer", "referrer_agency", "triaged_by", "case"
            )
            .prefetch_related(
                Prefetch(
                    "assessments",
                    queryset=RiskAssessment.objects.select_related("tool").order_by(
                        "-assessed_at", "-id"
                    ),
                )
            )
            .annotate(
                panel_view=referral_panel_view(user),
                case_visible=case_visible(user),
                repeat_of_visible=referral_visible(user, "repeat_of_id"),
            )
            .order_by("-referred_at", "-pk")
        )

    def present(self, referral: Referral) -> dict:
        try:
            shown = self.reread(referral)
        except Referral.DoesNotExist:
            # Someone who referred under a role that does not show them their own
            # referrals (see cases.access) still sees what they sent.
            shown = referral
            shown.panel_view = False
        return self.output(shown)

    @extend_schema(
        request=NewReferralSerializer,
        responses={
            201: REFERRAL_RESPONSE,
            200: OpenApiResponse(
                REFERRAL_RESPONSE,
                description="Same submission_token, or the same child and concerns, again.",
            ),
            409: OpenApiResponse(RepeatReferralSerializer, description="A repeat: confirm it."),
        },
    )
    def create(self, request: Request) -> Response:
        """Refer a child: the child's details, the referral and the Risk Factor Matrix
        answers, saved together or not at all. Referrers, coordinators and agency leads."""
        allowed(services.can_refer(request.user), "You may not make referrals.")
        data = dict(self.read_input(request))
        token = data.pop("submission_token")
        child_fields = dict(data.pop("child"))
        answers = answer_inputs(data.pop("answers"))
        try:
            referral = services.refer_new_child(
                request.user,
                child_fields=child_fields,
                submission_token=token,
                answers=answers,
                **data,
            )
        except DjangoValidationError as error:
            raise regroup(error, {"child": CHILD_FIELDS, "answers": set(answers)}) from None
        except services.RepeatReferral as repeat:
            body = {
                "detail": f"{repeat} Send it again with confirm_repeat: true to send it.",
                "earlier_referral": repeat.earlier.pk,
                "earlier_referred_at": repeat.earlier.referred_at,
            }
            return Response(RepeatReferralSerializer(body).data, status=status.HTTP_409_CONFLICT)
        replay = getattr(referral, "replayed", False)
        return Response(
            self.present(referral), status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED
        )

    @extend_schema(request=AcceptSerializer, responses={200: REFERRAL_RESPONSE, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """Accept to panel: opens a case awaiting panel (or adds the referral to the child's
        active case). Coordinators of the referral's area."""
        referral = self.get_object()
        _triager(request, referral)
        data = self.read_input(request, area_id=referral.area_id)
        services.accept_referral(
            request.user,
            referral=referral,
            reason=data["reason"],
            lead_agency=data["lead_agency"],
            lead_professional=data["lead_professional"],
            local_support_team=data["local_support_team"],
            lst_contact=data["lst_contact"],
            involved_agencies=data.get("involved_agencies", []),
        )
        return Response(self.present(referral))

    @extend_schema(request=DecideSerializer, responses={200: REFERRAL_RESPONSE, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        """Any triage outcome but acceptance: step down to early help, redirect, or no
        further action, with the reason. Coordinators of the referral's area."""
        referral = self.get_object()
        _triager(request, referral)
        data = self.read_input(request)
        services.triage_referral(request.user, referral=referral, **data)
        return Response(self.present(referral))

    @extend_schema(request=LinkChildSerializer, responses={200: REFERRAL_RESPONSE, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="link-child")
    def link_child(self, request: Request, pk: str) -> Response:
        """The referred child is one already known: move the referral to that record.
        Coordinators of the referral's area, before triage."""
        referral = self.get_object()
        _triager(request, referral)
        data = self.read_input(request)
        services.link_referral_to_child(request.user, referral=referral, child=data["child"])
        return Response(self.present(referral))

    @extend_schema(request=UndoLinkSerializer, responses={200: REFERRAL_RESPONSE, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="undo-link")
    def undo_link(self, request: Request, pk: str) -> Response:
        """Undo a link to an existing record made by mistake: the referral goes back to the
        record its form made. Coordinators of the referral's area, until it joins a case."""
        referral = self.get_object()
        _triager(request, referral)
        data = self.read_input(request)
        services.undo_child_merge(request.user, referral=referral, reason=data["reason"])
        return Response(self.present(referral))

    @extend_schema(request=None, responses={200: REFERRAL_RESPONSE, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="confirm-new-child")
    def confirm_new_child(self, request: Request, pk: str) -> Response:
        """The possible duplicates were checked and this is a new child. Coordinators of
        the referral's area, before triage."""
        referral = self.get_object()
        services.confirm_new_child(request.user, referral=referral)
        return Response(self.present(referral))

    # A read refused by role (to all but the area's coordinators): 403 is documented.
    @extend_schema(responses={200: PossibleDuplicatesSerializer, 403: REFUSED})
    @action(detail=True, methods=["get"], url_path="possible-duplicates")
    def possible_duplicates(self, request: Request, pk: str) -> Response:
        """Children with the same folded name (or known-as) and date of birth as the
        referred child, and the other areas' panels holding a strong match. Coordinators of
        the referral's area only: a referrer is never shown other children."""
        referral = self.get_object()
        if not services.coordinates(request.user, referral.area_id):
            raise PermissionDenied("Only a coordinator of this area checks for duplicates.")
        # Other children's names and dates of birth: recorded as one "listed" event, as
        # on the triage page (even when it finds nothing).
        matches = record_list(
            request.user,
            services.possible_duplicates(referral.child, seen_by=request.user),
            list_name=request.resolver_match.view_name,
            model=Child,
        )
        # The same audited, rate-limited check as the triage page (DESIGN rule 8's exception).
        elsewhere = services.cross_area_signal(request.user, referral=referral)
        return Response(
            PossibleDuplicatesSerializer(
                {
                    "children": matches,
                    "held_elsewhere": elsewhere.areas,
                    "cross_area_checks_paused": elsewhere.paused,
                }
            ).data
        )


def _triager(request: Request, referral: Referral) -> None:
    allowed(
        services.coordinates(request.user, referral.area_id),
        "Only a coordinator of this area may triage this referral.",
    )

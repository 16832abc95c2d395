"""What every case-data endpoint shares: scoped reads, the auditors' read-only rule, ids
resolved only among what the actor may act on, the small summaries records show of each
other, and risk-tool answers in and out."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import BooleanField, Q, Value, When
from django.db.models import Case as SqlCase
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.request import Request

from cases import search, services
from cases.access import (  # noqa: F401 (re-exported)
    case_child_scope,
    case_id_scope,
    case_scope,
    case_visible,
    get_for_user,
    record_list,
)
from cases.models import Case, Child, Referral, RiskAnswer, RiskTool
from cases.services import AnswerInput
from panel.api_errors import field_errors
from panel.models import Agency, Area, LocalSupportTeam, User, reads_case_data

# --- permissions and the base viewset ---------------------------------------------------


class ChangesNeedWriteAccess(permissions.BasePermission):
    """Auditors read everything and change nothing. Services refuse them too; refusing here
    as well means an auditor gets 403 before any input is looked at."""

    message = "Auditors can read records but not change them."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in permissions.SAFE_METHODS or services.may_write(request.user)


class InputAndOutput:
    """A write reads its body with its own input serializer and answers with the record's
    output serializer; they are never the same thing here.

    ``input_serializers`` names each write action's input serializer, and
    ``get_serializer_class`` gives it whenever the request's method runs that write on
    its route. So the browsable API's forms and ``OPTIONS`` describe what a write takes:
    the output serializer cannot (a record's shape, or ``ByViewSerializer``, which only
    chooses between two shapes and has no fields, which was a 500). Handlers read their
    body with ``read_input`` and answer with ``output``, so what the forms describe is
    what the handler reads."""

    input_serializers: ClassVar[dict[str, type[serializers.Serializer]]] = {}
    serializer_class: type[serializers.BaseSerializer] | None = None

    def output_serializer_class(self) -> type[serializers.BaseSerializer]:
        """The serializer the records are written out with (for this action)."""
        assert self.serializer_class is not None, f"{type(self).__name__}: no serializer_class"
        return self.serializer_class

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        # The action the request's method runs on this route: the browsable API asks for
        # the POST form of the list route (create) while answering its GET (list).
        request = getattr(self, "request", None)
        method = request.method.lower() if request is not None else ""
        write = (getattr(self, "action_map", None) or {}).get(method)
        return self.input_serializers.get(write) or self.output_serializer_class()

    def get_serializer(self, *args: Any, **kwargs: Any) -> serializers.BaseSerializer:
        # Given a record, it is an answer: always the output serializer, even in a write.
        # Given none, it is the form of the write the request's method runs.
        if args or "instance" in kwargs:
            kwargs.setdefault("context", self.get_serializer_context())
            return self.output_serializer_class()(*args, **kwargs)
        return super().get_serializer(*args, **kwargs)

    def read_input(self, request: Request, **context: Any) -> dict[str, Any]:
        """This action's body through its input serializer; 400 with field errors."""
        return validated(self.input_serializers[self.action], request, **context)

    def output(self, obj: Any) -> Any:
        """A record written out for the answer to a write."""
        return self.output_serializer_class()(obj, context=self.get_serializer_context()).data


class ScopedViewSet(InputAndOutput, viewsets.GenericViewSet):
    """Lists come from ``Model.objects.visible_to(user)``; single records from
    ``cases.access.get_for_user``, so an id out of scope is the same 404 as one that does
    not exist (and is recorded as ``denied``), on detail and action routes alike."""

    model: type[models.Model]
    permission_classes = [permissions.IsAuthenticated, ChangesNeedWriteAccess]

    def base_queryset(self) -> models.QuerySet:
        """The model's rows with what the output serializers read, before scoping."""
        return self.model.objects.all()

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return self.model.objects.none()
        return self.base_queryset().visible_to(self.request.user)

    def get_object(self, *, viewed: bool | None = None) -> models.Model:
        obj = get_for_user(
            self.model,
            self.request.user,
            self.kwargs[self.lookup_url_kwarg or self.lookup_field],
            viewed=self.action == "retrieve" if viewed is None else viewed,
            queryset=self.base_queryset(),
        )
        self.check_object_permissions(self.request, obj)
        return obj

    def paginate_queryset(self, queryset: models.QuerySet) -> list[models.Model] | None:
        """The page a list returns, recorded as one ``listed`` event naming each record on
        it and its child (cases.access.record_list): every scoped list of case data, in
        one place, so no list can be added without it."""
        if search.is_search(queryset):
            # A search's answer is at most a page: read once, then counted and paged from
            # memory (one query, where the count would find and rank the matches again).
            queryset = list(queryset)
        page = super().paginate_queryset(queryset)
        if self.action != "list":
            return page
        # Pagination switched off: the whole list is the answer (and DRF reads it again).
        shown = record_list(
            self.request.user,
            queryset if page is None else page,
            list_name=self.request.resolver_match.view_name,
            model=self.model,
        )
        return None if page is None else shown

    def reread(self, obj: models.Model) -> models.Model:
        """A record a service returned, read back through the user's scope with everything
        the output serializer needs."""
        return self.get_queryset().get(pk=obj.pk)


# --- who sees a record as a panel member, and who only as its referrer ------------------


def _flag(condition: Q) -> SqlCase:
    return SqlCase(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def referral_panel_view(user: User) -> models.Expression:
    """True for referrals the user sees as a member of the panel (coordinator of its area,
    lead of an agency involved in its case, the case's lead professional or an owner of its
    open actions, auditor); False for one they see only because they made it. A referrer
    is told the outcome, nothing else about a case."""
    if user.is_auditor:
        return Value(True, output_field=BooleanField())
    if not (user.coordinator_area_ids or user.agency_id):
        return Value(False, output_field=BooleanField())
    # "The case is one of these" subqueries, worked out once per query (case_id_scope),
    # not the case scope repeated for each row.
    return _flag(Q(area_id__in=user.coordinator_area_ids) | case_id_scope(user, "case_id"))


def child_panel_view(user: User) -> models.Expression:
    """As referral_panel_view, for a child: a referrer sees only what identifies the child
    they referred, never what other agencies recorded about them."""
    if user.is_auditor:
        return Value(True, output_field=BooleanField())
    if not (user.coordinator_area_ids or user.agency_id):
        return Value(False, output_field=BooleanField())
    # "One of these children" subqueries, worked out once per query, not the case scope
    # repeated for each row.
    referrals = Referral.objects.filter(area_id__in=user.coordinator_area_ids)
    return _flag(case_child_scope(user, "pk") | Q(pk__in=referrals.values("child_id")))


def view_field(value: str) -> serializers.Field:
    """The ``view`` discriminator: which of a record's two shapes this is."""

    @extend_schema_field({"type": "string", "enum": [value]})
    class ViewField(serializers.Field):
        def __init__(self, **kwargs: Any):
            super().__init__(read_only=True, source="*", **kwargs)

        def to_representation(self, instance: Any) -> str:
            return value

    return ViewField(help_text=f'"{value}" in this shape.')


def one_serializer(parent: serializers.Serializer, kind: type) -> serializers.Serializer:
    """One ``kind`` serializer for a nested record, made once per parent serializer and
    reused for every row of a list: building a serializer's fields costs more per row than
    writing the row."""
    made = parent.__dict__.setdefault("_nested", {})
    if kind not in made:
        made[kind] = kind(context=parent.context)
    return made[kind]


class ByViewSerializer(serializers.BaseSerializer):
    """Writes each record in the shape the user may see: the ``panel`` serializer when the
    queryset's ``panel_view`` annotation says so, else the ``referrer`` one."""

    panel: type[serializers.Serializer]
    referrer: type[serializers.Serializer]

    def to_representation(self, instance: Any) -> dict:
        chosen = self.panel if getattr(instance, "panel_view", False) else self.referrer
        # One serializer of each shape for the whole list: building a ModelSerializer's
        # fields for every row cost more than the list's queries.
        shapes = self.__dict__.setdefault("_shapes", {})
        if chosen not in shapes:
            shapes[chosen] = chosen(context=self.context)
        return shapes[chosen].to_representation(instance)


# --- ids in input, resolved only among what the actor may act on -------------------------


class ScopedIdField(serializers.PrimaryKeyRelatedField):
    """An id looked up only among ``scope(context)``. An id out of scope gets the same
    "does not exist" message as an id nobody has, so input never reveals what exists."""

    # In the browsable API's HTML form an id is typed, never picked from a list: the list
    # depends on the record acted on (its area, its case), which a form shown beside a GET
    # does not have, and it would put other records' names on the page.
    TYPED = {"base_template": "input.html"}

    def __init__(
        self, model: type[models.Model], scope: Callable[[dict], Any], **kwargs: Any
    ) -> None:
        self.scope = scope
        kwargs.setdefault("style", dict(self.TYPED))
        super().__init__(queryset=model.objects.none(), **kwargs)

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> serializers.ManyRelatedField:
        kwargs.setdefault("style", dict(cls.TYPED))
        return super().many_init(*args, **kwargs)

    def get_queryset(self) -> models.QuerySet:
        return self.scope(self.context)


def _user(context: Mapping[str, Any]) -> User:
    return context["request"].user


def visible_cases(context: Mapping[str, Any]) -> models.QuerySet:
    return Case.objects.visible_to(_user(context))


def visible_children(context: Mapping[str, Any]) -> models.QuerySet:
    return Child.objects.visible_to(_user(context))


# The same choices the web forms offer: agencies, people and Local Support Teams of the
# area of the referral or case being acted on (``area_id`` in the serializer context).
def area_agencies(context: Mapping[str, Any]) -> models.QuerySet:
    return Agency.objects.filter(areas__id=context["area_id"])


def area_people(context: Mapping[str, Any]) -> models.QuerySet:
    return User.objects.filter(reads_case_data(), agency__areas__id=context["area_id"])


def area_teams(context: Mapping[str, Any]) -> models.QuerySet:
    return LocalSupportTeam.objects.filter(area_id=context["area_id"])


def regroup(
    error: DjangoValidationError, groups: Mapping[str, Collection[str]]
) -> exceptions.ValidationError:
    """A service's field errors nested the way the input was: e.g. a child's date of birth
    under ``child`` and an indicator's missing evidence under ``answers``."""
    flat = field_errors(error)
    nested: dict[str, Any] = {}
    for key, messages in flat.items():
        group = next((name for name, keys in groups.items() if key in keys), None)
        if group is None:
            nested.setdefault(key, []).extend(messages)
        else:
            nested.setdefault(group, {})[key] = messages
    return exceptions.ValidationError(nested)


def optional_id(
    model: type[models.Model], scope: Callable[[dict], Any], help_text: str
) -> ScopedIdField:
    return ScopedIdField(
        model, scope, required=False, allow_null=True, default=None, help_text=help_text
    )


def optional_text(max_length: int | None = None, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


# --- small summaries of related records --------------------------------------------------


class CaseLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", "reference"]


class AreaSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "slug", "name"]


class AgencySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "kind"]


class PersonSummarySerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "name"]

    def get_name(self, user: User) -> str:
        return str(user)


class ChildSummarySerializer(serializers.ModelSerializer):
    """What identifies a child on another record. Age is derived from the date of birth
    on each read, never stored."""

    age = serializers.SerializerMethodField()
    age_flags = serializers.SerializerMethodField()

    class Meta:
        model = Child
        fields = [
            "id",
            "full_name",
            "first_name",
            "last_name",
            "known_as",
            "date_of_birth",
            "age",
            "age_flags",
        ]

    def get_age(self, child: Child) -> int:
        return child.age()

    def get_age_flags(self, child: Child) -> list[str]:
        return child.age_flags()


# --- risk-tool answers --------------------------------------------------------------------


class AnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=RiskAnswer.Answer.choices)
    evidence = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="What was seen or heard. Needed when the answer is present.",
    )
    recency = serializers.ChoiceField(
        choices=RiskAnswer.Recency.choices, required=False, allow_blank=True, default=""
    )


def answers_field(**kwargs: Any) -> serializers.DictField:
    return serializers.DictField(
        child=AnswerSerializer(),
        help_text="Answers by indicator code (see /risk-tools/), e.g. "
        '{"online-grooming": {"answer": "present", "evidence": "...", "recency": "0_6"}}. '
        "Indicators left out are not answered.",
        **kwargs,
    )


def active_matrix() -> RiskTool:
    return RiskTool.objects.get(slug="risk-factor-matrix", is_active=True)


def check_indicator_codes(answers: Mapping[str, Any], tool: RiskTool) -> None:
    """Unknown indicator codes are an unknown choice: refused with a message per code."""
    codes = set(tool.indicators.values_list("code", flat=True))
    unknown = {code: [f"Not an indicator of {tool}."] for code in answers if code not in codes}
    if unknown:
        raise serializers.ValidationError(unknown)


def answer_inputs(answers: Mapping[str, Mapping[str, str]]) -> dict[str, AnswerInput]:
    return {code: AnswerInput(**given) for code, given in answers.items()}


class NoInput(serializers.Serializer):
    """The input of a write that takes no body: its form (browsable API, OPTIONS) is empty."""


class ConflictSerializer(serializers.Serializer):
    """409: the record changed, or is not in a state that allows this. Nothing was saved."""

    detail = serializers.CharField()
    current_version = serializers.IntegerField(required=False)
    current_status = serializers.CharField(required=False)


def allowed(condition: bool, message: str) -> None:
    """Who may act is checked before the body is read: someone who may not act is told so
    (403) whatever they sent, and learns nothing from validation messages."""
    if not condition:
        raise exceptions.PermissionDenied(message)


def may_panel_write(user: Any) -> bool:
    """Notes and assessments are written by coordinators and agency leads, never auditors."""
    return services.may_write(user) and bool(user.coordinator_area_ids or user.is_agency_lead)


def validated(
    serializer_class: type[serializers.Serializer], request: Request, **context: Any
) -> dict[str, Any]:
    """Parse a request body with an input serializer; 400 with field errors if it fails."""
    serializer = serializer_class(data=request.data, context={"request": request, **context})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data

"""Disruption pages (issue 13 "Disruption").

- ``disruption-list``: the disruption the user may see (``Disruption.objects.visible_to``),
  newest first, filtered by kind, agency, date range and review (due in 30 days, overdue);
  50 a page, each page one ``listed`` event naming the records and whom they are against.
- ``disruption-new``: ``?person=<pk>`` or ``?location=<pk>``: record disruption against a
  person of concern or at a location (out of scope is 404 as a missing id; who may not
  record in its area 403). Without either, 400: disruption is recorded from the person or
  location.
- ``disruption-detail``: one record, ``viewed``.
- ``disruption-edit``: change it, with the version it was read at (a stale save comes back
  with the current values and a message, nothing saved).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from audit.services import record_listed
from cases.access import get_for_user
from cases.forms.actions import ErrorSummary
from cases.forms.triage import AgencyChoiceField
from intelligence import access
from intelligence.models import Disruption, DisruptionKind, Location, PersonOfConcern
from intelligence.services import disruption as services
from panel.dates import london_today
from panel.errors import Conflict
from panel.forms_govuk import DateField, add_service_errors
from panel.models import Agency, User

RELATED = ("person", "location", "agency", "area", "recorded_by")
PAGE_SIZE = 50
REVIEW_SOON_DAYS = 30
STALE = (
    "Someone else changed this disruption record while you were editing it, so nothing was "
    "saved. The form now shows the current record with your changes: check them, then save "
    "again."
)
NO_SUBJECT = (
    "Disruption is recorded against a person of concern or at a location: open the person "
    "or location and choose \u201cRecord disruption\u201d."
)


# --- forms ------------------------------------------------------------------------------


class DisruptionForm(ErrorSummary, forms.Form):
    kind = forms.ChoiceField(
        label="Kind of disruption",
        choices=DisruptionKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of disruption."},
    )
    kind_detail = forms.CharField(
        label="If other, what kind",
        max_length=services.KIND_DETAIL_MAX,
        required=False,
    )
    date = DateField(label="Date", error_name="Date", help_text="For example, 27 3 2026")
    agency = AgencyChoiceField(
        label="Agency that carried it out",
        queryset=Agency.objects.none(),
        empty_label="Choose an agency",
        error_messages={"required": "Choose the agency that carried it out."},
    )
    outcome = forms.CharField(
        label="Outcome (optional)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="What happened: notice served, order granted, licence reviewed.",
    )
    review_date = DateField(
        label="Review date (optional)", error_name="Review date", required=False
    )

    def __init__(self, *args, area_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(areas__id=area_id).order_by(
            "name", "pk"
        )


class EditDisruptionForm(DisruptionForm):
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "This form could not be sent. Reload the page and try again.",
            "invalid": "This form could not be sent. Reload the page and try again.",
        },
    )


DUE, OVERDUE = "due", "overdue"


class DisruptionFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Any kind"), *DisruptionKind.choices], required=False)
    agency = AgencyChoiceField(
        queryset=Agency.objects.none(), required=False, empty_label="Any agency"
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    review = forms.ChoiceField(
        label="Review",
        choices=[
            ("", "Any"),
            (DUE, f"Due in the next {REVIEW_SOON_DAYS} days"),
            (OVERDUE, "Overdue"),
        ],
        required=False,
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if user.is_auditor:
            agencies = Agency.objects.all()
        else:
            agencies = Agency.objects.filter(areas__id__in=access.intelligence_area_ids(user))
        self.fields["agency"].queryset = agencies.distinct().order_by("name", "pk")

    def apply(self, rows: QuerySet) -> QuerySet:
        if not self.is_bound or not self.is_valid():
            return rows
        data = self.cleaned_data
        if data["kind"]:
            rows = rows.filter(kind=data["kind"])
        if data["agency"]:
            rows = rows.filter(agency_id=data["agency"].pk)
        if data["date_from"]:
            rows = rows.filter(date__gte=data["date_from"])
        if data["date_to"]:
            rows = rows.filter(date__lte=data["date_to"])
        today = london_today()
        if data["review"] == DUE:
            rows = rows.filter(
                review_date__gte=today,
                review_date__lte=today + dt.timedelta(days=REVIEW_SOON_DAYS),
            )
        elif data["review"] == OVERDUE:
            rows = rows.filter(review_date__lt=today)
        return rows


# --- helpers ----------------------------------------------------------------------------


def _require_sees(user: User) -> None:
    if not access.sees_intelligence(user):
        raise PermissionDenied(
            "Intelligence is seen by the area's coordinators and granted agencies."
        )


def _disruption(request: HttpRequest, pk: int, *, viewed: bool = False) -> Disruption:
    return get_for_user(
        Disruption,
        request.user,
        pk,
        viewed=viewed,
        queryset=Disruption.objects.select_related(*RELATED),
    )


def _subject(request: HttpRequest) -> PersonOfConcern | Location | None:
    """The person or location of ``?person=`` / ``?location=``, through the user's scope
    (404 out of scope, as a missing id); None when neither is given."""
    for name, model in (("person", PersonOfConcern), ("location", Location)):
        value = request.GET.get(name)
        if value:
            return get_for_user(
                model, request.user, value, queryset=model.objects.select_related("area")
            )
    return None


def listed(rows: list[Disruption]) -> list[tuple[str, int]]:
    """What a page of disruption names for the audit trail: each record and whom it is
    against."""
    found: list[tuple[str, int]] = []
    for row in rows:
        found.append(("intelligence.disruption", row.pk))
        if row.person_id:
            found.append(("intelligence.personofconcern", row.person_id))
        if row.location_id:
            found.append(("intelligence.location", row.location_id))
    return found


# --- pages ------------------------------------------------------------------------------


@login_required
def disruption_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_sees(user)
    form = DisruptionFilterForm(request.GET or None, user=user)
    rows = form.apply(Disruption.objects.visible_to(user).select_related(*RELATED))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    record_listed(
        user,
        list_name=request.resolver_match.view_name,
        object_type="intelligence.disruption",
        objects=listed(page.object_list),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "intelligence/disruption/list.html",
        {"form": form, "page": page, "query": query.urlencode(), "today": london_today()},
    )


@login_required
def disruption_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_auditor or not access.intelligence_area_ids(user):
        raise PermissionDenied(
            "Disruption is recorded by the area's coordinators and granted agencies."
        )
    subject = _subject(request)
    if subject is None:
        return render(
            request, "intelligence/disruption/no_subject.html", {"message": NO_SUBJECT}, status=400
        )
    if not services.can_record_against(user, subject):
        raise PermissionDenied("You may not record disruption here.")
    form = DisruptionForm(request.POST or None, area_id=subject.area_id)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            against = {"person" if isinstance(subject, PersonOfConcern) else "location": subject}
            try:
                made = services.record_disruption(user, **against, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Disruption recorded.")
                return redirect("intelligence:disruption-detail", pk=made.pk)
        status = 400
    else:
        status = 200
    return render(
        request,
        "intelligence/disruption/form.html",
        {"form": form, "subject": subject, "editing": None},
        status=status,
    )


@login_required
def disruption_detail(request: HttpRequest, pk: int) -> HttpResponse:
    disruption = _disruption(request, pk, viewed=True)
    return render(
        request,
        "intelligence/disruption/detail.html",
        {
            "disruption": disruption,
            "may_edit": services.can_update(request.user, disruption),
            "today": london_today(),
        },
    )


def _initial(disruption: Disruption) -> dict:
    return {
        "kind": disruption.kind,
        "kind_detail": disruption.kind_detail,
        "date": disruption.date,
        "agency": disruption.agency_id,
        "outcome": disruption.outcome,
        "review_date": disruption.review_date,
        "version": disruption.version,
    }


@login_required
def disruption_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    disruption = _disruption(request, pk)
    if not services.can_update(user, disruption):
        raise PermissionDenied("You may not change this disruption record.")
    status = 200
    if request.method == "POST":
        form = EditDisruptionForm(request.POST, area_id=disruption.area_id)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_disruption(user, disruption=disruption, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            except Conflict:
                disruption = _disruption(request, pk)
                post = request.POST.copy()
                post["version"] = str(disruption.version)
                form = EditDisruptionForm(post, area_id=disruption.area_id)
                form.is_valid()
                form.add_error(None, STALE)
                status = 409
            else:
                messages.success(request, "Disruption record saved.")
                return redirect("intelligence:disruption-detail", pk=disruption.pk)
    else:
        form = EditDisruptionForm(initial=_initial(disruption), area_id=disruption.area_id)
    return render(
        request,
        "intelligence/disruption/form.html",
        {"form": form, "subject": disruption.subject, "editing": disruption},
        status=status,
    )


urlpatterns = [
    path("intelligence/disruption/", disruption_list, name="disruption-list"),
    path("intelligence/disruption/new/", disruption_new, name="disruption-new"),
    path("intelligence/disruption/<int:pk>/", disruption_detail, name="disruption-detail"),
    path("intelligence/disruption/<int:pk>/edit/", disruption_edit, name="disruption-edit"),
]

"""Triage: coordinators of an area see its new referrals, check for duplicates and decide.

Views parse input and call services; a service's refusal re-renders the page with its
message, and nothing is saved.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cases import selectors, services
from cases.access import get_for_user, record_list
from cases.forms.triage import AcceptForm, DecideForm
from cases.models import Child, Referral, RiskAnswer
from cases.views.assessment import assessment_form
from panel.errors import Conflict
from panel.forms_govuk import add_service_errors


def _coordinator_only(request: HttpRequest) -> None:
    if not request.user.coordinator_area_ids or request.user.is_auditor:
        raise PermissionDenied("Triage is for panel coordinators.")


@login_required
def triage_queue(request: HttpRequest) -> HttpResponse:
    _coordinator_only(request)
    # ?immediate=1: only the referrals flagged at immediate risk (the home page's figure).
    immediate_only = request.GET.get("immediate") == "1"
    referrals = record_list(
        request.user,
        selectors.triage_queue(request.user, immediate_only=immediate_only),
        list_name=request.resolver_match.view_name,
        model=Referral,
    )
    return render(
        request,
        "cases/triage/queue.html",
        {"referrals": referrals, "immediate_only": immediate_only},
    )


def _referral(request: HttpRequest, pk: int) -> Referral:
    return get_for_user(
        Referral,
        request.user,
        pk,
        viewed=True,
        queryset=Referral.objects.select_related(
            "child", "area", "referrer", "referrer_agency", "triaged_by", "case"
        ),
    )


@login_required
def triage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    if not services.coordinates(request.user, referral.area_id) and (
        referral.referrer_id == request.user.pk
    ):
        # A referrer follows their referral on its own page, which shows only the outcome.
        return redirect("cases:referral-detail", pk=referral.pk)
    return _render_detail(request, referral)


def _render_detail(
    request: HttpRequest,
    referral: Referral,
    accept_form: AcceptForm | None = None,
    decide_form: DecideForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_triage = services.coordinates(request.user, referral.area_id)
    assessment = (
        referral.assessments.select_related("tool", "assessed_by").order_by("-assessed_at").first()
    )
    answers = []
    if assessment:
        answers = list(
            assessment.answers.filter(answer=RiskAnswer.Answer.PRESENT)
            .select_related("indicator")
            .order_by("indicator__order")
        )
    awaiting = referral.status == Referral.Status.SUBMITTED
    duplicates = []
    if may_triage and awaiting:
        # Other children's names and dates of birth: a search, recorded as one (even when
        # it finds nothing).
        duplicates = record_list(
            request.user,
            services.possible_duplicates(referral.child, seen_by=request.user),
            list_name="cases:triage-possible-duplicates",
            model=Child,
        )
    # Audited and rate-limited in the service: showing the page again for a referral already
    # checked (a re-render after a refused form included) is not a new check.
    elsewhere = (
        services.cross_area_signal(request.user, referral=referral)
        if may_triage and awaiting
        else None
    )
    context = {
        "merge": services.live_merge(referral) if may_triage else None,
        "repeat_of_visible": bool(referral.repeat_of_id)
        and Referral.objects.visible_to(request.user).filter(pk=referral.repeat_of_id).exists(),
        "referral": referral,
        "child": referral.child,
        "assessment": assessment,
        "present_answers": answers,
        "may_triage": may_triage and awaiting,
        "duplicates": duplicates,
        "elsewhere": elsewhere,
        "duplicates_checked": referral.child_checked_at is not None,
        "accept_form": accept_form or AcceptForm(area_id=referral.area_id),
        "decide_form": decide_form or DecideForm(),
    } | _links_context(request.user, referral, may_triage and awaiting)
    return render(request, "cases/triage/detail.html", context, status=status)


def _links_context(user, referral: Referral, may_triage: bool) -> dict:
    """The adults named in the concerns linked to the referral (issue 13)."""
    from django.urls import reverse

    from intelligence.access import may_record
    from intelligence.links_summary import child_links

    may_link = may_triage and may_record(user, referral.area_id)
    return {
        "child_links": child_links(user, referral=referral),
        "links_heading": "Adults named in the concerns",
        "add_link_url": reverse("intelligence:referral-link-new", args=[referral.pk])
        if may_link
        else "",
    }


def _triaging(request: HttpRequest, pk: int) -> Referral:
    referral = _referral(request, pk)
    if not services.coordinates(request.user, referral.area_id):
        raise PermissionDenied("Only a coordinator of this area may triage this referral.")
    return referral


@login_required
@require_POST
def confirm_new_child(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _triaging(request, pk)
    try:
        services.confirm_new_child(request.user, referral=referral)
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Recorded: this is a child not known to the panel before.")
    return redirect("cases:triage-detail", pk=pk)


@login_required
@require_POST
def link_child(request: HttpRequest, pk: int, child_pk: int) -> HttpResponse:
    referral = _triaging(request, pk)
    # Only a child offered as a possible duplicate of this referral may be linked.
    candidates = {
        c.pk: c for c in services.possible_duplicates(referral.child, seen_by=request.user)
    }
    if child_pk not in candidates:
        get_for_user(Child, request.user, child_pk)  # 404 (and denied) when out of scope
        messages.error(request, "That child is not a possible duplicate of this referral.")
        return redirect("cases:triage-detail", pk=pk)
    try:
        services.link_referral_to_child(request.user, referral=referral, child=candidates[child_pk])
    except (ValidationError, Conflict) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, "The referral is now linked to the existing record.")
    return redirect("cases:triage-detail", pk=pk)


@login_required
@require_POST
def undo_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a link to an existing record made by mistake (coordinators of the area)."""
    referral = _triaging(request, pk)
    try:
        services.undo_child_merge(
            request.user, referral=referral, reason=request.POST.get("reason", "")
        )
    except (ValidationError, Conflict) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, "The link was undone: the referral is back on its own record.")
    return redirect("cases:triage-detail", pk=pk)


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _triaging(request, pk)
    form = AcceptForm(request.POST, area_id=referral.area_id)
    if form.is_valid():
        try:
            case = services.accept_referral(request.user, referral=referral, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, str(error))
            return redirect("cases:triage-detail", pk=pk)
        else:
            messages.success(request, f"Referral accepted to panel: case {case.reference}.")
            return redirect("cases:case-detail", pk=case.pk)
    return _render_detail(request, referral, accept_form=form)


@login_required
def assess(request: HttpRequest, pk: int) -> HttpResponse:
    """Assess the risk of a referral awaiting triage (one sent "not assessed" cannot be
    accepted until it is): the matrix, or a professional judgement with its reason."""
    referral = _triaging(request, pk)
    if referral.status != Referral.Status.SUBMITTED:
        messages.error(request, "This referral has already been triaged.")
        return redirect("cases:triage-detail", pk=pk)
    try:
        form, result, assessment = assessment_form(
            request,
            child=referral.child,
            save=partial(services.assess_referral, request.user, referral=referral),
        )
    except Conflict as error:
        messages.error(request, str(error))
        return redirect("cases:triage-detail", pk=pk)
    if assessment is not None:
        messages.success(
            request, f"Risk assessed as {assessment.get_final_level_display().lower()}."
        )
        return redirect("cases:triage-detail", pk=pk)
    return render(
        request,
        "cases/triage/assess.html",
        {"referral": referral, "child": referral.child, "form": form, "result": result},
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _triaging(request, pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.triage_referral(request.user, referral=referral, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, str(error))
            return redirect("cases:triage-detail", pk=pk)
        else:
            label = dict(DecideForm.OUTCOMES)[form.cleaned_data["outcome"]]
            messages.success(request, f"Triage decision recorded: {label.lower()}.")
            return redirect(reverse("cases:triage-queue"))
    return _render_detail(request, referral, decide_form=form)

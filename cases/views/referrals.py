"""Referring a child: the form, its live risk-level preview, and the referrer's own list
and view of what they sent. A referrer sees their referrals and the outcome, nothing else
about a case; coordinators of the area are sent to the triage page instead."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import selectors, services
from cases.access import get_for_user, record_list
from cases.advice import EarlyHelp, early_help_advice
from cases.forms.referral import ReferralForm
from cases.models import Referral, RiskAssessment, RiskTool
from panel.models import Area, LocalSupportTeam

MATRIX = "risk-factor-matrix"
PER_PAGE = 50


def _require_referrer(user) -> None:
    if not services.can_refer(user):
        raise PermissionDenied("You may not make referrals.")
    if user.agency_id is None:
        raise PermissionDenied("You need an agency before you can refer. Ask an administrator.")


def _form(data=None, initial=None) -> ReferralForm:
    tool = RiskTool.objects.get(slug=MATRIX, is_active=True)
    return ReferralForm(
        data,
        initial=initial,
        tool=tool,
        indicators=list(tool.indicators.order_by("order")),
        areas=list(Area.objects.all()),
    )


def _areas_to_show(form: ReferralForm) -> list[Area]:
    """The chosen area's numbers, or every area's before one is chosen."""
    chosen = form.chosen_area()
    return [chosen] if chosen else list(form.areas.values())


def _local_support_teams(early_help: EarlyHelp | None, areas: list[Area]) -> list:
    if early_help is None or not early_help.consented:
        return []
    return list(LocalSupportTeam.objects.filter(area__in=areas))


def _form_context(form: ReferralForm) -> dict:
    """The form's level so far and the advice that goes with it: the same for the page,
    the page shown again, and the live htmx preview."""
    result = form.preview_score()
    early_help = form.preview_early_help(result)
    areas = _areas_to_show(form)
    return {
        "form": form,
        "score": result,
        "early_help": early_help,
        "local_support_teams": _local_support_teams(early_help, areas),
        "guidance_areas": areas,
    }


def _already_sent(request: HttpRequest) -> Referral | None:
    """The referral this form already made, when it is submitted again."""
    try:
        token = uuid.UUID(request.POST.get("submission_token", ""))
    except ValueError:
        return None
    return (
        Referral.objects.visible_to(request.user)
        .filter(submission_token=token, referrer=request.user)
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_referral(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_referrer(user)
    repeat_of = None
    if request.method == "POST":
        earlier = _already_sent(request)
        if earlier is not None:
            messages.info(request, "This referral had already been sent. It was not sent again.")
            return redirect("cases:referral-detail", earlier.pk)
        form = _form(request.POST)
        if "check" in request.POST:
            # "Work out the risk level" (the no-JavaScript preview): nothing is sent.
            return render(request, "cases/referrals/new.html", _form_context(form.only_checking()))
        if form.is_valid():
            try:
                referral = services.refer_new_child(
                    user,
                    tool=form.tool,
                    confirm_repeat=request.POST.get("confirm_repeat") == "yes",
                    **form.service_arguments(),
                )
            except ValidationError as error:
                form.add_service_errors(error)
            except services.RepeatReferral as repeat:
                # Never refused: the form comes back asking the referrer to confirm.
                repeat_of = repeat.earlier
            except IntegrityError:
                # The same form sent twice at the same moment: the other request won.
                earlier = _already_sent(request)
                if earlier is None:
                    raise
                return redirect("cases:referral-detail", earlier.pk)
            else:
                if getattr(referral, "replayed", False):
                    messages.info(
                        request, "This referral had already been sent. It was not sent again."
                    )
                else:
                    messages.success(
                        request,
                        f"Referral sent to the {form.cleaned_data['area'].name} panel coordinators",
                    )
                return redirect("cases:referral-detail", referral.pk)
    else:
        form = _form(
            initial={
                "submission_token": uuid.uuid4(),
                "referrer_role": user.job_title,
                "referrer_contact": user.phone or user.email,
            },
        )
    context = _form_context(form)
    context["repeat_of"] = repeat_of
    # Asking about a repeat never pushes the 999 message down the page.
    context["repeat_immediate"] = repeat_of is not None and form.data.get("immediate_risk") == "yes"
    return render(request, "cases/referrals/new.html", context)


@login_required
@require_POST
def score_preview(request: HttpRequest) -> HttpResponse:
    """The form's live feedback (htmx): the level the tool's rules give the answers so far,
    and who to call in the area chosen so far. Saves nothing."""
    _require_referrer(request.user)
    return render(
        request, "cases/referrals/_score_preview.html", _form_context(_form(request.POST))
    )


@login_required
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own referrals, newest first, with their outcome; ``?status=``
    narrows them to one status (the home page links here with ``submitted``)."""
    status = request.GET.get("status", "")
    if status not in Referral.Status.values:
        status = ""
    referrals = selectors.my_referrals(request.user, status)
    page = Paginator(referrals, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = record_list(
        request.user,
        page.object_list,
        list_name=request.resolver_match.view_name,
        model=Referral,
    )
    return render(
        request,
        "cases/referrals/list.html",
        {
            "page": page,
            "can_refer": services.can_refer(request.user),
            "status_label": Referral.Status(status).label if status else "",
        },
    )


@login_required
@require_GET
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What the referrer sent, and the outcome: status and route only, never the
    coordinator's reasons or anything about the case."""
    user = request.user
    if (
        user.coordinator_area_ids
        and Referral.objects.visible_to(user)
        .filter(pk=pk, area_id__in=user.coordinator_area_ids)
        .exists()
    ):
        # Not recorded as viewed here: the triage page records its own view.
        return redirect(reverse("cases:triage-detail", args=[pk]))
    referral = get_for_user(
        Referral,
        user,
        pk,
        viewed=True,
        queryset=Referral.objects.select_related(
            "child", "area", "referrer", "referrer_agency", "case"
        ),
    )
    assessment = (
        RiskAssessment.objects.visible_to(user)
        .filter(referral=referral)
        .select_related("tool")
        .order_by("-assessed_at", "-id")
        .first()
    )
    answers = (
        list(assessment.answers.select_related("indicator").order_by("indicator__order"))
        if assessment
        else []
    )
    # Advice for the referrer while the panel has not decided; after that, its outcome is
    # what the page reports.
    early_help = (
        early_help_advice(
            level=assessment.final_level if assessment else None,
            immediate_risk=referral.immediate_risk,
            child_agrees=referral.child_agrees,
            parents_agree=referral.parents_agree,
        )
        if referral.status == Referral.Status.SUBMITTED
        else None
    )
    return render(
        request,
        "cases/referrals/detail.html",
        {
            "referral": referral,
            "child": referral.child,
            "assessment": assessment,
            "present": [a for a in answers if a.answer == a.Answer.PRESENT],
            "not_known": [a for a in answers if a.answer == a.Answer.UNKNOWN],
            "not_present": [a for a in answers if a.answer == a.Answer.NOT_PRESENT],
            "guidance_areas": [referral.area],
            "early_help": early_help,
            "local_support_teams": _local_support_teams(early_help, [referral.area]),
        },
    )

"""A new risk assessment on a case: the active tool's questions, the computed level shown
before saving, and the next review re-set by the new level."""

from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cases import services
from cases.forms.assessment import RiskToolForm
from cases.models import Case, Child, Review, RiskAssessment, RiskTool
from cases.scoring import Score, score


def assessment_form(
    request: HttpRequest, *, child: Child, save: Callable[..., RiskAssessment]
) -> tuple[RiskToolForm, Score | None, RiskAssessment | None]:
    """The risk-answers form a case's and a referral's assessment pages share: "Work out the
    level" scores the answers with the service's own rules and saves nothing; otherwise
    ``save`` (the service, given the answers and any professional judgement) records it, and
    its refusals come back on the form. Returns the form, the level worked out, and the
    assessment saved."""
    tool = RiskTool.objects.get(slug="risk-factor-matrix", is_active=True)
    form = RiskToolForm(request.POST or None, tool=tool)
    result = saved = None
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        if "check" in request.POST:
            result = score(tool, {c: a.answer for c, a in answers.items()}, child.age())
        else:
            try:
                saved = save(
                    answers=answers,
                    override_level=form.cleaned_data["override_level"],
                    override_reason=form.cleaned_data["override_reason"],
                    submission_token=form.cleaned_data["submission_token"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
    return form, result, saved


def assess(request: HttpRequest, case: Case) -> HttpResponse:
    if not (
        services.coordinates(request.user, case.area_id)
        or services.leads_involved_agency(request.user, case)
    ):
        raise PermissionDenied("You may not assess this case.")
    form, result, assessment = assessment_form(
        request,
        child=case.child,
        save=partial(services.record_assessment, request.user, case=case),
    )
    if assessment is not None:
        messages.success(
            request,
            f"Risk assessed as {assessment.get_final_level_display().lower()}; "
            "the next review date follows the new level.",
        )
        return _after_assessment(request, case)
    return render(
        request,
        "cases/case/assess.html",
        {"case": case, "form": form, "result": result, "tool": form.tool},
    )


def _after_assessment(request: HttpRequest, case: Case) -> HttpResponse:
    """Back to the case; or, when the coordinator came from holding a review whose level
    changed (``?then=review``), back to that review, which now confirms the new level; or
    back to the closure screen it was asked for from (``?then=close``); or back to the
    case's hearing at a panel meeting (``?then=hearing&item=<agenda item>``)."""
    then = request.GET.get("then")
    if then == "review" and services.coordinates(request.user, case.area_id):
        upcoming = case.reviews.filter(status=Review.Status.UPCOMING).first()
        if upcoming is not None:
            return redirect("cases:review-hold", pk=upcoming.pk)
    if then == "hearing" and services.coordinates(request.user, case.area_id):
        # Back to the case's hearing at a panel meeting, whose decision rests on it.
        from meetings.models import AgendaItem

        item_pk = request.GET.get("item", "")
        item = (
            AgendaItem.objects.filter(pk=item_pk, case=case, meeting__isnull=False).first()
            if item_pk.isdigit()
            else None
        )
        if item is not None:
            return redirect("meetings:hearing-item", pk=item.meeting_id, item_pk=item.pk)
    if then == "close" and services.coordinates(request.user, case.area_id):
        # Closing as "risk reduced or removed" needs this assessment: back to the closure.
        return redirect("cases:case-close", pk=case.pk)
    return redirect("cases:case-detail", pk=case.pk)

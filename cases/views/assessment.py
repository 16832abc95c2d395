"""A new risk assessment on a case: the active tool's questions, the computed level shown
before saving, and the next review re-set by the new level."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cases import services
from cases.forms.assessment import RiskToolForm
from cases.models import Case, Review, RiskTool
from cases.scoring import score


def assess(request: HttpRequest, case: Case) -> HttpResponse:
    if not (
        services.coordinates(request.user, case.area_id)
        or services.leads_involved_agency(request.user, case)
    ):
        raise PermissionDenied("You may not assess this case.")
    tool = RiskTool.objects.get(slug="risk-factor-matrix", is_active=True)
    form = RiskToolForm(request.POST or None, tool=tool)
    result = None
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        if "check" in request.POST:
            # "Work out the level" without saving: the same rules the service applies.
            result = score(tool, {c: a.answer for c, a in answers.items()}, case.child.age())
        else:
            try:
                assessment = services.record_assessment(
                    request.user,
                    case=case,
                    answers=answers,
                    override_level=form.cleaned_data["override_level"],
                    override_reason=form.cleaned_data["override_reason"],
                    submission_token=form.cleaned_data["submission_token"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(
                    request,
                    f"Risk assessed as {assessment.get_final_level_display().lower()}; "
                    "the next review date follows the new level.",
                )
                return _after_assessment(request, case)
    return render(
        request,
        "cases/case/assess.html",
        {"case": case, "form": form, "result": result, "tool": tool},
    )


def _after_assessment(request: HttpRequest, case: Case) -> HttpResponse:
    """Back to the case; or, when the coordinator came from holding a review whose level
    changed (``?then=review``), back to that review, which now confirms the new level; or
    back to the closure screen it was asked for from (``?then=close``)."""
    then = request.GET.get("then")
    if then == "review" and services.coordinates(request.user, case.area_id):
        upcoming = case.reviews.filter(status=Review.Status.UPCOMING).first()
        if upcoming is not None:
            return redirect("cases:review-hold", pk=upcoming.pk)
    if then == "close" and services.coordinates(request.user, case.area_id):
        # Closing as "risk reduced or removed" needs this assessment: back to the closure.
        return redirect("cases:case-close", pk=case.pk)
    return redirect("cases:case-detail", pk=case.pk)

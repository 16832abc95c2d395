"""Reviews: holding a case's upcoming review, and the coordinators' "reviews due" list.

A review confirms the case's risk level. A different level is never typed into the review:
it comes from a new risk assessment (the matrix answers, the computed level and any
override with its reason), recorded first from the link on this page, which sets the case's
level and brings the coordinator back here. The review then confirms that level.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cases import selectors, services
from cases.access import get_for_user, record_list
from cases.forms.reviews import HoldReviewForm, ReviewsDueFilterForm
from cases.models import Review
from panel.dates import london_today
from panel.errors import Conflict
from panel.forms_govuk import add_service_errors


@login_required
def hold_review(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_for_user(
        Review,
        request.user,
        pk,
        queryset=Review.objects.select_related("case", "case__area", "case__child"),
    )
    case = review.case
    if not services.can_hold_review(request.user, review):
        raise PermissionDenied("Only a coordinator of this area may hold a review.")
    if review.status != Review.Status.UPCOMING:
        messages.error(request, "This review has already been held or cancelled.")
        return redirect("cases:case-detail", pk=case.pk)
    form = HoldReviewForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            held = services.hold_review(request.user, review=review, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, str(error))
            return redirect("cases:case-detail", pk=case.pk)
        else:
            messages.success(
                request,
                f"Review recorded. The next review is due on {held.next_due_date:%-d %B %Y}.",
            )
            return redirect("cases:case-detail", pk=case.pk)
    chosen = form["risk_level_after"].value() if form.is_bound else case.risk_level
    last = case.assessments.select_related("assessed_by").order_by("-assessed_at", "-id").first()
    return render(
        request,
        "cases/reviews/hold.html",
        {
            "review": review,
            "case": case,
            "form": form,
            "last_assessment": last,
            "level_differs": bool(chosen) and chosen != case.risk_level,
            "overdue": review.is_overdue(),
            "cadence": settings.REVIEW_CADENCE_DAYS,
        },
    )


@login_required
def reviews_due(request: HttpRequest) -> HttpResponse:
    """Upcoming reviews in the coordinator's areas, earliest first, overdue flagged."""
    user = request.user
    if not (user.coordinator_area_ids and services.may_write(user)):
        raise PermissionDenied("Reviews due is for panel coordinators.")
    form = ReviewsDueFilterForm(request.GET or None, user=user)
    today = london_today()
    reviews = form.filter(selectors.reviews_due(user), today)
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(reviews, 50).get_page(request.GET.get("page"))
    page.object_list = record_list(
        user, page.object_list, list_name=request.resolver_match.view_name, model=Review
    )
    return render(
        request,
        "cases/reviews/due.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "today": today,
        },
    )

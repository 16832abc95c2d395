"""Case pages: the list, a case with its chronology, and the lifecycle decisions.

Every case is fetched through get_for_user (404 out of scope, ``viewed`` recorded); every
change goes through a service. A refused transition is a message on the case page.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cases import chronology, search, selectors, services
from cases.access import case_visible, get_for_user, record_list
from cases.chronology import Cursor
from cases.forms.cases import CaseFilterForm, CloseForm, NoteForm, ReasonForm, TeamForm
from cases.forms.children import ChildDetailsForm
from cases.models import Action, Case, Child, Referral, Review
from cases.services.lifecycle import CLOSED_TEAM
from cases.workflow import InvalidTransition, allowed_targets
from panel.dates import london_today
from panel.errors import Conflict
from panel.forms_govuk import add_service_errors

CASE_RELATED = ("child", "area", "lead_agency", "lead_professional__agency", "local_support_team")


def _case(request: HttpRequest, pk: int, *, viewed: bool = False) -> Case:
    return get_for_user(
        Case,
        request.user,
        pk,
        viewed=viewed,
        # Whether the earlier case may be opened rides in the same query (as in the API).
        queryset=Case.objects.select_related(*CASE_RELATED, "previous_case").annotate(
            previous_case_visible=case_visible(request.user, "previous_case_id")
        ),
    )


CASE_LIST_PAGE_SIZE = 50
# Columns shown with numbers, right-aligned (GOV.UK numeric cells).
NUMERIC_COLUMNS = frozenset({"open_actions"})


def _sort_headers(query, sort: str) -> list[dict]:
    """The sortable column headings (GOV.UK/MOJ sortable table, server-side: each heading a
    link): ``aria-sort`` on every column, the link sorting by it (ascending first, then the
    other way), keeping the filters and going back to the first page."""
    headers = []
    for key, label in selectors.SORT_COLUMNS.items():
        if sort == key:
            state, next_sort = "ascending", f"-{key}"
        elif sort == f"-{key}":
            state, next_sort = "descending", key
        else:
            state, next_sort = "none", key
        params = query.copy()
        params["sort"] = next_sort
        headers.append(
            {
                "key": key,
                "label": label,
                "aria_sort": state,
                "href": "?" + params.urlencode(),
                "numeric": key in NUMERIC_COLUMNS,
            }
        )
    return headers


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """The case list: coordinators, agency leads and auditors, each their own scope.
    Filters, search (``?q=``: cases.search, ranked, at most a page), order and page stay
    in the URL (``CaseFilterForm``); the page is recorded as one ``listed`` event naming
    the cases shown, never the search term or the filters."""
    user = request.user
    if not (user.coordinator_area_ids or user.is_agency_lead or user.is_auditor):
        raise PermissionDenied(
            "The case list is for the panel: coordinators, agency leads, auditors."
        )
    cases = selectors.case_list(user)
    areas, agencies = selectors.case_filter_choices(user)
    form = CaseFilterForm(request.GET or None, areas=areas, agencies=agencies)
    cases = form.filter(cases)
    searched = bool(form.is_valid() and form.cleaned_data["q"])
    if search.is_search(cases):
        # A search's answer is at most a page: read once, then counted and paged from
        # memory (one query, where the count would rank every match a second time).
        paginator = Paginator(list(cases), CASE_LIST_PAGE_SIZE)
    else:
        paginator = selectors.CasePaginator(cases, CASE_LIST_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = record_list(
        user, page.object_list, list_name=request.resolver_match.view_name, model=Case
    )
    query = request.GET.copy()
    query.pop("page", None)
    # A search with no sort chosen is in its rank order: no column heading is "sorted".
    sort = (form.sort_key if form.is_bound else "") or ("" if searched else selectors.DEFAULT_SORT)
    # A heading's link starts again at page 1 with the filters (an invalid sort dropped).
    heading_query = query.copy()
    heading_query.pop("sort", None)
    response = render(
        request,
        "cases/case/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "headers": _sort_headers(heading_query, sort),
            "total": f"{page.paginator.count:,}",
            "today": london_today(),
            "searched": searched,
            "search_limit": search.RESULTS_LIMIT,
        },
    )
    if searched:
        # Links followed from the results send only the site as the Referer, not this
        # URL with the name or date of birth searched for (a proxy's log would keep it).
        response["Referrer-Policy"] = "strict-origin"
    return response


def _cursor(request: HttpRequest) -> Cursor | None:
    """The chronology position a "Show earlier entries" link carried (None: the latest);
    ValueError when it is not one we made."""
    text = request.GET.get("before")
    return None if text is None else Cursor.decode(text)


def _chronology(case: Case, before: Cursor | None) -> dict:
    """A page of the chronology (the most recent entries before ``before``, oldest first)
    and the cursor for the entries before it."""
    page = chronology.page(case, size=settings.CASE_CHRONOLOGY_PAGE_SIZE, before=before)
    return {
        "chronology": page.entries,
        "earlier": page.earlier.encode() if page.earlier else "",
    }


def _detail_context(request: HttpRequest, case: Case) -> dict:
    user = request.user
    # The page shows the latest entries, or (without JavaScript, from "Show earlier
    # entries") the slice before a position; a position that is not ours is the latest.
    try:
        before = _cursor(request)
    except ValueError:
        before = None
    upcoming = case.reviews.filter(status=Review.Status.UPCOMING).first()
    agencies = list(
        case.agency_links.select_related("agency")
        .order_by("agency__name")
        .values_list("agency__name", flat=True)
    )
    open_actions = list(
        case.actions.filter(status__in=Action.OPEN_STATUSES).select_related(
            "owning_agency", "owner"
        )
    )
    # The newest assessments (one more to know there are earlier ones: the chronology has
    # them all).
    shown = settings.CASE_ASSESSMENTS_SHOWN
    assessments = list(case.assessments.select_related("tool", "assessed_by")[: shown + 1])
    coordinates = services.coordinates(user, case.area_id)
    may_contribute = coordinates or services.leads_involved_agency(user, case)
    # A linked case's reference and link only for those who may open it; others are told
    # only that it exists (the same rule and expression as the API's previous_case).
    later = list(
        case.re_referrals.annotate(visible=case_visible(user, "pk")).values_list(
            "pk", "reference", "visible"
        )
    )
    return (
        {
            "case": case,
            "child": case.child,
            "agencies": agencies,
            "upcoming": upcoming,
            "open_actions": open_actions,
            "assessments": assessments[:shown],
            "earlier_assessments": len(assessments) > shown,
            "chronology_sliced": before is not None,
            "coordinates": coordinates,
            "may_edit_child": services.can_edit_child_details(user, case.child),
            "may_contribute": may_contribute and case.status != Case.Status.CLOSED,
            "may_note": may_contribute,
            # Coordinators agree actions and hold reviews (not on a closed case).
            "may_add_action": coordinates and case.status != Case.Status.CLOSED,
            "may_hold_review": coordinates and upcoming is not None,
            "targets": allowed_targets(case) if coordinates else [],
            "later_cases": later,
            "note_form": NoteForm(),
        }
        | _chronology(case, before)
        | _links_context(user, case)
    )


def _links_context(user, case: Case) -> dict:
    """The child's links (issue 13): what this viewer may be told of them."""
    from intelligence.access import may_record
    from intelligence.links_summary import child_links

    may_link = may_record(user, case.area_id) and case.status != Case.Status.CLOSED
    return {
        "child_links": child_links(user, case=case),
        "links_url": reverse("intelligence:case-links", args=[case.pk]),
        "add_link_url": reverse("intelligence:case-link-new", args=[case.pk]) if may_link else "",
    }


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, viewed=True)
    return render(request, "cases/case/detail.html", _detail_context(request, case))


@login_required
def case_chronology(request: HttpRequest, pk: int) -> HttpResponse:
    """The chronology entries before a position, for "Show earlier entries" (htmx inserts
    them above those shown). Reading them is reading the case: scoped and ``viewed``."""
    try:
        before = _cursor(request)
    except ValueError:
        before = False
    # Out of scope is 404 whatever the position; a bad position is 400 and read nothing.
    case = _case(request, pk, viewed=before is not False)
    if before is False:
        return HttpResponseBadRequest("Not a chronology position.")
    context = {"case": case} | _chronology(case, before)
    return render(request, "cases/case/_chronology.html", context)


@login_required
@require_POST
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    if not (
        services.coordinates(request.user, case.area_id)
        or services.leads_involved_agency(request.user, case)
    ):
        raise PermissionDenied("You may not add notes to this case.")
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_note(request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Note added.")
            return redirect("cases:case-detail", pk=case.pk)
    context = _detail_context(request, case) | {"note_form": form}
    return render(request, "cases/case/detail.html", context)


def _coordinator(request: HttpRequest, case: Case) -> None:
    if not services.coordinates(request.user, case.area_id):
        raise PermissionDenied("Only a coordinator of this area may do this.")


def _transition(
    request: HttpRequest,
    case: Case,
    form,
    to_status: str,
    success: str,
    *,
    from_status: str,
    **fields,
):
    """Apply a transition; a refusal becomes a message (illegal move) or a form error.
    ``from_status`` is the state the page was for: re-open is only for a closed case."""
    try:
        if case.status != from_status:
            raise InvalidTransition(case, to_status)
        services.transition_case(request.user, case=case, to_status=to_status, **fields)
    except InvalidTransition as error:
        messages.error(request, str(error))
        return redirect("cases:case-detail", pk=case.pk)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(request, success)
    return redirect("cases:case-detail", pk=case.pk)


@login_required
def open_case(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    _coordinator(request, case)
    form = ReasonForm(request.POST or None)
    form.fields["reason"].label = "What the panel agreed"
    form.fields["reason"].required = False
    if request.method == "POST" and form.is_valid():
        done = _transition(
            request, case, form, Case.Status.OPEN, f"{case.reference} is open.",
            from_status=Case.Status.AWAITING_PANEL, reason=form.cleaned_data["reason"],
        )  # fmt: skip
        if done:
            return done
    missing = {
        "lead_agency": case.lead_agency_id is None,
        "lead_professional": case.lead_professional_id is None,
    }
    return render(request, "cases/case/open.html", {"case": case, "form": form, "missing": missing})


@login_required
def close_case(request: HttpRequest, pk: int) -> HttpResponse:
    """Closure shows the last risk level and every open action before the coordinator can
    confirm: children have been closed prematurely elsewhere."""
    case = _case(request, pk)
    _coordinator(request, case)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _transition(
            request, case, form, Case.Status.CLOSED, f"{case.reference} is closed.",
            from_status=case.status, **form.cleaned_data,
        )  # fmt: skip
        if done:
            return done
    open_actions = list(
        case.actions.filter(status__in=Action.OPEN_STATUSES).select_related("owning_agency")
    )
    last, current = services.closure_assessment(case)
    return render(
        request,
        "cases/case/close.html",
        {
            "case": case,
            "form": form,
            "open_actions": open_actions,
            "last_assessment": last,
            "assessment_current": current,
        },
    )


@login_required
def reopen_case(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    _coordinator(request, case)
    form = ReasonForm(request.POST or None)
    form.fields["reason"].label = "Why the case is re-opened"
    form.fields["reason"].error_messages["required"] = "Give the reason for re-opening the case."
    if request.method == "POST" and form.is_valid():
        done = _transition(
            request, case, form, Case.Status.OPEN, f"{case.reference} is re-opened.",
            from_status=Case.Status.CLOSED, reason=form.cleaned_data["reason"],
        )  # fmt: skip
        if done:
            return done
    return render(request, "cases/case/reopen.html", {"case": case, "form": form})


@login_required
def edit_team(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    _coordinator(request, case)
    if case.status == Case.Status.CLOSED:
        # Nothing to send: the page says why, whatever was posted.
        return render(request, "cases/case/team.html", {"case": case, "closed": CLOSED_TEAM})
    initial = {
        "version": case.version,
        "lead_agency": case.lead_agency_id,
        "lead_professional": case.lead_professional_id,
        "local_support_team": case.local_support_team_id,
        "lst_contact": case.lst_contact,
        "involved_agencies": list(case.agency_links.values_list("agency_id", flat=True)),
    }
    form = TeamForm(request.POST or None, initial=initial, area_id=case.area_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_case_team(request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, f"{error} The form now shows their version; check it.")
            return redirect("cases:case-team", pk=case.pk)
        else:
            messages.success(request, "Case team updated.")
            return redirect("cases:case-detail", pk=case.pk)
    return render(request, "cases/case/team.html", {"case": case, "form": form})


@login_required
def assess_case(request: HttpRequest, pk: int) -> HttpResponse:
    from cases.views.assessment import assess

    return assess(request, _case(request, pk))


@login_required
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    child = get_for_user(Child, request.user, pk, viewed=True)
    cases = list(Case.objects.visible_to(request.user).filter(child=child).select_related("area"))
    referrals = list(
        Referral.objects.visible_to(request.user)
        .filter(child=child)
        .select_related("referrer_agency", "case")
        .order_by("-referred_at")
    )
    user = request.user
    # Someone who sees this child only because they referred them is shown what identifies
    # the child, never what the panel or other agencies hold (address, school, and so on).
    panel_view = (
        user.is_auditor
        or bool(cases)
        or any(r.area_id in user.coordinator_area_ids for r in referrals)
    )
    return render(
        request,
        "cases/case/child.html",
        {
            "child": child,
            "cases": cases,
            "referrals": referrals,
            "panel_view": panel_view,
            "may_edit_details": services.can_edit_child_details(user, child),
        },
    )


@login_required
def edit_child_details(request: HttpRequest, pk: int) -> HttpResponse:
    """A child's gender, ethnic group and school or setting, for the coordinators of the
    child's area: out of scope 404, others who see the child 403. Reading the form is
    reading the child (``viewed``); saving goes through services.update_child_details."""
    child = get_for_user(Child, request.user, pk, viewed=request.method == "GET")
    if not services.can_edit_child_details(request.user, child):
        raise PermissionDenied("Only a coordinator of the child's area may change their details.")
    form = ChildDetailsForm(request.POST or None, initial=ChildDetailsForm.initial_for(child))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_child_details(request.user, child=child, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, f"{error} The form now shows their version; check it.")
            return redirect("cases:child-details", pk=child.pk)
        else:
            messages.success(request, "Child's details updated.")
            return redirect("cases:child-detail", pk=child.pk)
    return render(request, "cases/case/child_details.html", {"child": child, "form": form})

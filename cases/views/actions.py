"""Actions: agreeing one on a case, its page with the timeline, progressing, cancelling and
re-assigning it, and "My work".

Every action is fetched through get_for_user (404 out of scope, ``viewed`` recorded on its
page); every change goes through a service. Who may act is asked before any input is
read, so someone who may not gets 403 whatever they send.

Two people editing one action: each form carries the version it was loaded at. The second
save is refused (panel.errors.Conflict) and the page comes back with their typed text still
in the form, the version moved on to the current one, and what the other person changed
since the form was loaded (the timeline entries above that version, and the current
values). Sending it again is then a deliberate choice over the newer state.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cases import selectors, services
from cases.access import get_for_user, record_list
from cases.forms.actions import (
    ActionUpdateForm,
    AddActionForm,
    CancelActionForm,
    MyWorkFilterForm,
    ReassignActionForm,
)
from cases.models import Action, Case
from panel.dates import london_today
from panel.errors import Conflict
from panel.forms_govuk import add_service_errors

ACTION_RELATED = ("case", "case__area", "owning_agency", "owner__agency", "created_by")
STALE = (
    "Someone else changed this action while you were editing it, so nothing was saved. "
    "What they changed is shown below and your text is still in the form: check it, then "
    "send it again."
)


def _action(request: HttpRequest, pk: int, *, viewed: bool = False) -> Action:
    return get_for_user(
        Action,
        request.user,
        pk,
        viewed=viewed,
        queryset=Action.objects.select_related(*ACTION_RELATED),
    )


def _coordinator(request: HttpRequest, action: Action) -> None:
    if not services.coordinates(request.user, action.case.area_id):
        raise PermissionDenied("Only a coordinator of this area may do this.")


@login_required
def add_action(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_for_user(Case, request.user, pk, queryset=Case.objects.select_related("area"))
    if not services.coordinates(request.user, case.area_id):
        raise PermissionDenied("Only a coordinator of this area may add actions.")
    if case.status == Case.Status.CLOSED:
        messages.error(request, "This case is closed. Re-open it before adding actions.")
        return redirect("cases:case-detail", pk=case.pk)
    form = AddActionForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.add_action(request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Action added for {action.owning_agency}. Its agency leads are told."
            )
            return redirect("cases:case-detail", pk=case.pk)
    return render(request, "cases/actions/new.html", {"case": case, "form": form})


def _render_detail(
    request: HttpRequest,
    action: Action,
    *,
    update_form: ActionUpdateForm | None = None,
    cancel_form: CancelActionForm | None = None,
    changed_since: int | None = None,
) -> HttpResponse:
    user = request.user
    is_open = action.status in Action.OPEN_STATUSES
    updates = list(action.updates.select_related("author"))
    initial = {"version": action.version, "status": action.status}
    context = {
        "action": action,
        "case": action.case,
        "updates": updates,
        "overdue": action.is_overdue(),
        "may_update": is_open and services.can_update_action(user, action),
        "may_manage": is_open and services.coordinates(user, action.case.area_id),
        "update_form": update_form or ActionUpdateForm(initial=initial),
        "cancel_form": cancel_form or CancelActionForm(initial={"version": action.version}),
        "changed": _changed(updates, changed_since),
        "stale": changed_since is not None,
    }
    return render(request, "cases/actions/detail.html", context)


def _changed(updates: list, since: int | None) -> list:
    return [u for u in updates if since is not None and u.action_version > since]


def _at_current_version(form_class, request: HttpRequest, action: Action, **kwargs):
    """The user's form as they sent it, moved on to the action's current version, with the
    conflict as its error: their typed text is kept, and sending it again is deliberate."""
    data = request.POST.copy()
    probe = form_class(**kwargs)
    data[probe.add_prefix("version")] = str(action.version)
    form = form_class(data, **kwargs)
    form.is_valid()
    form.add_error(None, STALE)
    form.top_anchor = "changed-title"
    return form


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _action(request, pk, viewed=True))


@login_required
@require_POST
def update_action(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    if not services.can_update_action(request.user, action):
        raise PermissionDenied(
            "Only the owning agency's leads, the action's owner or a coordinator may update it."
        )
    form = ActionUpdateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.update_action(request.user, action=action, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict:
            fresh = _action(request, pk)
            stale = _at_current_version(ActionUpdateForm, request, fresh)
            return _render_detail(request, fresh, update_form=stale, changed_since=data["version"])
        else:
            messages.success(request, "Action updated.")
            if not Action.objects.visible_to(request.user).filter(pk=action.pk).exists():
                # An owner who finished their own action no longer reads it.
                return redirect("cases:my-work" if selectors.has_work(request.user) else "home")
            return redirect("cases:action-detail", pk=action.pk)
    return _render_detail(request, action, update_form=form)


@login_required
@require_POST
def cancel_action(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    _coordinator(request, action)
    form = CancelActionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.update_action(
                request.user,
                action=action,
                version=data["version"],
                status=Action.Status.CANCELLED,
                cancel_reason=data["cancel_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict:
            fresh = _action(request, pk)
            stale = _at_current_version(CancelActionForm, request, fresh)
            return _render_detail(request, fresh, cancel_form=stale, changed_since=data["version"])
        else:
            messages.success(request, "Action cancelled.")
            return redirect("cases:action-detail", pk=action.pk)
    return _render_detail(request, action, cancel_form=form)


@login_required
def reassign_action(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    _coordinator(request, action)
    if action.status not in Action.OPEN_STATUSES:
        messages.error(request, "This action is finished: it cannot be re-assigned.")
        return redirect("cases:action-detail", pk=action.pk)
    case = action.case
    initial = {
        "version": action.version,
        "owning_agency": action.owning_agency_id,
        "owner": action.owner_id,
        "due_date": action.due_date,
        "priority": action.priority,
        "four_p": action.four_p,
    }
    form = ReassignActionForm(request.POST or None, initial=initial, case=case)
    changed = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.reassign_action(request.user, action=action, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict:
            action = _action(request, pk)
            form = _at_current_version(ReassignActionForm, request, action, case=case)
            changed = _changed(list(action.updates.select_related("author")), data["version"])
        else:
            messages.success(request, "Action re-assigned.")
            return redirect("cases:action-detail", pk=action.pk)
    return render(
        request,
        "cases/actions/reassign.html",
        {
            "action": action,
            "case": case,
            "form": form,
            "changed": changed or [],
            "stale": changed is not None,
            "overdue": action.is_overdue(),
        },
    )


# --- My work ---------------------------------------------------------------------------


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """An agency lead's open actions (their agency's, across the cases they may see) and
    their cases; a coordinator's the same across their areas, with filters. Overdue
    first, then by due date."""
    user = request.user
    if not selectors.has_work(user):
        raise PermissionDenied("My work is for panel coordinators and agency leads.")
    form = MyWorkFilterForm(request.GET or None, user=user)
    actions = form.actions()
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("cases_page", None)
    action_page = Paginator(actions, 50).get_page(request.GET.get("page"))
    case_page = Paginator(selectors.work_cases(user), 50).get_page(request.GET.get("cases_page"))
    # One page, one "listed" event: the actions and the cases shown, and their children.
    action_page.object_list = list(action_page.object_list)
    case_page.object_list = list(case_page.object_list)
    record_list(
        user,
        [*action_page.object_list, *case_page.object_list],
        list_name=request.resolver_match.view_name,
        model=None,
    )
    return render(
        request,
        "cases/actions/my_work.html",
        {
            "form": form,
            "actions": action_page,
            "cases": case_page,
            "query": query.urlencode(),
            "today": london_today(),
            "coordinates": bool(user.coordinator_area_ids),
        },
    )

"""A child's missing episodes, under their case: the list, recording one, an episode's page
and updating it.

The case is fetched through the case scope (404 out of scope) and each episode through
``MissingEpisode.objects.visible_to`` with its case: an episode of another case is the same
404. The list records one ``listed`` event with the ids shown, an episode's page
``viewed``. Who may record is asked before any input is read (403 for those who see the
case and may not). Where found is shown as the location's name only to those who see that
location; to others as "a <kind>" (never an address)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from cases.access import get_for_user, record_list
from cases.models import Case
from intelligence import episodes
from intelligence.forms.missing import EditMissingEpisodeForm, MissingEpisodeForm
from intelligence.models import Location, MissingEpisode
from intelligence.services import missing as services
from panel.errors import Conflict
from panel.forms_govuk import add_service_errors

EPISODE_RELATED = ("case", "case__area", "found_location", "recorded_by")


def _case(request: HttpRequest, case_pk: int) -> Case:
    return get_for_user(
        Case, request.user, case_pk, queryset=Case.objects.select_related("area", "child")
    )


def _episode(request: HttpRequest, case_pk: int, pk: int, *, viewed: bool = False):
    return get_for_user(
        MissingEpisode,
        request.user,
        pk,
        viewed=viewed,
        queryset=MissingEpisode.objects.filter(case_id=case_pk).select_related(*EPISODE_RELATED),
    )


def _require_may_record(request: HttpRequest, case: Case) -> None:
    if not services.may_record_episode(request.user, case):
        raise PermissionDenied("You may not record missing episodes on this case.")


def _where_found(user, rows: list[MissingEpisode]) -> None:
    """Set ``where_found`` on each episode: the location's name to those who see it, its
    kind to others, or the place in words (one query whatever the number of rows)."""
    ids = {row.found_location_id for row in rows if row.found_location_id}
    seen = (
        set(Location.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
        if ids
        else set()
    )
    for row in rows:
        location = row.found_location
        if location is not None and location.pk in seen:
            row.where_found = location.name
            row.where_found_seen = True
        elif location is not None:
            row.where_found = f"A {location.get_kind_display().lower()}"
        else:
            row.where_found = row.found_place
        row.state = episodes.interview_state(row)


@login_required
def episode_list(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case(request, case_pk)
    rows = list(
        MissingEpisode.objects.visible_to(request.user)
        .filter(case=case)
        .select_related("found_location")
    )
    rows = record_list(
        request.user, rows, list_name="intelligence:missing-list", model=MissingEpisode
    )
    _where_found(request.user, rows)
    summary = episodes.case_summary(
        MissingEpisode.objects.visible_to(request.user).filter(case=case)
    )
    context = {
        "case": case,
        "episodes": rows,
        "summary": summary,
        "may_record": services.may_record_episode(request.user, case),
    }
    return render(request, "intelligence/missing/list.html", context)


@login_required
def new_episode(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case(request, case_pk)
    _require_may_record(request, case)
    data = request.POST if request.method == "POST" else None
    form = MissingEpisodeForm(data, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            try:
                episode = services.record_episode(request.user, case=case, **form.service_fields())
            except ValidationError as error:
                add_service_errors(form, error, MissingEpisodeForm.FIELD_FOR)
            else:
                messages.success(request, "Missing episode recorded.")
                return redirect("intelligence:missing-detail", case_pk=case.pk, pk=episode.pk)
        return render(
            request, "intelligence/missing/form.html", {"case": case, "form": form}, status=400
        )
    return render(request, "intelligence/missing/form.html", {"case": case, "form": form})


@login_required
def episode_detail(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    episode = _episode(request, case_pk, pk, viewed=True)
    _where_found(request.user, [episode])
    context = {
        "case": episode.case,
        "episode": episode,
        "now": timezone.now(),
        "may_record": services.may_record_episode(request.user, episode.case),
    }
    return render(request, "intelligence/missing/detail.html", context)


@login_required
def edit_episode(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    episode = _episode(request, case_pk, pk)
    case = episode.case
    _require_may_record(request, case)
    initial = EditMissingEpisodeForm.initial_for(episode)
    data = request.POST if request.method == "POST" else None
    form = EditMissingEpisodeForm(data, user=request.user, episode=episode, initial=initial)
    context = {"case": case, "form": form, "episode": episode}
    if request.method != "POST":
        return render(request, "intelligence/missing/form.html", context)
    if form.is_valid():
        try:
            services.update_episode(
                request.user,
                episode=episode,
                version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error, EditMissingEpisodeForm.FIELD_FOR)
        except Conflict as conflict:
            data = request.POST.copy()
            data["version"] = str(conflict.current_version)
            form = EditMissingEpisodeForm(data, user=request.user, episode=episode)
            form.is_valid()
            form.add_error(None, services.STALE)
            context |= {"form": form}
            return render(request, "intelligence/missing/form.html", context, status=409)
        else:
            messages.success(request, "Missing episode updated.")
            return redirect("intelligence:missing-detail", case_pk=case.pk, pk=episode.pk)
    return render(request, "intelligence/missing/form.html", context, status=400)


urlpatterns = [
    path("cases/<int:case_pk>/missing-episodes/", episode_list, name="missing-list"),
    path("cases/<int:case_pk>/missing-episodes/new/", new_episode, name="missing-new"),
    path("cases/<int:case_pk>/missing-episodes/<int:pk>/", episode_detail, name="missing-detail"),
    path("cases/<int:case_pk>/missing-episodes/<int:pk>/edit/", edit_episode, name="missing-edit"),
]

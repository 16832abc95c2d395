"""Web pages: the agenda, building and editing it, members' requests, publishing it, and
the area's "to be scheduled" list.

Everyone who may see the meeting sees its agenda; a case line shows its reference and risk
level only to those who may see the case (``AgendaItem.objects.visible_to``); the others
collapse into "N other cases" with no reference. An item about a person of concern or a
location names the record, linked to its page, only to a viewer the record is
``visible_to`` (intelligence/agenda.py); everyone else reads its title, which names
nothing. Every view of the page records one ``listed`` event naming the case items shown
and the records named.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from audit.services import record_listed
from cases.access import get_for_user, listed_objects, record_list
from cases.models import Case
from intelligence.agenda import named_records
from meetings.forms.agenda import (
    CASES_SHOWN,
    AddCaseForm,
    BuildForm,
    GeneralItemForm,
    MoveForm,
    RequestCaseForm,
    VersionForm,
    WithdrawForm,
)
from meetings.models import AgendaItem, AgendaItemStatus, Meeting, MeetingStatus
from meetings.services import agenda as services
from meetings.services.common import coordinates_meeting
from panel.errors import Conflict
from panel.forms_govuk import add_service_errors
from panel.models import Area

SHOWN = [AgendaItemStatus.PENDING, AgendaItemStatus.HEARD, AgendaItemStatus.NOT_REACHED]


def _posted(request: HttpRequest):
    """The POST data to bind a form to, even when empty (a confirmation with no fields)."""
    return request.POST if request.method == "POST" else None


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_for_user(Meeting, request.user, pk, queryset=Meeting.objects.select_related("area"))


def _coordinated_meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = _meeting(request, pk)
    if not coordinates_meeting(request.user, meeting):
        raise PermissionDenied("Only a coordinator of this area may change the agenda.")
    return meeting


def _coordinated_item(request: HttpRequest, item_pk: int) -> AgendaItem:
    """An item of an area the user coordinates (on an agenda or to be scheduled). Someone
    who may read the item but not change it gets 403; anyone else the 404 of an item that
    does not exist."""
    user = request.user
    items = AgendaItem.objects.select_related("meeting", "meeting__area", "case", "area")
    item = items.filter(pk=item_pk, area_id__in=user.coordinator_area_ids).first()
    if item is None:
        get_for_user(AgendaItem, user, item_pk, queryset=items)
    if item is None or not services.may_write(user):
        raise PermissionDenied("Only a coordinator of this area may change the agenda.")
    return item


def _back(item: AgendaItem):
    if item.meeting_id:
        return redirect("meetings:agenda", pk=item.meeting_id)
    return redirect("meetings:to-be-scheduled", area_pk=item.area_id)


def _lines(items: list[AgendaItem]) -> list[dict]:
    """The agenda as shown: each item the viewer may see, and each run of case items they
    may not as one "N other cases" line."""
    lines: list[dict] = []
    for item in items:
        if item.seen:
            lines.append({"item": item})
        elif lines and "others" in lines[-1]:
            lines[-1]["others"] += 1
        else:
            lines.append({"others": 1})
    return lines


@login_required
def agenda(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    meeting = _meeting(request, pk)
    # Narrowed to this meeting: PostgreSQL plans the correlated EXISTS as a hashed subplan
    # over every visible item (a scan of all cases at 100,000); with the meeting in it the
    # subplan reads this meeting's items by index (66 ms -> 1 ms, docs-pending/meetpages.md).
    seen = AgendaItem.objects.visible_to(user).filter(meeting=meeting, pk=OuterRef("pk"))
    items = list(
        AgendaItem.objects.filter(meeting=meeting, status__in=SHOWN)
        .select_related("case", "requested_by")
        .annotate(seen=Exists(seen))
        .order_by("order", "id")
    )
    shown_cases = [item for item in items if item.seen and item.case_id]
    # A person or location item names its record, linked, to a viewer it is visible_to
    # (one query for the whole agenda, none without such items); the others see its title.
    named = named_records(user, [item for item in items if item.seen])
    for item in items:
        item.record = named.get(item.pk)
    # One "listed" event: the case items shown, and each intelligence record named.
    record_listed(
        user,
        list_name=request.resolver_match.view_name,
        object_type=AgendaItem._meta.label_lower,
        objects=[
            *listed_objects(shown_cases),
            *((record.label, record.pk) for record in named.values()),
        ],
    )
    coordinating = coordinates_meeting(user, meeting)
    return render(
        request,
        "meetings/agenda.html",
        {
            "meeting": meeting,
            "lines": _lines(items),
            "case_count": len(shown_cases),
            "coordinating": coordinating,
            "may_request": not coordinating and services.may_request_case(user, meeting),
            "agenda_open": services.agenda_open(meeting),
            "late": services.is_late(meeting),
            "publishable": meeting.status == MeetingStatus.SCHEDULED,
            "pending_ids": [i.pk for i in items if i.status == AgendaItemStatus.PENDING],
        },
    )


@login_required
def build(request: HttpRequest, pk: int) -> HttpResponse:
    """What the database proposes, with the reasons; confirming adds them all."""
    meeting = _coordinated_meeting(request, pk)
    late = services.is_late(meeting)
    form = BuildForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            made = services.build_agenda(
                request.user, meeting=meeting, late_reason=form.cleaned_data["late_reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error, {"reason_detail": "late_reason"})
        else:
            messages.success(request, f"{len(made)} item{'s' if len(made) != 1 else ''} added.")
            return redirect("meetings:agenda", pk=meeting.pk)
    candidates = services.agenda_candidates(meeting)
    record_list(
        request.user,
        [c.case for c in candidates if c.case],
        list_name=request.resolver_match.view_name,
        model=Case,
    )
    return render(
        request,
        "meetings/agenda_build.html",
        {"meeting": meeting, "candidates": candidates, "form": form, "late": late},
    )


def _item_form(request, meeting, form, save, template, title):
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Added to the agenda.")
            return redirect("meetings:agenda", pk=meeting.pk)
    return render(
        request,
        template,
        {
            "meeting": meeting,
            "form": form,
            "title": title,
            "late": services.is_late(meeting),
            "cases_shown": CASES_SHOWN,
        },
    )


def _open_area_cases(meeting: Meeting):
    on_it = AgendaItem.objects.filter(
        meeting=meeting, case_id=OuterRef("pk"), status__in=services.ACTIVE
    )
    return (
        Case.objects.filter(area_id=meeting.area_id)
        .exclude(status=Case.Status.CLOSED)
        .exclude(Exists(on_it))
        .order_by("reference")
    )


@login_required
def add_case(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _coordinated_meeting(request, pk)
    form = AddCaseForm(
        _posted(request), cases=_open_area_cases(meeting), search=request.GET.get("q", "")
    )
    return _item_form(
        request,
        meeting,
        form,
        lambda data: services.add_case_item(request.user, meeting=meeting, **data),
        "meetings/agenda_form.html",
        "Add a case to the agenda",
    )


@login_required
def add_general(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _coordinated_meeting(request, pk)
    form = GeneralItemForm(_posted(request))
    return _item_form(
        request,
        meeting,
        form,
        lambda data: services.add_general_item(request.user, meeting=meeting, **data),
        "meetings/agenda_form.html",
        "Add general business",
    )


@login_required
def request_case(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    if not services.may_request_case(request.user, meeting):
        raise PermissionDenied("Only the meeting's members may ask for a case to be brought.")
    cases = _open_area_cases(meeting).filter(
        pk__in=Case.objects.visible_to(request.user).values("pk")
    )
    form = RequestCaseForm(_posted(request), cases=cases, search=request.GET.get("q", ""))
    return _item_form(
        request,
        meeting,
        form,
        lambda data: services.request_case(request.user, meeting=meeting, **data),
        "meetings/agenda_form.html",
        "Ask for a case to be brought",
    )


@login_required
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _coordinated_meeting(request, pk)
    form = VersionForm(_posted(request), initial={"version": meeting.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.publish_agenda(
                request.user, meeting=meeting, version=form.cleaned_data["version"]
            )
        except Conflict as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Agenda published. The members have been told.")
        return redirect("meetings:agenda", pk=meeting.pk)
    count = meeting.items.filter(status=AgendaItemStatus.PENDING).count()
    return render(
        request, "meetings/agenda_publish.html", {"meeting": meeting, "form": form, "count": count}
    )


@login_required
def withdraw(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = _coordinated_item(request, item_pk)
    form = WithdrawForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_item(request.user, item=item, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Item withdrawn.")
        return _back(item)
    return render(request, "meetings/agenda_withdraw.html", {"item": item, "form": form})


@login_required
@require_POST
def shift(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = _coordinated_item(request, item_pk)
    by = -1 if request.POST.get("direction") == "up" else 1
    try:
        services.shift_item(request.user, item=item, by=by)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(item)


@login_required
def move(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = _coordinated_item(request, item_pk)
    targets = list(
        services.move_targets(item.area_id)
        .exclude(pk=item.meeting_id or 0)
        .order_by("date", "start_time")
    )
    form = MoveForm(_posted(request), meetings=targets)
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.move_item(request.user, item=item, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Item moved.")
            return _back(moved)
    return render(request, "meetings/agenda_move.html", {"item": item, "form": form})


@login_required
def to_be_scheduled(request: HttpRequest, area_pk: int) -> HttpResponse:
    """The area's "to be scheduled" list: items carried over with no meeting yet, each
    with "add to meeting". Coordinators of the area."""
    user = request.user
    if area_pk not in user.coordinator_area_ids or not services.may_write(user):
        raise PermissionDenied('The "to be scheduled" list is for the area\'s coordinators.')
    area = Area.objects.get(pk=area_pk)
    items = record_list(
        user,
        services.to_be_scheduled(area_pk).select_related("case").order_by("order", "id"),
        list_name=request.resolver_match.view_name,
        model=AgendaItem,
    )
    meetings = list(services.move_targets(area_pk).order_by("date", "start_time"))
    return render(
        request,
        "meetings/to_be_scheduled.html",
        {"area": area, "items": items, "meetings": meetings},
    )


urlpatterns = [
    path("<int:pk>/agenda/", agenda, name="agenda"),
    path("<int:pk>/agenda/build/", build, name="agenda-build"),
    path("<int:pk>/agenda/add-case/", add_case, name="agenda-add-case"),
    path("<int:pk>/agenda/add-general/", add_general, name="agenda-add-general"),
    path("<int:pk>/agenda/ask/", request_case, name="agenda-request"),
    path("<int:pk>/agenda/publish/", publish, name="agenda-publish"),
    path("agenda-items/<int:item_pk>/withdraw/", withdraw, name="agenda-item-withdraw"),
    path("agenda-items/<int:item_pk>/shift/", shift, name="agenda-item-shift"),
    path("agenda-items/<int:item_pk>/move/", move, name="agenda-item-move"),
    path("areas/<int:area_pk>/to-be-scheduled/", to_be_scheduled, name="to-be-scheduled"),
]

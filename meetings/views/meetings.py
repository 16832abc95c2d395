"""Web pages: the meetings list, a meeting's page, scheduling, changing and cancelling a
meeting, its calendar file, and who sits on it (the area's standing membership and the
meeting's own).

A meeting's page shows no case at all: only how many agenda items the viewer may see and
how many others there are, never another case's reference. Meetings are read through
``Meeting.objects.visible_to`` (out of scope is 404); they carry no child data, so reading
one records no ``viewed`` event (a refused read is recorded as ``denied``), and the list
records one ``listed`` event naming the meetings shown.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, Q, Value, When
from django.db.models import F as Field
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from cases.access import get_for_user, record_list
from cases.services.common import may_write
from meetings import calendar, workflow
from meetings.forms_sched import CancelForm, MemberForm, RescheduleForm, ScheduleForm
from meetings.models import AgendaItem, Meeting, MeetingMember, MeetingStatus, StandingMember
from meetings.services import scheduling
from meetings.services.agenda import to_be_scheduled
from meetings.services.common import coordinates_meeting
from panel.dates import london_today
from panel.errors import Conflict
from panel.forms_govuk import add_service_errors
from panel.models import Area

PAGE_SIZE = 25


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_for_user(
        Meeting,
        request.user,
        pk,
        queryset=Meeting.objects.select_related(
            "area", "police_chair__agency", "local_authority_chair__agency"
        ),
    )


def _coordinated_area(request: HttpRequest, pk: int) -> Area:
    """An area the user coordinates. Areas are no secret (the API lists them): anyone else
    is refused by role (403); an area that does not exist is 404."""
    area = get_object_or_404(Area, pk=pk)
    if not scheduling.may_schedule(request.user, area):
        raise PermissionDenied("Only a coordinator of this area may do this.")
    return area


def _require_coordinator(request: HttpRequest, meeting: Meeting) -> None:
    if not coordinates_meeting(request.user, meeting):
        raise PermissionDenied("Only a coordinator of this area may do this.")


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    """Meetings the user may see: upcoming first (soonest first), then past (latest
    first)."""
    user = request.user
    today = london_today()
    meetings = (
        Meeting.objects.visible_to(user)
        .select_related("area")
        .annotate(
            past=Case(When(date__lt=today, then=Value(1)), default=Value(0)),
            upcoming_date=Case(When(date__gte=today, then=Field("date"))),
        )
        .order_by("past", "upcoming_date", "-date", "start_time", "pk")
    )
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = record_list(
        user, page.object_list, list_name=request.resolver_match.view_name, model=Meeting
    )
    areas = (
        Area.objects.filter(pk__in=user.coordinator_area_ids).order_by("name")
        if may_write(user)
        else Area.objects.none()
    )
    return render(
        request,
        "meetings/list.html",
        {"page": page, "today": today, "areas": list(areas)},
    )


def agenda_counts(meeting: Meeting, user) -> dict[str, int]:
    """How many case items the user may see on the agenda, how many others, and how many
    items of general business: one query, whatever the length of the agenda."""
    visible = AgendaItem.objects.visible_to(user).filter(meeting=meeting).values("pk")
    counts = (
        AgendaItem.objects.filter(meeting=meeting)
        .exclude(status__in=[AgendaItem.Status.MOVED, AgendaItem.Status.WITHDRAWN])
        .aggregate(
            cases=Count("pk", filter=Q(kind=AgendaItem.Kind.CASE)),
            visible=Count("pk", filter=Q(kind=AgendaItem.Kind.CASE, pk__in=visible)),
            # General business, and items about a person of concern or a location (their
            # titles name nothing: intelligence/agenda.py).
            general=Count("pk", filter=~Q(kind=AgendaItem.Kind.CASE)),
        )
    )
    return {
        "visible_cases": counts["visible"],
        "other_cases": counts["cases"] - counts["visible"],
        "general": counts["general"],
    }


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    members = list(
        MeetingMember.objects.filter(meeting=meeting)
        .select_related("agency", "representative")
        .order_by("agency__name", "pk")
    )
    coordinates = coordinates_meeting(request.user, meeting)
    # Items carried over when the area had no next meeting wait on its "to be scheduled"
    # list: the coordinator of a meeting not yet held is told, to bring them onto it.
    waiting = (
        to_be_scheduled(meeting.area_id).count()
        if coordinates
        and may_write(request.user)
        and meeting.status in (MeetingStatus.SCHEDULED, MeetingStatus.PUBLISHED)
        else 0
    )
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "members": members,
            "counts": agenda_counts(meeting, request.user),
            "publish_overdue": meeting.publish_by() < london_today(),
            "coordinates": coordinates,
            "waiting": waiting,
            "may_change": coordinates and meeting.status in workflow.RESCHEDULABLE,
            "may_cancel": coordinates
            and MeetingStatus.CANCELLED in workflow.allowed_targets(meeting),
        },
    )


@login_required
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting as a calendar file: its date, time, place and page, nothing else."""
    meeting = _meeting(request, pk)
    url = request.build_absolute_uri(reverse("meetings:meeting-detail", args=[meeting.pk]))
    response = HttpResponse(
        calendar.meeting_ics(meeting, url=url), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{meeting.reference}.ics"'
    return response


@login_required
def schedule(request: HttpRequest, pk: int) -> HttpResponse:
    area = _coordinated_area(request, pk)
    form = ScheduleForm(request.POST or None, area=area)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = scheduling.schedule_meeting(request.user, area=area, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Meeting scheduled for {meeting.date:%-d %B %Y}. Its members have been told.",
            )
            return redirect("meetings:meeting-detail", pk=meeting.pk)
    return render(request, "meetings/schedule.html", {"form": form, "area": area})


@login_required
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    _require_coordinator(request, meeting)
    if meeting.status not in workflow.RESCHEDULABLE:
        messages.error(request, "This meeting has been held or cancelled: it cannot change.")
        return redirect("meetings:meeting-detail", pk=meeting.pk)
    form = RescheduleForm.for_meeting(request.POST or None, meeting)
    if request.method == "POST" and form.is_valid():
        try:
            scheduling.reschedule_meeting(request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, str(error))
            return redirect("meetings:meeting-detail", pk=meeting.pk)
        else:
            messages.success(request, "Meeting changed. Its members have been told.")
            return redirect("meetings:meeting-detail", pk=meeting.pk)
    return render(request, "meetings/reschedule.html", {"form": form, "meeting": meeting})


@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    _require_coordinator(request, meeting)
    if MeetingStatus.CANCELLED not in workflow.allowed_targets(meeting):
        messages.error(request, "This meeting has been held or cancelled already.")
        return redirect("meetings:meeting-detail", pk=meeting.pk)
    form = CancelForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            scheduling.cancel_meeting(request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, str(error))
            return redirect("meetings:meeting-detail", pk=meeting.pk)
        else:
            messages.success(request, "Meeting cancelled. Its members have been told.")
            return redirect("meetings:meeting-detail", pk=meeting.pk)
    pending = meeting.items.filter(status=AgendaItem.Status.PENDING).count()
    return render(
        request, "meetings/cancel.html", {"form": form, "meeting": meeting, "pending": pending}
    )


@login_required
def standing_members(request: HttpRequest, pk: int) -> HttpResponse:
    """The area's standing membership, copied to each meeting scheduled: coordinators of
    the area."""
    area = _coordinated_area(request, pk)
    form = MemberForm(request.POST or None, area_id=area.pk)
    if request.method == "POST" and form.is_valid():
        try:
            scheduling.add_standing_member(request.user, area=area, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Standing member added.")
            return redirect("meetings:standing-members", pk=area.pk)
    members = StandingMember.objects.filter(area=area).select_related("agency", "representative")
    return render(
        request,
        "meetings/standing_members.html",
        {"area": area, "form": form, "members": list(members)},
    )


@login_required
@require_POST
def standing_member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    area = _coordinated_area(request, pk)
    member = get_object_or_404(StandingMember, pk=member_pk, area=area)
    scheduling.remove_standing_member(request.user, member=member)
    messages.success(request, "Standing member removed. Meetings already scheduled keep theirs.")
    return redirect("meetings:standing-members", pk=area.pk)


@login_required
def meeting_members(request: HttpRequest, pk: int) -> HttpResponse:
    """One meeting's members, editable by the area's coordinators until it is held."""
    meeting = _meeting(request, pk)
    _require_coordinator(request, meeting)
    may_change = meeting.status in workflow.RESCHEDULABLE
    form = MemberForm(request.POST or None, area_id=meeting.area_id)
    if request.method == "POST" and may_change and form.is_valid():
        try:
            scheduling.add_meeting_member(request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, str(error))
            return redirect("meetings:meeting-members", pk=meeting.pk)
        else:
            messages.success(request, "Member added.")
            return redirect("meetings:meeting-members", pk=meeting.pk)
    members = MeetingMember.objects.filter(meeting=meeting).select_related(
        "agency", "representative"
    )
    return render(
        request,
        "meetings/members.html",
        {"meeting": meeting, "form": form, "members": list(members), "may_change": may_change},
    )


@login_required
@require_POST
def meeting_member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    _require_coordinator(request, meeting)
    member = get_object_or_404(
        MeetingMember.objects.select_related("meeting"), pk=member_pk, meeting=meeting
    )
    try:
        scheduling.remove_meeting_member(request.user, member=member)
    except (ValidationError, Conflict) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, "Member removed from this meeting.")
    return redirect("meetings:meeting-members", pk=meeting.pk)


urlpatterns = [
    path("", meeting_list, name="meeting-list"),
    path("areas/<int:pk>/schedule/", schedule, name="meeting-schedule"),
    path("areas/<int:pk>/members/", standing_members, name="standing-members"),
    path(
        "areas/<int:pk>/members/<int:member_pk>/remove/",
        standing_member_remove,
        name="standing-member-remove",
    ),
    path("<int:pk>/", meeting_detail, name="meeting-detail"),
    path("<int:pk>/change/", reschedule, name="meeting-reschedule"),
    path("<int:pk>/cancel/", cancel, name="meeting-cancel"),
    path("<int:pk>/members/", meeting_members, name="meeting-members"),
    path(
        "<int:pk>/members/<int:member_pk>/remove/",
        meeting_member_remove,
        name="meeting-member-remove",
    ),
    path("<int:pk>/calendar.ics", meeting_ics, name="meeting-ics"),
]

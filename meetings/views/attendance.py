"""Web pages: attendance at the meeting (with the live quorum banner), observers and guests,
the confidentiality statement, and declarations of interest.

Anyone who may see the meeting reads these pages (Meeting.objects.visible_to; 404
otherwise). Coordinators of the area record attendance, guests and the statement; a
declaration is recorded by a coordinator or by a member's representative for their own
seat. Who may act is asked before any input is read. Every form works without JavaScript;
with it, htmx saves the attendance form on each change and redraws the quorum banner.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from cases.access import get_for_user, record_list
from cases.services.common import may_write
from meetings.forms.attendance import (
    AttendanceForm,
    ConfidentialityForm,
    DeclarationForm,
    GuestForm,
)
from meetings.models import (
    AgendaItem,
    AgendaItemKind,
    Declaration,
    Meeting,
    MeetingGuest,
    MeetingMember,
)
from meetings.services import attendance as service
from meetings.services.common import coordinates_meeting
from meetings.services.quorum import quorum_state
from panel.errors import Conflict
from panel.forms_govuk import add_service_errors

MEMBER_RELATED = ("agency", "representative")


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_for_user(Meeting, request.user, pk, queryset=Meeting.objects.select_related("area"))


def _require_recorder(request: HttpRequest, meeting: Meeting) -> None:
    if not coordinates_meeting(request.user, meeting):
        raise PermissionDenied("Only a coordinator of this area may record attendance.")


def _members(meeting: Meeting) -> list[MeetingMember]:
    return list(meeting.members.select_related(*MEMBER_RELATED))


def _banner_context(meeting: Meeting) -> dict:
    state = quorum_state(meeting)
    return {
        "quorum": state,
        "quorum_headline": service.quorum_headline(state),
        "quorum_required": service.kinds_text(state.required),
        "quorum_consequence": service.NOT_QUORATE_CONSEQUENCE,
    }


def _render(
    request: HttpRequest,
    meeting: Meeting,
    *,
    form: AttendanceForm | None = None,
    guest_form: GuestForm | None = None,
    statement_form: ConfidentialityForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_record = coordinates_meeting(request.user, meeting)
    is_open = service.recording_open(meeting)
    members = form.members if form is not None else _members(meeting)
    context = {
        "meeting": meeting,
        "members": members,
        "guests": list(meeting.guests.all()),
        "may_record": may_record and is_open,
        "recording_open": is_open,
        "form": form or AttendanceForm(members=members),
        "guest_form": guest_form or GuestForm(),
        "statement_form": statement_form
        or ConfidentialityForm(initial={"version": meeting.version}),
        "statement": settings.MEETING_CONFIDENTIALITY_STATEMENT,
        **_banner_context(meeting),
    }
    return render(request, "meetings/attendance/attendance.html", context, status=status)


@login_required
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendance page; POST saves the members whose attendance was changed (with
    htmx, on each change, answering with the redrawn quorum banner)."""
    meeting = _meeting(request, pk)
    if request.method != "POST":
        return _render(request, meeting)
    _require_recorder(request, meeting)
    htmx = request.headers.get("HX-Request") == "true"
    form = AttendanceForm(request.POST, members=_members(meeting))
    errors: list[str] = []
    saved: list[MeetingMember] = []
    if form.is_valid():
        try:
            saved = service.record_attendance_all(
                request.user, meeting=meeting, rows=form.changed_rows()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as conflict:
            errors.append(str(conflict))
    if htmx:
        errors += [str(e) for field_errors in form.errors.values() for e in field_errors]
        context = {
            "meeting": meeting,
            "save_errors": errors,
            # Each saved row's "as loaded" value moves on to what was saved (out-of-band),
            # so the next change on this page does not send that row again.
            "saved_rows": AttendanceForm(members=saved).rows(),
            **_banner_context(meeting),
        }
        return render(request, "meetings/attendance/_saved.html", context)
    if errors:
        messages.error(request, errors[0])
        return redirect("meetings:attendance", pk=meeting.pk)
    if form.errors:
        return _render(request, meeting, form=form, status=400)
    count = len(saved)
    messages.success(
        request,
        f"Attendance saved: {count} member{'s' if count != 1 else ''} updated."
        if count
        else "Attendance is up to date: nothing changed since it was last saved.",
    )
    return redirect("meetings:attendance", pk=meeting.pk)


@login_required
@require_POST
def add_guest(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    _require_recorder(request, meeting)
    form = GuestForm(request.POST)
    if form.is_valid():
        try:
            guest = service.add_guest(request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as conflict:
            messages.error(request, str(conflict))
            return redirect("meetings:attendance", pk=meeting.pk)
        else:
            messages.success(request, f"{guest.get_kind_display()} added: {guest.name}.")
            return redirect(f"{meeting_url(meeting)}#guests")
    return _render(request, meeting, guest_form=form, status=400)


@login_required
@require_POST
def remove_guest(request: HttpRequest, pk: int, guest_pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    _require_recorder(request, meeting)
    guest = get_object_or_404(MeetingGuest, pk=guest_pk, meeting=meeting)
    try:
        service.remove_guest(request.user, guest=guest)
    except Conflict as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(request, f"{guest.name} taken off the meeting's record.")
    return redirect(f"{meeting_url(meeting)}#guests")


@login_required
@require_POST
def confidentiality(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    _require_recorder(request, meeting)
    form = ConfidentialityForm(request.POST)
    if form.is_valid():
        try:
            service.record_confidentiality(
                request.user,
                meeting=meeting,
                read_by=form.cleaned_data["read_by"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as conflict:
            messages.error(request, str(conflict))
            return redirect("meetings:attendance", pk=meeting.pk)
        else:
            messages.success(request, "The confidentiality statement is recorded as read.")
            return redirect(f"{meeting_url(meeting)}#statement")
    return _render(request, meeting, statement_form=form, status=400)


def meeting_url(meeting: Meeting) -> str:
    from django.urls import reverse

    return reverse("meetings:attendance", args=[meeting.pk])


# --- declarations of interest --------------------------------------------------------------


def _declaration_choices(request: HttpRequest, meeting: Meeting, items: list[AgendaItem]):
    """What the user may declare on: the case items they may see, and the seats they may
    declare for (every member for a coordinator, their own live seats otherwise)."""
    user = request.user
    item_ids = [i.pk for i in items if i.status in AgendaItem.ACTIVE_STATUSES]
    item_choices = AgendaItem.objects.filter(pk__in=item_ids).select_related("case")
    members = meeting.members.select_related(*MEMBER_RELATED)
    if not coordinates_meeting(user, meeting):
        if not may_write(user):
            members = members.none()
        else:
            members = members.filter(representative_id=user.pk, agency_id=user.agency_id)
    return item_choices, members


@login_required
def declarations(request: HttpRequest, pk: int) -> HttpResponse:
    """Declarations of interest on the cases of the agenda the viewer may see; the form
    for a coordinator, or a member for their own seat."""
    meeting = _meeting(request, pk)
    user = request.user
    case_items = AgendaItem.objects.filter(meeting=meeting, kind=AgendaItemKind.CASE)
    declared = Declaration.objects.select_related(
        "member__agency", "member__representative", "recorded_by"
    ).order_by("recorded_at", "id")
    items = record_list(
        user,
        case_items.visible_to(user)
        .select_related("case")
        .prefetch_related(Prefetch("declarations", queryset=declared))
        .order_by("order", "id"),
        list_name="meetings:declarations",
        model=AgendaItem,
    )
    item_choices, members = _declaration_choices(request, meeting, items)
    is_open = meeting.status in service.DECLARATIONS_OPEN
    may_declare = is_open and (
        coordinates_meeting(user, meeting) or (may_write(user) and members.exists())
    )
    form = DeclarationForm(
        request.POST if request.method == "POST" else None,
        meeting=meeting,
        items=item_choices,
        members=members,
    )
    if request.method == "POST":
        if not may_declare:
            raise PermissionDenied(
                "Only a coordinator, or a member's own representative, may record a "
                "declaration of interest."
            )
        if form.is_valid():
            try:
                service.record_declaration(user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            except Conflict as conflict:
                messages.error(request, str(conflict))
                return redirect("meetings:declarations", pk=meeting.pk)
            else:
                messages.success(request, "Declaration of interest recorded.")
                return redirect("meetings:declarations", pk=meeting.pk)
    context = {
        "meeting": meeting,
        "items": items,
        "hidden_count": case_items.count() - len(items),
        "form": form,
        "may_declare": may_declare,
    }
    return render(
        request,
        "meetings/attendance/declarations.html",
        context,
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("<int:pk>/attendance/", attendance, name="attendance"),
    path("<int:pk>/attendance/guests/", add_guest, name="attendance-guest-add"),
    path(
        "<int:pk>/attendance/guests/<int:guest_pk>/remove/",
        remove_guest,
        name="attendance-guest-remove",
    ),
    path(
        "<int:pk>/attendance/confidentiality/",
        confidentiality,
        name="attendance-confidentiality",
    ),
    path("<int:pk>/declarations/", declarations, name="declarations"),
]

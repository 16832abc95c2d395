"""Web pages: minutes. The minutes page (read, scoped per reader; a coordinator drafts,
edits, circulates and records approval at a later meeting; a co-chair approves), a
section's edit page and the addendum page for approved minutes."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from cases.access import get_for_user, record_list
from meetings.models import AgendaItem, Meeting, MeetingStatus, Minutes, MinutesStatus
from meetings.selectors import (
    may_read_minutes,
    minutes_sections_for,
    sees_all_minutes,
    shown_case_items,
    whole_minutes_addenda,
)
from meetings.services import minutes as service
from meetings.services.common import chairs_meeting, coordinates_meeting
from panel.errors import Conflict
from panel.forms_govuk import add_service_errors


class SectionForm(forms.Form):
    text = forms.CharField(
        label="Section text", required=False, widget=forms.Textarea(attrs={"rows": 12})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class AddendumForm(forms.Form):
    section = forms.TypedChoiceField(
        label="Which part does it correct?", coerce=int, empty_value=None, required=False
    )
    text = forms.CharField(
        label="Correction",
        help_text="Appended under the section with your name and the time. It cannot be "
        "changed or removed afterwards.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [("", "The minutes as a whole")] + [
            (s.pk, s.heading) for s in sections
        ]


class LaterMeetingForm(forms.Form):
    at_meeting = forms.ModelChoiceField(
        label="Meeting that approved them",
        queryset=Meeting.objects.none(),
        empty_label=None,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["at_meeting"]
        # The next year's meetings: a choice list stays short, and a queryset (not a
        # slice) lets the field look up what was chosen.
        field.queryset = Meeting.objects.filter(
            area_id=meeting.area_id,
            date__gt=meeting.date,
            date__lte=meeting.date + dt.timedelta(days=366),
            status__in=service.APPROVABLE_AT,
        ).order_by("date", "id")
        field.label_from_instance = lambda m: f"{m.date:%-d %B %Y} ({m.get_status_display()})"


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_for_user(
        Meeting,
        request.user,
        pk,
        queryset=Meeting.objects.select_related(
            "area", "police_chair", "local_authority_chair", "approved_by", "approved_at_meeting"
        ),
    )


def _minutes(meeting: Meeting) -> Minutes | None:
    return Minutes.objects.filter(meeting=meeting).select_related("approved_by").first()


@login_required
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting's minutes as this reader may see them, with what they may do next."""
    user = request.user
    meeting = _meeting(request, pk)
    record = _minutes(meeting)
    readable = may_read_minutes(user, meeting, record)
    views = minutes_sections_for(user, meeting, record) if readable else []
    record_list(user, shown_case_items(views), list_name="meetings:minutes", model=AgendaItem)
    coordinator = coordinates_meeting(user, meeting)
    status = record.status if record else None
    context = {
        "meeting": meeting,
        "minutes": record if readable else None,
        "exists": record is not None,
        "views": views,
        "general_addenda": whole_minutes_addenda(record) if readable else [],
        "sees_all": sees_all_minutes(user, meeting),
        "can_draft": coordinator
        and meeting.status == MeetingStatus.HELD
        and status in (None, MinutesStatus.DRAFT),
        "can_edit": coordinator and status in (MinutesStatus.DRAFT, MinutesStatus.CIRCULATED),
        "can_circulate": coordinator and status == MinutesStatus.DRAFT,
        "can_approve": chairs_meeting(user, meeting) and status == MinutesStatus.CIRCULATED,
        "can_add_addendum": status == MinutesStatus.APPROVED
        and service.may_add_addendum(user, meeting),
        "later_form": LaterMeetingForm(meeting=meeting, initial={"version": record.version})
        if coordinator and status == MinutesStatus.CIRCULATED
        else None,
    }
    return render(request, "meetings/minutes.html", context)


@login_required
@require_POST
def draft(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    try:
        service.draft_minutes(request.user, meeting=meeting)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Draft minutes built from the meeting's record.")
    return redirect("meetings:minutes", pk=meeting.pk)


@login_required
def edit_section(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    if not coordinates_meeting(request.user, meeting):
        raise PermissionDenied("Only a coordinator of this area may edit the minutes.")
    record = _minutes(meeting)
    section = (
        record.sections.select_related("item__case").filter(pk=section_pk).first()
        if record
        else None
    )
    if section is None:
        raise Http404("No such section.")
    form = SectionForm(
        request.POST or None, initial={"text": section.text, "version": record.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            service.edit_section(
                request.user,
                section=section,
                text=form.cleaned_data["text"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, str(error))
            return redirect("meetings:minutes", pk=meeting.pk)
        else:
            messages.success(request, f"Section “{section.heading}” saved.")
            return redirect("meetings:minutes", pk=meeting.pk)
    return render(
        request,
        "meetings/minutes_section.html",
        {"meeting": meeting, "minutes": record, "section": section, "form": form},
    )


@login_required
@require_POST
def circulate(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    try:
        service.circulate_minutes(request.user, meeting=meeting, version=_version(request))
    except (ValidationError, Conflict) as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, "Minutes circulated to those who attended.")
    return redirect("meetings:minutes", pk=meeting.pk)


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    """A co-chair approves; a coordinator records approval at a later meeting."""
    meeting = _meeting(request, pk)
    at_meeting = None
    if "at_meeting" in request.POST:
        form = LaterMeetingForm(request.POST, meeting=meeting)
        if not form.is_valid():
            messages.error(request, "Choose the later meeting that approved the minutes.")
            return redirect("meetings:minutes", pk=meeting.pk)
        at_meeting = form.cleaned_data["at_meeting"]
    try:
        service.approve_minutes(
            request.user, meeting=meeting, version=_version(request), at_meeting=at_meeting
        )
    except (ValidationError, Conflict) as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, "Minutes approved. They are now locked.")
    return redirect("meetings:minutes", pk=meeting.pk)


@login_required
def addendum(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    if not service.may_add_addendum(request.user, meeting):
        raise PermissionDenied("Only a coordinator of this area or a co-chair may add to minutes.")
    record = _minutes(meeting)
    if record is None or record.status != MinutesStatus.APPROVED:
        messages.error(request, "Addenda are for approved minutes.")
        return redirect("meetings:minutes", pk=meeting.pk)
    sections = list(record.sections.order_by("order", "id"))
    form = AddendumForm(request.POST or None, sections=sections)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["section"]
        section = next((s for s in sections if s.pk == chosen), None)
        try:
            service.add_addendum(
                request.user, minutes=record, section=section, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Addendum added to the minutes.")
            return redirect("meetings:minutes", pk=meeting.pk)
    return render(
        request,
        "meetings/minutes_addendum.html",
        {"meeting": meeting, "minutes": record, "form": form},
    )


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


urlpatterns: list[URLPattern] = [
    path("<int:pk>/minutes/", minutes, name="minutes"),
    path("<int:pk>/minutes/draft/", draft, name="minutes-draft"),
    path("<int:pk>/minutes/sections/<int:section_pk>/", edit_section, name="minutes-section-edit"),
    path("<int:pk>/minutes/circulate/", circulate, name="minutes-circulate"),
    path("<int:pk>/minutes/approve/", approve, name="minutes-approve"),
    path("<int:pk>/minutes/addendum/", addendum, name="minutes-addendum"),
]

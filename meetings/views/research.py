"""Web pages: the research list (issue 10 "Research list").

- ``research-list``: one meeting's list. A member agency's live representative sees, for
  each case on the agenda, only what identifies the child (name, known-as, date of birth,
  address, school or setting, case reference) and their own agency's return, never a link
  to the case, its risk level or its concerns. The area's coordinators and auditors see
  the same entries with every member agency's return (held / nothing held / not returned)
  and the summaries.
- ``research-return``: one entry, where the representative records or changes their
  agency's return.
- ``my-research``: the open research lists at which the user holds a live seat, with how
  many returns their agency still has to make.

Out of scope (no seat, window closed) is 404, so a list's existence does not leak; each
list shown is one ``listed`` event naming the entries and their children, each entry
opened is ``viewed``, each return recorded ``created`` or ``updated``.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from audit.models import AuditEvent
from audit.services import record
from cases.access import get_for_user, record_list
from cases.services.common import may_write
from meetings import access, selectors
from meetings.models import (
    Meeting,
    MeetingMember,
    ResearchListEntry,
    ResearchOutcome,
    ResearchReturn,
)
from meetings.services import research as services
from panel.errors import Conflict
from panel.forms_govuk import add_service_errors
from panel.models import Agency

ENTRY_RELATED = ("case__child",)


class ResearchReturnForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What does your agency hold about this child?",
        choices=ResearchOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose information held or nothing held."},
    )
    summary = forms.CharField(
        label="Summary of the information held",
        help_text=f"Needed when information is held: a short summary for the panel, at most "
        f"{services.SUMMARY_MAX_LENGTH} characters. Leave it empty when nothing is held.",
        required=False,
        max_length=services.SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    """The meeting, if the user may open its research list today (else 404, recorded as
    ``denied`` when the meeting exists), with whether they hold a live seat at it."""
    seat = access.live_seats(request.user).filter(meeting_id=OuterRef("pk"))
    return get_for_user(
        Meeting,
        request.user,
        pk,
        queryset=access.research_meetings(request.user)
        .select_related("area")
        .annotate(my_seat=Exists(seat)),
    )


def _reads_every_return(user, meeting: Meeting) -> bool:
    """The area's coordinators and auditors see every member agency's return."""
    return user.is_auditor or meeting.area_id in user.coordinator_area_ids


@login_required
def research_list(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    meeting = _meeting(request, pk)
    everyone = _reads_every_return(user, meeting)
    entries = (
        ResearchListEntry.objects.visible_to(user)
        .filter(meeting_id=meeting.pk)
        .select_related(*ENTRY_RELATED)
        .order_by("order", "pk")
    )
    if everyone:
        returns = ResearchReturn.objects.select_related("agency").order_by("agency__name", "pk")
    else:
        returns = ResearchReturn.objects.filter(agency_id=user.agency_id)
    entries = entries.prefetch_related(Prefetch("research", queryset=returns, to_attr="returns"))
    entries = record_list(
        user, entries, list_name="meetings:research-list", model=ResearchListEntry
    )
    rows = []
    agencies: list[Agency] = []
    if everyone:
        agencies = list(
            Agency.objects.filter(
                pk__in=MeetingMember.objects.filter(meeting_id=meeting.pk).values("agency_id")
            ).order_by("name", "pk")
        )
    for entry in entries:
        by_agency = {ret.agency_id: ret for ret in entry.returns}
        mine = by_agency.get(user.agency_id) if meeting.my_seat else None
        grid = []
        if everyone:
            shown = {agency.pk for agency in agencies}
            extra = [ret.agency for ret in entry.returns if ret.agency_id not in shown]
            grid = [(agency, by_agency.get(agency.pk)) for agency in [*agencies, *extra]]
        rows.append({"entry": entry, "child": entry.case.child, "mine": mine, "grid": grid})
    # Returns not yet made by each member agency (what the home page's "research returns
    # missing" figure counts, for the coordinators who read every return).
    returned = [{ret.agency_id for ret in entry.returns} for entry in entries]
    missing = [(agency, sum(agency.pk not in made for made in returned)) for agency in agencies]
    missing = [(agency, n) for agency, n in missing if n]
    context = {
        "meeting": meeting,
        "rows": rows,
        "missing": missing,
        "missing_total": sum(n for _, n in missing),
        "everyone": everyone,
        "my_seat": meeting.my_seat and may_write(user),
        "nav_current": "research",
    }
    return render(request, "meetings/research/list.html", context)


def _render_return(request, meeting, entry, form, current, *, stale=False) -> HttpResponse:
    context = {
        "meeting": meeting,
        "entry": entry,
        "child": entry.case.child,
        "form": form,
        "current": current,
        "stale": stale,
        "nav_current": "research",
    }
    return render(request, "meetings/research/return.html", context)


@login_required
def research_return(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Record or change the user's agency's return for one entry. Only a live
    representative of a member agency (403 for the coordinators and auditors who can see
    the entry; 404 for everyone else)."""
    user = request.user
    meeting = _meeting(request, pk)
    entry = get_for_user(
        ResearchListEntry,
        user,
        item_pk,
        queryset=ResearchListEntry.objects.filter(meeting_id=meeting.pk).select_related(
            *ENTRY_RELATED
        ),
    )
    if not (meeting.my_seat and services.holds_live_seat(user, entry)):
        raise PermissionDenied(services.NOT_A_REPRESENTATIVE)
    current = ResearchReturn.objects.filter(item_id=entry.pk, agency_id=user.agency_id).first()
    if request.method != "POST":
        record(
            actor=user,
            verb=AuditEvent.Verb.VIEWED,
            obj=entry,
            case_reference=entry.case.reference,
        )
        initial = {"version": current.version} if current else {}
        if current:
            initial |= {"outcome": current.outcome, "summary": current.summary}
        return _render_return(request, meeting, entry, ResearchReturnForm(initial=initial), current)
    form = ResearchReturnForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_research_return(
                user,
                item=entry,
                outcome=data["outcome"],
                summary=data["summary"],
                version=data["version"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict:
            current = ResearchReturn.objects.filter(
                item_id=entry.pk, agency_id=user.agency_id
            ).first()
            data = request.POST.copy()
            data["version"] = str(current.version) if current else ""
            form = ResearchReturnForm(data)
            form.is_valid()
            form.add_error(None, services.STALE)
            return _render_return(request, meeting, entry, form, current, stale=True)
        else:
            messages.success(request, f"Your agency's return for {entry.case.reference} is saved.")
            return redirect("meetings:research-list", pk=meeting.pk)
    return _render_return(request, meeting, entry, form, current)


@login_required
def my_research(request: HttpRequest) -> HttpResponse:
    """The open research lists at which the user holds a live seat, soonest first, with
    how many entries each has and how many still wait for the user's agency's return.
    One query for them all; no child's detail, so nothing to record."""
    meetings = list(
        selectors.seat_research_lists(request.user)
        .select_related("area")
        .order_by("date", "start_time", "pk")
    )
    context = {
        "meetings": meetings,
        "to_return": sum(meeting.to_return for meeting in meetings),
        "days_after": settings.MEETING_RESEARCH_DAYS_AFTER,
    }
    return render(request, "meetings/research/mine.html", context)


urlpatterns = [
    path("research/", my_research, name="my-research"),
    path("<int:pk>/research/", research_list, name="research-list"),
    path("<int:pk>/research/<int:item_pk>/", research_return, name="research-return"),
]

"""Web pages for links and sightings.

- /cases/<case_pk>/links/: the case's links, as the viewer may be told them (``listed``);
- /cases/<case_pk>/links/new/: link the case's child to a person, location or vehicle;
- /triage/<referral_pk>/links/new/: at triage, link an adult named in the concerns (an
  existing person of concern or a new one) to the referral, before a case exists;
- /intelligence/links/new/?person=<pk> (or location, vehicle): link two records;
- /intelligence/links/<pk>/: a link and its sightings (``viewed``), with edit, end and
  add-a-sighting pages.

A link's own pages are for those who see it in full (``Link.objects.visible_to``): 404
otherwise, like a missing id. Who may write is the service's rule; the pages ask it first
(``intelligence.access.may_record``) and re-render forms with the service's messages.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from audit.services import record_listed
from cases.access import get_for_user
from cases.models import Case, Referral
from intelligence import access
from intelligence.forms.links import (
    KINDS,
    ChildLinkForm,
    EditLinkForm,
    EndLinkForm,
    SightingForm,
    TriageLinkForm,
)
from intelligence.links_summary import child_links, phrase, record_url
from intelligence.models import Link, Sighting
from intelligence.services import links as service
from panel.errors import Conflict
from panel.forms_govuk import add_service_errors

LINK_RELATED = (
    "case", "referral", "person", "other_person", "location", "vehicle", "source_agency",
    "recorded_by",
)  # fmt: skip
# The record pairs a link between records may join, from the record it starts at.
PAIRS = {
    "person": ("person", "location", "vehicle"),
    "location": ("person", "vehicle"),
    "vehicle": ("person", "location"),
}


def _data(request: HttpRequest):
    """The POST data of a submitted form (even empty), or None for a new one."""
    return request.POST if request.method == "POST" else None


def _require_recorder(user, area_id: int) -> None:
    if not access.may_record(user, area_id):
        raise PermissionDenied("You may not record intelligence here.")


def _form_page(request, template_context: dict, status: int = 200) -> HttpResponse:
    return render(request, "intelligence/links/form.html", template_context, status=status)


# --- a case's links -------------------------------------------------------------------


@login_required
def case_links(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = get_for_user(Case, request.user, case_pk, queryset=Case.objects.select_related("child"))
    lines = child_links(request.user, case=case, live_only=False)
    record_listed(
        request.user,
        list_name=request.resolver_match.view_name,
        object_type="intelligence.link",
        objects=[("intelligence.link", line.pk) for line in lines]
        + [("cases.case", case.pk), ("cases.child", case.child_id)],
    )
    may_link = access.may_record(request.user, case.area_id) and case.status != Case.Status.CLOSED
    return render(
        request,
        "intelligence/links/case_links.html",
        {
            "case": case,
            "lines": lines,
            "add_link_url": reverse("intelligence:case-link-new", args=[case.pk])
            if may_link
            else "",
        },
    )


def _record_from(form_record) -> dict:
    kind, obj = form_record
    return {kind: obj}


def _save_link(request, form, **where) -> Link | None:
    try:
        return service.record_link(request.user, **where, **form.grading())
    except ValidationError as error:
        add_service_errors(form, error, {"record": "record", "new_person_name": "new_person_name"})
    return None


@login_required
def case_link_new(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = get_for_user(Case, request.user, case_pk, queryset=Case.objects.select_related("child"))
    _require_recorder(request.user, case.area_id)
    if case.status == Case.Status.CLOSED:
        raise PermissionDenied("The case is closed.")
    form = ChildLinkForm(_data(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        link = _save_link(request, form, case=case, **_record_from(form.cleaned_data["record"]))
        if link is not None:
            messages.success(request, "Link recorded.")
            return redirect("cases:case-detail", pk=case.pk)
    context = {
        "form": form,
        "title": "Link the child to a person, location or vehicle",
        "caption": case.reference,
        "back_url": reverse("cases:case-detail", args=[case.pk]),
        "button": "Record the link",
    }
    return _form_page(request, context, 400 if form.errors else 200)


@login_required
def referral_link_new(request: HttpRequest, referral_pk: int) -> HttpResponse:
    referral = get_for_user(
        Referral, request.user, referral_pk, queryset=Referral.objects.select_related("case")
    )
    if not (
        referral.area_id in request.user.coordinator_area_ids
        and referral.status == Referral.Status.SUBMITTED
    ):
        raise PermissionDenied("Only a coordinator triaging this referral may do this.")
    _require_recorder(request.user, referral.area_id)
    form = TriageLinkForm(_data(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data.get("person_obj") is not None:
            where = {"person": data["person_obj"]}
        else:
            where = {
                "new_person": {
                    "name": data["new_person_name"],
                    "approximate_age": data["new_person_age"],
                    "description": data["new_person_description"],
                }
            }
        link = _save_link(request, form, referral=referral, **where)
        if link is not None:
            messages.success(request, "Person of concern linked to the referral.")
            return redirect("cases:triage-detail", pk=referral.pk)
    context = {
        "form": form,
        "title": "Link an adult named in the concerns",
        "caption": "Referral at triage",
        "back_url": reverse("cases:triage-detail", args=[referral.pk]),
        "button": "Record the link",
    }
    return _form_page(request, context, 400 if form.errors else 200)


@login_required
def record_link_new(request: HttpRequest) -> HttpResponse:
    """Link a person, location or vehicle (``?person=<pk>`` etc.) to another record."""
    start = next(((k, request.GET[k]) for k in PAIRS if request.GET.get(k)), None)
    if start is None:
        raise Http404("Say which record the link starts from.")
    kind, pk = start
    model = KINDS[kind]
    origin = get_for_user(model, request.user, pk)
    _require_recorder(request.user, origin.area_id)
    form = ChildLinkForm(
        _data(request), user=request.user, kinds=PAIRS[kind], exclude=f"{kind}:{origin.pk}"
    )
    if request.method == "POST" and form.is_valid():
        other_kind, other = form.cleaned_data["record"]
        records = {kind: origin}
        if other_kind == kind == "person":
            records["other_person"] = other
        else:
            records[other_kind] = other
        # A person is always the link's first record; location before vehicle.
        link = _save_link(request, form, **records)
        if link is not None:
            messages.success(request, "Link recorded.")
            return redirect("intelligence:link-detail", pk=link.pk)
    context = {
        "form": form,
        "title": "Link to another record",
        "caption": str(origin),
        "back_url": record_url(origin) or "",
        "button": "Record the link",
    }
    return _form_page(request, context, 400 if form.errors else 200)


# --- one link -------------------------------------------------------------------------


def _link(request: HttpRequest, pk: int, *, viewed: bool = False) -> Link:
    return get_for_user(
        Link, request.user, pk, viewed=viewed, queryset=Link.objects.select_related(*LINK_RELATED)
    )


def _joined(link: Link) -> list[dict]:
    """The link's records: name, what it is, and its page."""
    joined = []
    for obj in (link.person, link.other_person, link.location, link.vehicle):
        if obj is not None:
            kind = {"personofconcern": "Person of concern", "location": "Location"}.get(
                obj._meta.model_name, "Vehicle"
            )
            if obj._meta.model_name == "location":
                kind = f"Location: {obj.get_kind_display().lower()}"
            joined.append({"name": str(obj), "kind": kind, "url": record_url(obj)})
    return joined


@login_required
def link_detail(request: HttpRequest, pk: int) -> HttpResponse:
    link = _link(request, pk, viewed=True)
    sightings = list(
        Sighting.objects.visible_to(request.user)
        .filter(link_id=link.pk)
        .select_related("location", "recorded_by")
    )
    may_change = access.may_record(request.user, link.area_id)
    child_url = ""
    if link.case_id:
        child_url = reverse("cases:case-detail", args=[link.case_id])
    elif link.referral_id:
        child_url = reverse("cases:triage-detail", args=[link.referral_id])
    return render(
        request,
        "intelligence/links/detail.html",
        {
            "link": link,
            "joined": _joined(link),
            "phrase": phrase(link) if link.is_child_link else "",
            "child_url": child_url,
            "sightings": sightings,
            "may_change": may_change and link.is_live,
        },
    )


@login_required
def link_edit(request: HttpRequest, pk: int) -> HttpResponse:
    link = _link(request, pk)
    _require_recorder(request.user, link.area_id)
    initial = {name: getattr(link, name) for name in EditLinkForm.GRADING}
    initial |= {"source_agency": link.source_agency_id, "version": link.version}
    form = EditLinkForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            service.update_link(
                request.user, link=link, version=form.cleaned_data["version"], **form.grading()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as conflict:
            messages.error(request, str(conflict))
            return redirect("intelligence:link-edit", pk=link.pk)
        else:
            messages.success(request, "Link changed.")
            return redirect("intelligence:link-detail", pk=link.pk)
    context = {
        "form": form,
        "title": "Change the link",
        "caption": str(link),
        "back_url": reverse("intelligence:link-detail", args=[link.pk]),
        "button": "Save the change",
    }
    return _form_page(request, context, 400 if form.errors else 200)


@login_required
def link_end(request: HttpRequest, pk: int) -> HttpResponse:
    link = _link(request, pk)
    _require_recorder(request.user, link.area_id)
    form = EndLinkForm(_data(request), initial={"version": link.version})
    if request.method == "POST" and form.is_valid():
        try:
            service.end_link(
                request.user,
                link=link,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as conflict:
            messages.error(request, str(conflict))
            return redirect("intelligence:link-detail", pk=link.pk)
        else:
            messages.success(request, "Link ended. It stays on record.")
            return redirect("intelligence:link-detail", pk=link.pk)
    context = {
        "form": form,
        "title": "End the link",
        "caption": str(link),
        "back_url": reverse("intelligence:link-detail", args=[link.pk]),
        "button": "End the link",
        "hint": "A link found to be wrong or no longer true is ended, never deleted.",
    }
    return _form_page(request, context, 400 if form.errors else 200)


@login_required
def sighting_new(request: HttpRequest, pk: int) -> HttpResponse:
    link = _link(request, pk)
    _require_recorder(request.user, link.area_id)
    form = SightingForm(_data(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            service.add_sighting(
                request.user,
                link=link,
                seen_at=form.seen_at(),
                location=form.cleaned_data["location"],
                place=form.cleaned_data["place"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            add_service_errors(form, error, {"seen_at": "seen_on"})
        else:
            messages.success(request, "Sighting recorded.")
            return redirect("intelligence:link-detail", pk=link.pk)
    context = {
        "form": form,
        "title": "Add a sighting",
        "caption": str(link),
        "back_url": reverse("intelligence:link-detail", args=[link.pk]),
        "button": "Record the sighting",
        "date_fields": ("seen_on",),
    }
    return _form_page(request, context, 400 if form.errors else 200)


urlpatterns = [
    path("cases/<int:case_pk>/links/", case_links, name="case-links"),
    path("cases/<int:case_pk>/links/new/", case_link_new, name="case-link-new"),
    path("triage/<int:referral_pk>/links/new/", referral_link_new, name="referral-link-new"),
    path("intelligence/links/new/", record_link_new, name="link-new"),
    path("intelligence/links/<int:pk>/", link_detail, name="link-detail"),
    path("intelligence/links/<int:pk>/edit/", link_edit, name="link-edit"),
    path("intelligence/links/<int:pk>/end/", link_end, name="link-end"),
    path("intelligence/links/<int:pk>/sightings/new/", sighting_new, name="sighting-new"),
]

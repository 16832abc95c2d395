"""Web pages: persons of concern, locations and vehicles (issue 13 "Records").

Lists (filtered, paginated, one ``listed`` event naming the page's records), details
(``viewed``), create and edit forms (duplicates shown first: creating needs "this is a
different ..." ticked when any were found), a person's status and identifiers, and merging
duplicates (the area's coordinators) with the merge history and undo.

Everything is read through ``intelligence.access`` scopes: a record out of scope is 404,
as a missing id. Who may not see intelligence at all gets 403 on the lists and forms."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from audit.models import AuditEvent
from audit.services import record, record_listed
from cases.access import get_for_user
from cases.models import Case
from intelligence import access, keys, matching
from intelligence.forms_records import (
    IdentifierForm,
    LocationFilterForm,
    LocationForm,
    MergeForm,
    PersonFilterForm,
    PersonForm,
    StatusForm,
    UnmergeForm,
    VehicleFilterForm,
    VehicleForm,
)
from intelligence.models import (
    Disruption,
    Link,
    Location,
    Merge,
    PersonIdentifier,
    PersonOfConcern,
    Vehicle,
)
from intelligence.services import merges, records
from panel.dates import london_today
from panel.errors import Conflict
from panel.forms_govuk import add_service_errors
from panel.models import Area

PAGE_SIZE = 50
REVIEW_SOON_DAYS = 30
STALE = "Someone else changed this record while you were editing it. Check it and try again."


@dataclass(frozen=True)
class Kind:
    name: str  # "person", "location", "vehicle": URL names and Merge.kind
    model: type
    form: type
    filter_form: type
    label: str
    plural: str
    link_field: str


KINDS = {
    "person": Kind(
        "person",
        PersonOfConcern,
        PersonForm,
        PersonFilterForm,
        "person of concern",
        "Persons of concern",
        "person",
    ),
    "location": Kind(
        "location", Location, LocationForm, LocationFilterForm, "location", "Locations", "location"
    ),
    "vehicle": Kind(
        "vehicle", Vehicle, VehicleForm, VehicleFilterForm, "vehicle", "Vehicles", "vehicle"
    ),
}


def _require_sees(user) -> None:
    if not access.sees_intelligence(user):
        raise PermissionDenied("Intelligence is for the area's coordinators and granted agencies.")


def _recording_areas(user):
    ids = [pk for pk in access.intelligence_area_ids(user) if access.may_record(user, pk)]
    return Area.objects.filter(pk__in=ids).order_by("name")


def _get(request: HttpRequest, kind: Kind, pk: int, *, viewed: bool = False) -> Any:
    qs = kind.model.objects.select_related("area", "source_agency", "merged_into")
    return get_for_user(kind.model, request.user, pk, viewed=viewed, queryset=qs)


# --- lists -------------------------------------------------------------------------------


def _filtered(kind: Kind, user, data: dict) -> Any:
    qs = kind.model.objects.visible_to(user).current().select_related("area")
    q = (data.get("q") or "").strip()
    if kind.name == "person":
        if q:
            folded = keys.person_name_key(q)
            ident_keys = {keys.person_name_key(q), keys.phone_key(q), keys.handle_key(q)} - {""}
            ident = PersonIdentifier.objects.filter(person=OuterRef("pk")).filter(
                Q(*[Q(key__contains=k) for k in ident_keys], _connector=Q.OR)
            )
            qs = qs.filter(
                (Q(name_key__contains=folded) if folded else Q(pk__in=[])) | Exists(ident)
            )
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        today = london_today()
        if data.get("review") == "overdue":
            qs = qs.filter(review_date__lt=today)
        elif data.get("review") == "due":
            qs = qs.filter(review_date__lte=today + dt.timedelta(days=REVIEW_SOON_DAYS))
    elif kind.name == "location":
        if q:
            qs = qs.filter(name_key__contains=keys.person_name_key(q))
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("postcode"):
            qs = qs.filter(postcode_key__startswith=keys.postcode_key(data["postcode"]))
    else:
        text = data.get("registration") or q
        if text and keys.registration_key(text):
            pattern = keys.registration_pattern(text).pattern
            qs = qs.filter(registration_key__regex=pattern)
    return qs


def _list(request: HttpRequest, kind: Kind) -> HttpResponse:
    user = request.user
    _require_sees(user)
    form = kind.filter_form(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = _filtered(kind, user, data)
    if kind.name == "person":
        qs = qs.prefetch_related("identifiers")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    record_listed(
        user,
        list_name=f"intelligence:{kind.name}-list",
        object_type=kind.model._meta.label_lower,
        objects=[(kind.model._meta.label_lower, row.pk) for row in rows],
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "kind": kind,
        "form": form,
        "rows": rows,
        "page": page,
        "query": query.urlencode(),
        "may_record": any(access.may_record(user, pk) for pk in access.intelligence_area_ids(user)),
        "today": london_today(),
        "nav_current": kind.name,
    }
    return render(request, f"intelligence/{kind.name}_list.html", context)


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    return _list(request, KINDS["person"])


@login_required
def location_list(request: HttpRequest) -> HttpResponse:
    return _list(request, KINDS["location"])


@login_required
def vehicle_list(request: HttpRequest) -> HttpResponse:
    return _list(request, KINDS["vehicle"])


# --- details ------------------------------------------------------------------------------


def _children(user, links: list[Link]) -> tuple[list[dict], list[dict]]:
    """The children linked: reference and name for the cases the viewer may open, else
    counted by area ("2 other children in Staffordshire")."""
    case_ids = {link.case_id for link in links}
    openable = set(
        Case.objects.visible_to(user).filter(pk__in=case_ids).values_list("pk", flat=True)
    )
    shown: dict[int, dict] = OrderedDict()
    others: dict[str, set[int]] = {}
    for link in links:
        case = link.case
        if case.pk in openable:
            entry = shown.setdefault(case.pk, {"case": case, "links": []})
            entry["links"].append(link)
        else:
            others.setdefault(case.area.name, set()).add(case.child_id)
    return list(shown.values()), [
        {"area": area, "count": len(children)} for area, children in sorted(others.items())
    ]


def _other_records(record_obj: Any, links: list[Link]) -> list[dict]:
    out = []
    for link in links:
        joined = [
            r
            for r in (link.person, link.other_person, link.location, link.vehicle)
            if r is not None and not (type(r) is type(record_obj) and r.pk == record_obj.pk)
        ]
        for other in joined:
            name = type(other).__name__.lower()
            name = "person" if name == "personofconcern" else name
            out.append({"record": other, "kind": name, "link": link})
    return out


def _detail(request: HttpRequest, kind: Kind, pk: int) -> HttpResponse:
    user = request.user
    obj = _get(request, kind, pk, viewed=True)
    field = kind.link_field
    visible_links = Link.objects.visible_to(user).live()
    child_links = list(
        visible_links.filter(**{field: obj}, case__isnull=False)
        .select_related("case__child", "case__area")
        .order_by("case__reference", "pk")
    )
    if kind.name == "person":
        record_links = visible_links.filter(
            Q(person=obj) | Q(other_person=obj), case__isnull=True, referral__isnull=True
        )
    else:
        record_links = visible_links.filter(
            **{field: obj}, case__isnull=True, referral__isnull=True
        )
    record_links = list(
        record_links.select_related("person", "other_person", "location", "vehicle")
    )
    shown, others = _children(user, child_links)
    disruptions = []
    if kind.name in ("person", "location"):
        disruptions = list(
            Disruption.objects.visible_to(user).filter(**{field: obj}).select_related("agency")
        )
    history = list(
        Merge.objects.visible_to(user)
        .filter(Q(kept_id=obj.pk) | Q(merged_id=obj.pk), kind=kind.name)
        .select_related("by")
    )
    context = {
        "kind": kind,
        "obj": obj,
        "identifiers": list(obj.identifiers.all()) if kind.name == "person" else [],
        "children": shown,
        "other_children": others,
        "records": _other_records(obj, record_links),
        "disruptions": disruptions,
        "history": history,
        "may_record": access.may_record(user, obj.area_id) and not obj.is_merged,
        "may_merge": access.may_merge(user, obj.area_id) and not obj.is_merged,
        "today": london_today(),
        "nav_current": kind.name,
    }
    return render(request, f"intelligence/{kind.name}_detail.html", context)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, KINDS["person"], pk)


@login_required
def location_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, KINDS["location"], pk)


@login_required
def vehicle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, KINDS["vehicle"], pk)


# --- create and edit -----------------------------------------------------------------------


def _candidates(user, kind: Kind, data: dict, exclude_pk=None) -> list:
    if kind.name == "person":
        return matching.person_candidates(
            user,
            name=data.get("name", ""),
            aliases=data.get("aliases", []),
            phones=data.get("phones", []),
            handles=data.get("handles", []),
            exclude_pk=exclude_pk,
        )
    if kind.name == "location":
        return matching.location_candidates(
            user,
            name=data.get("name", ""),
            postcode=data.get("postcode", ""),
            exclude_pk=exclude_pk,
        )
    return matching.vehicle_candidates(
        user, registration=data.get("registration", ""), exclude_pk=exclude_pk
    )


def _create_service(kind: Kind):
    return {
        "person": records.create_person,
        "location": records.create_location,
        "vehicle": records.create_vehicle,
    }[kind.name]


def _new(request: HttpRequest, kind: Kind) -> HttpResponse:
    user = request.user
    areas = _recording_areas(user)
    if not areas:
        raise PermissionDenied("Only the area's coordinators and granted agencies record this.")
    candidates: list = []
    initial = {"source_agency": user.agency_id}
    if request.method != "POST":
        form = kind.form(areas=areas, initial=initial)
    else:
        form = kind.form(request.POST, areas=areas)
        if form.is_valid():
            data = form.cleaned_data
            fields = {name: data[name] for name in kind.form.FIELDS}
            extra = form.identifiers() if kind.name == "person" else {}
            candidates = _candidates(user, kind, {**fields, **extra})
            if candidates and not data.get("confirm_different"):
                form.add_error(
                    "confirm_different",
                    f"Check the possible duplicates below. Tick “{form.CONFIRM_LABEL.lower()}” "
                    "only if none of them is the same.",
                )
            else:
                try:
                    obj = _save_new(user, kind, data, fields, extra)
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, f"The {kind.label} is recorded.")
                    return redirect(f"intelligence:{kind.name}-detail", pk=obj.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "kind": kind,
        "form": form,
        "candidates": candidates,
        "editing": False,
        "action": reverse(f"intelligence:{kind.name}-new"),
        "nav_current": kind.name,
    }
    return render(request, "intelligence/record_form.html", context, status=status)


def _save_new(user, kind: Kind, data: dict, fields: dict, extra: dict) -> Any:
    from django.db import transaction

    if kind.name == "person" and fields.get("review_date") is None:
        fields.pop("review_date")
    with transaction.atomic():
        obj = _create_service(kind)(user, area=data["area"], **fields, **_grading(data))
        for name, identifier_kind in (
            ("aliases", "alias"),
            ("phones", "phone"),
            ("handles", "handle"),
        ):
            for value in dict.fromkeys(extra.get(name, [])):
                try:
                    records.add_identifier(user, person=obj, kind=identifier_kind, value=value)
                except ValidationError as error:
                    raise ValidationError({name: error.messages}) from None
    return obj


def _grading(data: dict) -> dict:
    return {name: data[name] for name in PersonForm.GRADING}


def _update_service(kind: Kind):
    return {
        "person": lambda user, obj, **kw: records.update_person(user, person=obj, **kw),
        "location": lambda user, obj, **kw: records.update_location(user, location=obj, **kw),
        "vehicle": lambda user, obj, **kw: records.update_vehicle(user, vehicle=obj, **kw),
    }[kind.name]


def _edit(request: HttpRequest, kind: Kind, pk: int) -> HttpResponse:
    user = request.user
    obj = _get(request, kind, pk)
    if not access.may_record(user, obj.area_id):
        raise PermissionDenied("Only the area's coordinators and granted agencies change this.")
    fields = kind.form.FIELDS
    current = {name: getattr(obj, name) for name in (*fields, *PersonForm.GRADING)}
    current["source_agency"] = obj.source_agency_id
    candidates: list = []
    stale = False
    if request.method != "POST":
        form = kind.form(initial={**current, "version": obj.version}, editing=True)
    else:
        form = kind.form(request.POST, editing=True)
        if form.is_valid():
            data = form.cleaned_data
            changes = {name: data[name] for name in fields} | _grading(data)
            if kind.name == "person" and changes.get("review_date") is None:
                changes.pop("review_date")
            try:
                _update_service(kind)(user, obj, version=data["version"], **changes)
            except ValidationError as error:
                add_service_errors(form, error)
            except Conflict:
                stale = True
                form.add_error(None, STALE)
            else:
                messages.success(request, f"The {kind.label} is saved.")
                return redirect(f"intelligence:{kind.name}-detail", pk=obj.pk)
        if not stale:
            candidates = _candidates(user, kind, form.cleaned_data, exclude_pk=obj.pk)
    context = {
        "kind": kind,
        "form": form,
        "obj": obj,
        "candidates": candidates,
        "editing": True,
        "action": reverse(f"intelligence:{kind.name}-edit", args=[obj.pk]),
        "nav_current": kind.name,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "intelligence/record_form.html", context, status=status)


@login_required
def person_new(request: HttpRequest) -> HttpResponse:
    return _new(request, KINDS["person"])


@login_required
def location_new(request: HttpRequest) -> HttpResponse:
    return _new(request, KINDS["location"])


@login_required
def vehicle_new(request: HttpRequest) -> HttpResponse:
    return _new(request, KINDS["vehicle"])


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, KINDS["person"], pk)


@login_required
def location_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, KINDS["location"], pk)


@login_required
def vehicle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, KINDS["vehicle"], pk)


# --- a person's status and identifiers -----------------------------------------------------


def _writable_person(request: HttpRequest, pk: int) -> PersonOfConcern:
    person = _get(request, KINDS["person"], pk)
    if not access.may_record(request.user, person.area_id):
        raise PermissionDenied("Only the area's coordinators and granted agencies change this.")
    return person


@login_required
def person_status(request: HttpRequest, pk: int) -> HttpResponse:
    person = _writable_person(request, pk)
    if request.method != "POST":
        form = StatusForm(initial={"status": person.status, "version": person.version})
    else:
        form = StatusForm(request.POST)
        if form.is_valid():
            try:
                records.set_person_status(
                    request.user,
                    person=person,
                    version=form.cleaned_data["version"],
                    status=form.cleaned_data["status"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except Conflict:
                form.add_error(None, STALE)
            else:
                messages.success(request, "The status is saved.")
                return redirect("intelligence:person-detail", pk=person.pk)
    context = {"obj": person, "form": form, "nav_current": "person"}
    status = 400 if request.method == "POST" else 200
    return render(request, "intelligence/person_status.html", context, status=status)


@login_required
def person_identifier_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _writable_person(request, pk)
    form = IdentifierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            records.add_identifier(request.user, person=person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The identifier is added.")
            return redirect("intelligence:person-detail", pk=person.pk)
    context = {"obj": person, "form": form, "nav_current": "person"}
    status = 400 if request.method == "POST" else 200
    return render(request, "intelligence/person_identifier.html", context, status=status)


@login_required
def person_identifier_remove(request: HttpRequest, pk: int, identifier_pk: int) -> HttpResponse:
    person = _writable_person(request, pk)
    identifier = person.identifiers.filter(pk=identifier_pk).first()
    if identifier is None:
        raise Http404("No such identifier.")
    if request.method == "POST":
        records.remove_identifier(request.user, identifier=identifier)
        messages.success(request, "The identifier is removed.")
        return redirect("intelligence:person-detail", pk=person.pk)
    context = {"obj": person, "identifier": identifier, "nav_current": "person"}
    return render(request, "intelligence/person_identifier_remove.html", context)


# --- merging --------------------------------------------------------------------------------


def _merge_new(request: HttpRequest, kind: Kind, pk: int) -> HttpResponse:
    user = request.user
    kept = _get(request, kind, pk)
    if not access.may_merge(user, kept.area_id):
        raise PermissionDenied("Only a coordinator of the area merges records.")
    choices = (
        kind.model.objects.visible_to(user)
        .current()
        .filter(area_id=kept.area_id)
        .exclude(pk=kept.pk)
    )
    form = MergeForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            merge = merges.merge_records(
                user,
                kind=kind.name,
                kept=kept,
                merged=form.cleaned_data["merged"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The duplicate {kind.label} is merged into this one.")
            return redirect("intelligence:merge-detail", pk=merge.pk)
    typed = {
        "person": lambda: {"name": kept.name},
        "location": lambda: {"name": kept.name, "postcode": kept.postcode},
        "vehicle": lambda: {"registration": kept.registration},
    }[kind.name]()
    candidates = _candidates(user, kind, typed, exclude_pk=kept.pk)
    context = {
        "kind": kind,
        "obj": kept,
        "form": form,
        "candidates": [c for c in candidates if c.record.area_id == kept.area_id],
        "nav_current": kind.name,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "intelligence/merge_form.html", context, status=status)


@login_required
def person_merge_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _merge_new(request, KINDS["person"], pk)


@login_required
def location_merge_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _merge_new(request, KINDS["location"], pk)


@login_required
def vehicle_merge_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _merge_new(request, KINDS["vehicle"], pk)


def _merge_records(merge: Merge) -> tuple[Any, Any]:
    model = KINDS[merge.kind].model
    rows = {r.pk: r for r in model.objects.filter(pk__in=[merge.kept_id, merge.merged_id])}
    return rows.get(merge.kept_id), rows.get(merge.merged_id)


@login_required
def merge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    merge = get_for_user(
        Merge, user, pk, queryset=Merge.objects.select_related("by", "area", "reverses")
    )
    record(actor=user, verb=AuditEvent.Verb.VIEWED, obj=merge)
    kept, merged = _merge_records(merge)
    undone = Merge.objects.filter(reverses=merge).select_related("by").first()
    context = {
        "merge": merge,
        "kind": KINDS[merge.kind],
        "kept": kept,
        "merged": merged,
        "undone": undone,
        "may_undo": access.may_merge(user, merge.area_id)
        and merge.reverses_id is None
        and undone is None,
        "form": UnmergeForm(),
        "nav_current": merge.kind,
    }
    return render(request, "intelligence/merge_detail.html", context)


@login_required
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    merge = get_for_user(Merge, user, pk, queryset=Merge.objects.select_related("by", "area"))
    if not access.may_merge(user, merge.area_id):
        raise PermissionDenied("Only a coordinator of the area undoes a merge.")
    form = UnmergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            undo = merges.unmerge(user, merge=merge, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The merge is undone.")
            return redirect("intelligence:merge-detail", pk=undo.pk)
    kept, merged = _merge_records(merge)
    context = {
        "merge": merge,
        "kind": KINDS[merge.kind],
        "kept": kept,
        "merged": merged,
        "form": form,
        "nav_current": merge.kind,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "intelligence/merge_undo.html", context, status=status)


urlpatterns = [
    path("intelligence/persons/", person_list, name="person-list"),
    path("intelligence/persons/new/", person_new, name="person-new"),
    path("intelligence/persons/<int:pk>/", person_detail, name="person-detail"),
    path("intelligence/persons/<int:pk>/edit/", person_edit, name="person-edit"),
    path("intelligence/persons/<int:pk>/status/", person_status, name="person-status"),
    path(
        "intelligence/persons/<int:pk>/identifiers/new/",
        person_identifier_add,
        name="person-identifier-add",
    ),
    path(
        "intelligence/persons/<int:pk>/identifiers/<int:identifier_pk>/remove/",
        person_identifier_remove,
        name="person-identifier-remove",
    ),
    path("intelligence/persons/<int:pk>/merge/", person_merge_new, name="person-merge-new"),
    path("intelligence/locations/", location_list, name="location-list"),
    path("intelligence/locations/new/", location_new, name="location-new"),
    path("intelligence/locations/<int:pk>/", location_detail, name="location-detail"),
    path("intelligence/locations/<int:pk>/edit/", location_edit, name="location-edit"),
    path("intelligence/locations/<int:pk>/merge/", location_merge_new, name="location-merge-new"),
    path("intelligence/vehicles/", vehicle_list, name="vehicle-list"),
    path("intelligence/vehicles/new/", vehicle_new, name="vehicle-new"),
    path("intelligence/vehicles/<int:pk>/", vehicle_detail, name="vehicle-detail"),
    path("intelligence/vehicles/<int:pk>/edit/", vehicle_edit, name="vehicle-edit"),
    path("intelligence/vehicles/<int:pk>/merge/", vehicle_merge_new, name="vehicle-merge-new"),
    path("intelligence/merges/<int:pk>/", merge_detail, name="merge-detail"),
    path("intelligence/merges/<int:pk>/undo/", merge_undo, name="merge-undo"),
]

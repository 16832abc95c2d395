"""The emerging patterns page: each person of concern, location or vehicle linked to two or
more children, for the coordinators of an area holding one of those children (their areas'
rows only) and for auditors (every row, read only). Anyone else: 403.

Counts are scoped ("3 children: 2 in your area, 1 in another area"); a record is named, and
its chart linked, only for a viewer it is ``visible_to``; otherwise "A person of concern",
"A location (<kind>)" or "A vehicle". A coordinator may offer a person or location for the
area's next panel meeting (``meetings.services.agenda.offer_intelligence_item``); a vehicle
has no agenda item of its own. Each view is one ``listed`` event naming the records shown.
A fixed number of queries whatever the number of patterns (at most ``SHOWN`` rows).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, Value
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from audit.services import record_listed
from cases.access import flag, is_auditor
from intelligence.access import record_scope
from intelligence.models import Location, PersonOfConcern, Vehicle
from intelligence.patterns import KINDS, Pattern, child_links, patterns_among
from meetings.models import AgendaItem
from meetings.services import agenda as agenda_services
from panel.models import Area

SHOWN = 100
MODELS = {"person": PersonOfConcern, "location": Location, "vehicle": Vehicle}
ANONYMOUS = {"person": "A person of concern", "vehicle": "A vehicle"}


@dataclass
class Row:
    kind: str
    record_id: int
    label: str
    visible: bool
    total: int
    own: int  # children in the row's area (a coordinator's); 0 for an auditor's rows
    areas: int
    area: Area | None
    chart_url: str | None
    offered: bool = False

    @property
    def others(self) -> int:
        return self.total - self.own

    @property
    def may_offer(self) -> bool:
        return self.area is not None and self.visible and self.kind in ("person", "location")


def _seen(user):
    """Whether the user sees the record, worked out in the same query."""
    return Value(True) if is_auditor(user) else flag(record_scope(user))


def _patterns(user) -> list[Pattern]:
    """The patterns involving a child of the user's areas (all, for an auditor): one query
    for the records, one for their children."""
    links = child_links()
    if not is_auditor(user):
        links = links.filter(child_area__in=user.coordinator_area_ids)
    ids: dict[str, set[int]] = {kind: set() for kind in KINDS}
    for person_id, location_id, vehicle_id in links.values_list(
        "person_id", "location_id", "vehicle_id"
    ).order_by():
        for kind, value in zip(KINDS, (person_id, location_id, vehicle_id), strict=True):
            if value is not None:
                ids[kind].add(value)
    return patterns_among(ids)


def rows_for(user) -> list[Row]:
    patterns = sorted(_patterns(user), key=lambda p: (-p.total, p.kind, p.record_id))[:SHOWN]
    records = {}
    for kind in KINDS:
        wanted = [p.record_id for p in patterns if p.kind == kind]
        if wanted:
            for obj in MODELS[kind].objects.filter(pk__in=wanted).annotate(seen=_seen(user)):
                records[(kind, obj.pk)] = obj
    areas = {area.pk: area for area in Area.objects.all()} if not is_auditor(user) else {}
    offered = set()
    if not is_auditor(user):
        offered = {
            (("person", person) if person else ("location", location), area)
            for person, location, area in AgendaItem.objects.filter(
                Q(person_id__in=[p.record_id for p in patterns if p.kind == "person"])
                | Q(location_id__in=[p.record_id for p in patterns if p.kind == "location"]),
                area_id__in=user.coordinator_area_ids,
                status__in=AgendaItem.ACTIVE_STATUSES,
            ).values_list("person_id", "location_id", "area_id")
        }
    rows = []
    for pattern in patterns:
        obj = records.get((pattern.kind, pattern.record_id))
        if obj is None:
            continue
        visible = bool(obj.seen)
        if visible:
            label = str(obj) if pattern.kind != "location" else obj.name
        elif pattern.kind == "location":
            label = f"A location ({obj.get_kind_display()})"
        else:
            label = ANONYMOUS[pattern.kind]
        chart_url = (
            reverse(f"intelligence:{pattern.kind}-chart", args=[pattern.record_id])
            if visible
            else None
        )
        common = {
            "kind": pattern.kind,
            "record_id": pattern.record_id,
            "label": label,
            "visible": visible,
            "total": pattern.total,
            "areas": len(pattern.children_by_area),
            "chart_url": chart_url,
        }
        if is_auditor(user):
            rows.append(Row(**common, own=0, area=None))
            continue
        for area_id in sorted(set(pattern.children_by_area) & set(user.coordinator_area_ids)):
            rows.append(
                Row(
                    **common,
                    own=len(pattern.children_by_area[area_id]),
                    area=areas.get(area_id),
                    offered=((pattern.kind, pattern.record_id), area_id) in offered,
                )
            )
    return rows


def _may_read(user) -> bool:
    return is_auditor(user) or bool(user.coordinator_area_ids)


@login_required
def pattern_list(request: HttpRequest) -> HttpResponse:
    if not _may_read(request.user):
        raise PermissionDenied("Emerging patterns are for coordinators and auditors.")
    rows = rows_for(request.user)
    record_listed(
        request.user,
        list_name="intelligence:patterns",
        object_type="",
        objects=[(MODELS[row.kind]._meta.label_lower, row.record_id) for row in rows],
    )
    return render(
        request,
        "intelligence/patterns.html",
        {"rows": rows, "auditor": is_auditor(request.user), "shown": SHOWN},
    )


@login_required
@require_POST
def offer(request: HttpRequest) -> HttpResponse:
    """Offer a pattern's person or location for the area's next panel meeting."""
    user = request.user
    if not _may_read(user):
        raise PermissionDenied("Emerging patterns are for coordinators and auditors.")
    if is_auditor(user):
        raise PermissionDenied("Auditors read; they do not change agendas.")
    kind = request.POST.get("kind", "")
    record_id = request.POST.get("record", "")
    area_id = request.POST.get("area", "")
    if kind not in ("person", "location") or not record_id.isdigit() or not area_id.isdigit():
        messages.error(request, "Choose a person of concern or a location to offer.")
        return render(
            request,
            "intelligence/patterns.html",
            {"rows": rows_for(user), "auditor": False, "shown": SHOWN, "invalid": True},
            status=400,
        )
    area_id = int(area_id)
    obj = MODELS[kind].objects.visible_to(user).filter(pk=int(record_id)).first()
    if obj is None:
        raise Http404("No such record.")
    if area_id not in user.coordinator_area_ids:
        raise PermissionDenied("Only a coordinator of this area may offer agenda items.")
    try:
        item = agenda_services.offer_intelligence_item(user, area_id, **{kind: obj})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("intelligence:patterns")
    if item.meeting_id:
        messages.success(request, "Offered for the next panel meeting.")
    else:
        messages.success(request, "No meeting is coming up: added to the to be scheduled list.")
    return redirect("intelligence:patterns")


urlpatterns = [
    path("intelligence/patterns/", pattern_list, name="patterns"),
    path("intelligence/patterns/offer/", offer, name="pattern-offer"),
]

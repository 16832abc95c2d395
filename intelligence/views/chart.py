"""The link chart pages: around a case's child, a person of concern, a location or a
vehicle (``intelligence/chart.py`` builds and draws it, scoped to the viewer).

Who sees what:
- the case's chart: whoever may see the case (else the 404 of a case that does not exist)
  AND sees intelligence in its area (a coordinator of the area, a lead of an agency granted
  it, an auditor). Someone the case is shared with but who sees no intelligence there (an
  agency lead on the case whose agency is not granted) gets 403: the case exists to them,
  the chart does not;
- a record's chart: whoever the record is ``visible_to`` (else 404, as a missing id).

Each view is recorded as a ``viewed`` event on the start (the case or record) and one
``listed`` event naming every child and record the chart showed.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse

from audit.models import AuditEvent
from audit.services import record, record_listed
from cases.access import get_for_user, is_auditor
from cases.models import Case
from intelligence import chart as charts
from intelligence.access import intelligence_area_ids
from intelligence.models import Location, PersonOfConcern, Vehicle

_OBJECT_TYPES = {
    "person": "intelligence.personofconcern",
    "location": "intelligence.location",
    "vehicle": "intelligence.vehicle",
}


def shown_objects(chart: charts.Chart) -> list[tuple[str, int]]:
    """What the chart showed, for the audit trail: children (named or not) and records."""
    found = []
    for node in chart.nodes:
        kind, pk = node.key.split(":")
        found.append(("cases.child" if kind == "child" else _OBJECT_TYPES[kind], int(pk)))
    return found


def _render(request: HttpRequest, chart: charts.Chart, *, heading: str, back: str | None,
            obj, case_reference: str = "") -> HttpResponse:  # fmt: skip
    record(
        actor=request.user,
        verb=AuditEvent.Verb.VIEWED,
        obj=obj,
        case_reference=case_reference,
        changes={"page": "link chart"},
    )
    record_listed(
        request.user,
        list_name=request.resolver_match.view_name,
        object_type="",
        objects=shown_objects(chart),
    )
    title = f"Link chart: {heading}"
    svg = charts.render_svg(chart, title) if chart.edges else None
    return render(
        request,
        "intelligence/chart.html",
        {
            "chart": chart,
            "svg": svg,
            "heading": heading,
            "title": title,
            "back": back,
            "max_nodes": charts.MAX_NODES,
        },
    )


@login_required
def case_chart(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = get_for_user(
        Case, request.user, case_pk, queryset=Case.objects.select_related("child", "area")
    )
    if not (is_auditor(request.user) or case.area_id in intelligence_area_ids(request.user)):
        raise PermissionDenied("Your agency does not see this area's intelligence.")
    chart = charts.chart_for_case(request.user, case)
    return _render(
        request,
        chart,
        heading=case.reference,
        back=chart.start.url,
        obj=case,
        case_reference=case.reference,
    )


def _record_page(kind: str, pk: int) -> str:
    """Back to the record's own page (intelligence:<kind>-detail)."""
    return reverse(f"intelligence:{kind}-detail", args=[pk])


def _record_chart(model):
    @login_required
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_for_user(model, request.user, pk)
        chart = charts.chart_for_record(request.user, obj)
        kind = chart.start.kind
        back = _record_page(kind, obj.pk)
        return _render(request, chart, heading=chart.start.label, back=back, obj=obj)

    view.__name__ = f"{model._meta.model_name}_chart"
    return view


person_chart = _record_chart(PersonOfConcern)
location_chart = _record_chart(Location)
vehicle_chart = _record_chart(Vehicle)

urlpatterns = [
    path("cases/<int:case_pk>/link-chart/", case_chart, name="case-chart"),
    path("intelligence/persons/<int:pk>/chart/", person_chart, name="person-chart"),
    path("intelligence/locations/<int:pk>/chart/", location_chart, name="location-chart"),
    path("intelligence/vehicles/<int:pk>/chart/", vehicle_chart, name="vehicle-chart"),
]

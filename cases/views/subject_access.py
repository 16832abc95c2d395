"""Subject access: a child's record, third parties redacted, as a printable page and a
JSON download (intelligence/services/subject_access.py says what is in it and who may
make it). Out of scope 404, as for the child's record; in scope but not a coordinator of
the child's area or an auditor, 403. Each page or download is one ``exported`` event."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.access import get_for_user
from cases.models import Child
from intelligence.services import subject_access
from panel.dates import london_today


def _child(request: HttpRequest, pk: int) -> Child:
    child = get_for_user(Child, request.user, pk, queryset=Child.objects.select_related("area"))
    if not subject_access.may_export(request.user, child):
        raise PermissionDenied(
            "Only a coordinator of the child's area or an auditor may export their record."
        )
    return child


@login_required
@require_GET
def child_subject_access(request: HttpRequest, pk: int) -> HttpResponse:
    child = _child(request, pk)
    data = subject_access.export_child_record(request.user, child=child, fmt="html")
    return render(
        request,
        "cases/case/subject_access.html",
        {"child": child, "record": data, "redacted": subject_access.REDACTED},
    )


@login_required
@require_GET
def child_subject_access_download(request: HttpRequest, pk: int) -> HttpResponse:
    child = _child(request, pk)
    data = subject_access.export_child_record(request.user, child=child, fmt="json")
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    # The file is named by the child's id and the date, never by their name.
    name = f"subject-access-child-{child.pk}-{london_today():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response

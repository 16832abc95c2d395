"""Web pages: the meeting pack and the approved minutes as PDF.

One page (``pack``) shows the reader's own copy of each: not made yet, being made (a
progress bar that htmx refreshes from ``pack-status`` every 2 seconds; without JavaScript
a refresh shows the same), ready (a download link), failed or expired (make it again).
Downloads are stamped with the reader's name and the time and recorded as ``exported``.
Anyone who may see the meeting; anyone else gets 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.access import get_for_user
from meetings import documents
from meetings.models import DocumentKind, DocumentStatus, Meeting
from panel.errors import Conflict

KINDS = {
    DocumentKind.PACK: {
        "label": "meeting pack",
        "status_url": "meetings:pack-status",
        "download_url": "meetings:pack-download",
        "make_url": "meetings:pack",
    },
    DocumentKind.MINUTES: {
        "label": "approved minutes (PDF)",
        "status_url": "meetings:minutes-pdf-status",
        "download_url": "meetings:minutes-pdf-download",
        "make_url": "meetings:minutes-pdf",
    },
}


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_for_user(
        Meeting,
        request.user,
        pk,
        queryset=Meeting.objects.select_related("area"),
    )


def _state(request: HttpRequest, meeting: Meeting, kind: str) -> dict:
    """What the page says about the reader's copy of one kind of document."""
    available = kind == DocumentKind.PACK or documents.minutes_approved(meeting)
    document = documents.latest_document(request.user, meeting, kind) if available else None
    stalled = document is not None and documents.is_stalled(document)
    return {
        "kind": kind,
        **KINDS[kind],
        "available": available,
        "document": document,
        "stalled": stalled,
        "in_progress": document is not None
        and document.status in documents.IN_PROGRESS
        and not stalled,
        "ready": document is not None and document.status == DocumentStatus.READY,
        "meeting": meeting,
    }


@login_required
@require_http_methods(["GET", "POST"])
def pack(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    if request.method == "POST":
        return _make(request, meeting, DocumentKind.PACK)
    return render(
        request,
        "meetings/documents/pack.html",
        {
            "meeting": meeting,
            "pack": _state(request, meeting, DocumentKind.PACK),
            "minutes": _state(request, meeting, DocumentKind.MINUTES),
            "expiry_days": settings.MEETING_PACK_EXPIRY_DAYS,
        },
    )


@login_required
@require_POST
def minutes_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _make(request, _meeting(request, pk), DocumentKind.MINUTES)


def _make(request: HttpRequest, meeting: Meeting, kind: str) -> HttpResponse:
    try:
        document = documents.document_for(
            request.user, meeting, kind, fresh=request.POST.get("fresh") == "1"
        )
    except Conflict as error:
        messages.error(request, str(error))
    else:
        # While it is being made the page's status region says so and updates itself; a
        # banner saying "being made" would stay on the page after the copy is ready.
        if document.status == DocumentStatus.READY:
            messages.success(request, f"Your copy of the {KINDS[kind]['label']} is ready.")
    return redirect("meetings:pack", pk=meeting.pk)


def _status(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    meeting = _meeting(request, pk)
    return render(
        request, "meetings/documents/_status.html", {"state": _state(request, meeting, kind)}
    )


@login_required
@require_GET
def pack_status(request: HttpRequest, pk: int) -> HttpResponse:
    return _status(request, pk, DocumentKind.PACK)


@login_required
@require_GET
def minutes_pdf_status(request: HttpRequest, pk: int) -> HttpResponse:
    return _status(request, pk, DocumentKind.MINUTES)


def _download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    meeting = _meeting(request, pk)
    approved = kind == DocumentKind.PACK or documents.minutes_approved(meeting)
    document = documents.latest_document(request.user, meeting, kind) if approved else None
    if document is None or document.status != DocumentStatus.READY:
        messages.error(request, f"Your copy of the {KINDS[kind]['label']} is not ready yet.")
        return redirect("meetings:pack", pk=meeting.pk)
    document.meeting = meeting
    pdf = documents.download(document, request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{documents.download_name(document)}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def pack_download(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, DocumentKind.PACK)


@login_required
@require_GET
def minutes_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, DocumentKind.MINUTES)


urlpatterns = [
    path("<int:pk>/pack/", pack, name="pack"),
    path("<int:pk>/pack/status/", pack_status, name="pack-status"),
    path("<int:pk>/pack/download/", pack_download, name="pack-download"),
    path("<int:pk>/minutes-pdf/", minutes_pdf, name="minutes-pdf"),
    path("<int:pk>/minutes-pdf/status/", minutes_pdf_status, name="minutes-pdf-status"),
    path("<int:pk>/minutes-pdf/download/", minutes_pdf_download, name="minutes-pdf-download"),
]

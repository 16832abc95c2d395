"""Rendering a document with WeasyPrint, storing it, and stamping each reader's copy.

WeasyPrint reads only local files: ``local_files_only`` serves ``file:`` URLs inside the
static folders (the PDF stylesheet) and refuses everything else, http(s) and data: URLs
included, so a render never reaches the network. Fonts are the machine's own (DejaVu,
Liberation) through fontconfig: no @font-face URLs.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import mimetypes
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from meetings.documents import content
from meetings.models import DocumentKind, DocumentStatus, MeetingDocument
from notifications.models import Notification
from notifications.services import notify
from panel.dates import LONDON
from panel.models import User

logger = logging.getLogger(__name__)

FOLDER = "meeting-documents"
# Short and free of personal data: what the page shows when a render fails.
FAILED_MESSAGE = (
    "The PDF could not be made ({kind}). Try again; if it fails again, tell an administrator."
)


class FetchRefused(ValueError):
    """A render asked for something other than a local static file."""


def static_roots() -> list[Path]:
    roots = [Path(root).resolve() for root in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def local_files_only(url: str, *args, **kwargs) -> dict:
    """WeasyPrint's url_fetcher: a ``file:`` URL of a file inside the static folders, read
    from disk; anything else (http, https, ftp, data, a file elsewhere) is refused."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise FetchRefused(f"refused to fetch a non-local URL ({parts.scheme or 'relative'})")
    path = Path(unquote(parts.path)).resolve()
    if not any(path.is_relative_to(root) for root in static_roots()) or not path.is_file():
        raise FetchRefused("refused to fetch a file outside the static folders")
    mime_type, _ = mimetypes.guess_type(path.name)
    return {
        "string": path.read_bytes(),
        "mime_type": mime_type,
        "redirected_url": url,
        "filename": path.name,
    }


def base_url() -> str:
    return Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/"


def html_to_pdf(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(
        string=html, base_url=base_url(), url_fetcher=local_files_only
    ).write_pdf()


TEMPLATES = {
    DocumentKind.PACK: "meetings/pdf/pack.html",
    DocumentKind.MINUTES: "meetings/pdf/minutes.html",
}
BUILDERS = {DocumentKind.PACK: content.pack, DocumentKind.MINUTES: content.minutes}


def build_pdf(document: MeetingDocument, progress: Callable[[int], None]) -> bytes:
    context = BUILDERS[document.kind](document, progress)
    html = render_to_string(TEMPLATES[document.kind], context)
    progress(80)
    pdf = html_to_pdf(html)
    progress(95)
    return pdf


def _progress(document_id: int) -> Callable[[int], None]:
    def report(percent: int) -> None:
        MeetingDocument.objects.filter(pk=document_id, status=DocumentStatus.RUNNING).update(
            progress=max(1, min(99, percent))
        )

    return report


def expires_at(document: MeetingDocument, now: dt.datetime) -> dt.datetime:
    """MEETING_PACK_EXPIRY_DAYS after the meeting (the start of the next London day), and
    never less than a day after it was made (a copy made again late still lives a day)."""
    day = document.meeting.date + dt.timedelta(days=settings.MEETING_PACK_EXPIRY_DAYS + 1)
    after_meeting = dt.datetime.combine(day, dt.time.min, tzinfo=LONDON)
    return max(after_meeting, now + dt.timedelta(days=1))


def claim(document_id: int) -> bool:
    """queued -> running, for one worker only: a redelivered task renders nothing twice."""
    return bool(
        MeetingDocument.objects.filter(pk=document_id, status=DocumentStatus.QUEUED).update(
            status=DocumentStatus.RUNNING, progress=1, error="", started_at=timezone.now()
        )
    )


def render_now(document_id: int) -> str:
    """Render a queued document, store it and mark it ready, telling whoever asked.
    Returns what happened ("ready", or "skipped" when another worker has it or it is
    gone). Nothing is half-applied: a failure leaves no stored file and the row as it was
    (running, for the task to requeue or fail)."""
    if not claim(document_id):
        return "skipped"
    document = MeetingDocument.objects.select_related("meeting", "meeting__area").get(
        pk=document_id
    )
    pdf = build_pdf(document, _progress(document.pk))
    name = (
        f"{FOLDER}/{document.meeting_id}/{document.kind}-{document.pk}-{secrets.token_hex(8)}.pdf"
    )
    stored = default_storage.save(name, ContentFile(pdf))
    try:
        with transaction.atomic():
            now = timezone.now()
            done = MeetingDocument.objects.filter(
                pk=document.pk, status=DocumentStatus.RUNNING
            ).update(
                status=DocumentStatus.READY,
                progress=100,
                file_name=stored,
                ready_at=now,
                expires_at=expires_at(document, now),
            )
            if not done:
                raise RuntimeError("the document was no longer being made")
            if document.requested_by_id:
                notify(
                    recipients=User.objects.filter(pk=document.requested_by_id),
                    kind=Notification.Kind.PACK_READY,
                    link=reverse("meetings:pack", args=[document.meeting_id]),
                    about=f"{document.kind}:{document.pk}",
                )
    except BaseException:
        delete_file(stored)
        raise
    return "ready"


def requeue(document_id: int, error: BaseException) -> None:
    """A transient failure (database, storage, network to them): back to the queue for the
    retry, with a short note."""
    MeetingDocument.objects.filter(pk=document_id, status=DocumentStatus.RUNNING).update(
        status=DocumentStatus.QUEUED, progress=0, error=_message(error)
    )


def mark_failed(document_id: int, error: BaseException) -> None:
    """The render failed for good: status failed, a short error (the exception's kind
    only, never its text, which could quote a record). Logged by id only."""
    logger.error("Meeting document %s failed to render: %s", document_id, type(error).__name__)
    MeetingDocument.objects.filter(
        pk=document_id, status__in=[DocumentStatus.QUEUED, DocumentStatus.RUNNING]
    ).update(status=DocumentStatus.FAILED, progress=0, error=_message(error))


def _message(error: BaseException) -> str:
    return FAILED_MESSAGE.format(kind=type(error).__name__)[:300]


def delete_file(name: str) -> None:
    if not name:
        return
    try:
        default_storage.delete(name)
    except OSError:  # gone already, or the storage is away: the next sweep tries again
        logger.warning("Could not delete a stored meeting document file")


# --- stamping each reader's copy ---------------------------------------------------------

STAMP_CSS = """
@page { size: A4; margin: 0; }
html, body { margin: 0; background: transparent; }
body { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; }
.stamp { position: absolute; left: 18mm; bottom: 4mm; font-size: 7.5pt; color: #333; }
"""


def stamp_text(user: User, now: dt.datetime) -> str:
    local = now.astimezone(LONDON)
    name = user.get_full_name() or user.get_username()
    return f"Prepared for {name}, {local:%-d %B %Y %H:%M} (UK time)"


def overlay(text: str) -> bytes:
    """A one-page transparent A4 PDF with the stamp at the foot (WeasyPrint, so any name
    prints in a local font)."""
    import weasyprint

    html = render_to_string("meetings/pdf/stamp.html", {"text": text})
    return weasyprint.HTML(string=html, url_fetcher=local_files_only).write_pdf(
        stylesheets=[weasyprint.CSS(string=STAMP_CSS, url_fetcher=local_files_only)]
    )


def stamp(document: MeetingDocument, user: User, now: dt.datetime | None = None) -> bytes:
    """The stored render with the reader's name and the time merged onto every page."""
    from pypdf import PdfReader, PdfWriter

    now = now or timezone.now()
    with default_storage.open(document.file_name, "rb") as stored:
        source = stored.read()
    mark = PdfReader(io.BytesIO(overlay(stamp_text(user, now)))).pages[0]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(source)))
    for page in writer.pages:
        page.merge_page(mark)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

"""The meeting pack and the approved minutes as PDF: one copy per reader, one render per
distinct set of visible cases.

- ``readable_case_ids(user, meeting, kind)``: the cases a reader's copy contains: the
  meeting's active case items (for minutes: the minutes' case sections) whose case they
  may see. The area's coordinators, the co-chairs and auditors: all of them.
- ``document_for(user, meeting, kind)``: the live document for that set (its scope key),
  or a new one queued for ``meetings.tasks.render_document``; readers who may see the same
  cases share one render (fifteen members are not fifteen renders).
- ``stamped_pdf(document, user)``: the stored render with the reader's name and the time
  on every page; ``download(document, user)`` does that and records ``exported``.
- The render (meetings/documents/render.py) and the expiry sweep run in Celery
  (meetings/tasks.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from cases.access import _active
from meetings.models import (
    AgendaItem,
    AgendaItemKind,
    DocumentKind,
    DocumentStatus,
    Meeting,
    MeetingDocument,
    MeetingStatus,
    MinutesAddendum,
    MinutesSection,
    MinutesStatus,
)
from panel.errors import Conflict
from panel.models import User

__all__ = [
    "DocumentNotReady",
    "document_for",
    "download",
    "latest_document",
    "minutes_approved",
    "readable_case_ids",
    "scope_key",
    "stamped_pdf",
]

LIVE = (DocumentStatus.QUEUED, DocumentStatus.RUNNING, DocumentStatus.READY)
IN_PROGRESS = (DocumentStatus.QUEUED, DocumentStatus.RUNNING)
# A render is stopped by Celery after 5 minutes (panel/celery.py): running for longer means
# its worker died. Queued for an hour means its message was lost (or the workers are down).
STALLED_RUNNING = dt.timedelta(minutes=10)
STALLED_QUEUED = dt.timedelta(hours=1)
STALLED_MESSAGE = "Making the PDF stopped part way. Make it again."


def is_stalled(document: MeetingDocument, now: dt.datetime | None = None) -> bool:
    """Being made for far longer than a render may take: nothing will finish it."""
    now = now or timezone.now()
    if document.status == DocumentStatus.RUNNING:
        return (document.started_at or document.created_at) < now - STALLED_RUNNING
    if document.status == DocumentStatus.QUEUED:
        return document.created_at < now - STALLED_QUEUED
    return False


class DocumentNotReady(Conflict):
    """The copy asked for is not ready (or was never made): nothing to download yet."""


def sees_every_case(user: User, meeting: Meeting) -> bool:
    """The area's coordinators, the meeting's co-chairs and auditors get every case."""
    if not _active(user):
        return False
    return user.is_auditor or meeting.area_id in user.coordinator_area_ids or meeting.is_chair(user)


def _case_items(meeting: Meeting, kind: str) -> QuerySet[AgendaItem]:
    items = AgendaItem.objects.filter(meeting=meeting, kind=AgendaItemKind.CASE)
    if kind == DocumentKind.MINUTES:
        sections = MinutesSection.objects.filter(minutes__meeting=meeting, item__isnull=False)
        return items.filter(pk__in=sections.values("item_id"))
    return items.filter(status__in=AgendaItem.ACTIVE_STATUSES)


def readable_case_ids(user: User, meeting: Meeting, kind: str = DocumentKind.PACK) -> list[int]:
    """The ids of the cases ``user``'s copy contains, sorted (one query)."""
    items = _case_items(meeting, kind)
    if not sees_every_case(user, meeting):
        items = items.visible_to(user)
    return sorted(set(items.values_list("case_id", flat=True)))


def _minutes_revision(meeting: Meeting) -> int:
    """The latest addendum to the meeting's minutes (0 for none): part of a minutes PDF's
    scope, so an addendum added after approval makes every copy render afresh."""
    latest = MinutesAddendum.objects.filter(minutes__meeting=meeting).aggregate(last=Max("id"))
    return latest["last"] or 0


def scope_key(kind: str, case_ids: list[int], revision: int = 0, extra: str = "") -> str:
    """sha256 of the kind and the sorted case ids (and, for minutes, their revision; for a
    pack, ``extra``: what the reader's disruption section holds, intelligence/pack.py)."""
    text = f"{kind}:{','.join(str(pk) for pk in sorted(case_ids))}"
    if kind == DocumentKind.MINUTES:
        text += f":addenda<={revision}"
    if extra:
        text += f":{extra}"
    return hashlib.sha256(text.encode()).hexdigest()


def minutes_approved(meeting: Meeting) -> bool:
    """Approved minutes (the Minutes row, or the meeting's own state) are downloadable."""
    return (
        Meeting.objects.filter(pk=meeting.pk)
        .filter(Q(minutes__status=MinutesStatus.APPROVED) | Q(status=MeetingStatus.APPROVED))
        .exists()
    )


def _reader_scope(user: User, meeting: Meeting, kind: str) -> tuple[list[int], str]:
    ids = readable_case_ids(user, meeting, kind)
    revision = _minutes_revision(meeting) if kind == DocumentKind.MINUTES else 0
    extra = ""
    if kind == DocumentKind.PACK:
        from intelligence.pack import pack_scope

        extra = pack_scope(user, meeting)
    return ids, scope_key(kind, ids, revision, extra)


def latest_document(user: User, meeting: Meeting, kind: str) -> MeetingDocument | None:
    """The newest document for the reader's scope: the live one, else the last that failed
    or expired (what the pack page shows). Constant queries."""
    _, key = _reader_scope(user, meeting, kind)
    return (
        MeetingDocument.objects.filter(meeting=meeting, kind=kind, scope_key=key)
        .order_by("-created_at", "-id")
        .first()
    )


def document_for(
    user: User, meeting: Meeting, kind: str = DocumentKind.PACK, *, fresh: bool = False
) -> MeetingDocument:
    """The live document for the reader's scope, or a new one queued for rendering.

    Who may call: anyone who may see the meeting (the caller has fetched it through
    ``Meeting.objects.visible_to``); auditors too, since a copy is a read, recorded as
    ``exported`` when downloaded. A minutes PDF only once the minutes are approved
    (Conflict otherwise). ``fresh``: a ready copy is retired (its file deleted) and made
    again from today's records (recorded as ``updated``: ready -> expired). Records
    ``created`` for a new document (kind and case count, never a name); the render is
    queued on commit with the document's id only."""
    if kind not in DocumentKind.values:
        raise ValueError(f"unknown document kind {kind!r}")
    if kind == DocumentKind.MINUTES and not minutes_approved(meeting):
        raise Conflict("The minutes can be downloaded once they are approved.")
    ids, key = _reader_scope(user, meeting, kind)
    with transaction.atomic():
        live = (
            MeetingDocument.objects.select_for_update()
            .filter(meeting=meeting, kind=kind, scope_key=key, status__in=LIVE)
            .first()
        )
        if live is not None and fresh and live.status == DocumentStatus.READY:
            retire(live)
            record(
                actor=user,
                verb=AuditEvent.Verb.UPDATED,
                obj=live,
                changes={"status": [DocumentStatus.READY, DocumentStatus.EXPIRED]},
            )
            live = None
        elif live is not None and is_stalled(live):
            MeetingDocument.objects.filter(pk=live.pk, status=live.status).update(
                status=DocumentStatus.FAILED, error=STALLED_MESSAGE
            )
            live = None
        if live is not None:
            return live
        try:
            with transaction.atomic():
                document = MeetingDocument.objects.create(
                    meeting=meeting,
                    kind=kind,
                    scope_key=key,
                    case_ids=ids,
                    case_count=len(ids),
                    requested_by=user,
                )
        except IntegrityError:
            # Another reader with the same scope asked at the same moment: theirs is ours.
            return MeetingDocument.objects.get(
                meeting=meeting, kind=kind, scope_key=key, status__in=LIVE
            )
        record(
            actor=user,
            verb=AuditEvent.Verb.CREATED,
            obj=document,
            changes={"kind": kind, "case_count": len(ids)},
        )
        transaction.on_commit(lambda: _queue(document.pk))
    return document


def _queue(document_id: int) -> None:
    from meetings.tasks import render_document

    render_document.delay(document_id)


def retire(document: MeetingDocument) -> None:
    """Mark a document expired and delete its stored file once that commits (call inside
    a transaction)."""
    from meetings.documents.render import delete_file

    name = document.file_name
    MeetingDocument.objects.filter(pk=document.pk).update(
        status=DocumentStatus.EXPIRED, file_name=""
    )
    document.status, document.file_name = DocumentStatus.EXPIRED, ""
    if name:
        transaction.on_commit(lambda: delete_file(name))


def stamped_pdf(document: MeetingDocument, user: User, now: dt.datetime | None = None) -> bytes:
    """The stored render with "Prepared for <name>, <time>" (Europe/London) on every page."""
    from meetings.documents.render import stamp

    if document.status != DocumentStatus.READY or not document.file_name:
        raise DocumentNotReady("This copy is not ready to download.")
    return stamp(document, user, now)


def download(document: MeetingDocument, user: User, now: dt.datetime | None = None) -> bytes:
    """The reader's stamped copy, its download recorded as ``exported`` (the document, its
    kind and case count; never a name). Who may call: anyone whose scope the document is
    (the caller found it with ``latest_document`` for this reader)."""
    pdf = stamped_pdf(document, user, now)
    record(
        actor=user,
        verb=AuditEvent.Verb.EXPORTED,
        obj=document,
        changes={"kind": document.kind, "case_count": document.case_count},
    )
    return pdf


def download_name(document: MeetingDocument) -> str:
    """The file name a copy downloads as: the meeting's reference, never a name."""
    suffix = "pack" if document.kind == DocumentKind.PACK else "minutes"
    return f"{document.meeting.reference}-{suffix}.pdf"

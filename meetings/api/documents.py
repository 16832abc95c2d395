"""The reader's copy of a meeting's pack, or of its approved minutes, as PDF.

``GET /api/v1/meetings/{meeting_pk}/pack/`` (and ``.../minutes-pdf/``) answers the PDF
(200, ``application/pdf``, stamped with the reader's name and the time, recorded as
``exported``) when the reader's copy is ready; otherwise 202 with its status and progress,
after queueing it if nothing is being made for the reader's cases. Poll ``status_url``
(this same URL) until it answers 200. A failed copy is asked for again by the next GET. A
meeting the reader may not see is 404; minutes not approved yet are 409.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from cases.access import get_for_user
from cases.api.base import ConflictSerializer
from meetings import documents
from meetings.models import DocumentKind, DocumentStatus, Meeting


@extend_schema_serializer(many=False)
class MeetingDocumentProgressSerializer(serializers.Serializer):
    """202: the copy is being made. Nothing to download yet."""

    status = serializers.ChoiceField(
        choices=DocumentStatus.choices, help_text="queued or running while it is being made."
    )
    progress = serializers.IntegerField(min_value=0, max_value=100, help_text="Percent done.")
    status_url = serializers.URLField(help_text="Ask here again (this URL) for the PDF.")


class DocumentViewSet(viewsets.GenericViewSet):
    kind: str = DocumentKind.PACK
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MeetingDocumentProgressSerializer
    pagination_class = None
    filter_backends: list = []

    def list(self, request: Request, meeting_pk: str) -> HttpResponse | Response:
        meeting = get_for_user(
            Meeting, request.user, meeting_pk, queryset=Meeting.objects.select_related("area")
        )
        document = documents.document_for(request.user, meeting, self.kind)
        if document.status == DocumentStatus.READY:
            document.meeting = meeting
            pdf = documents.download(document, request.user)
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = (
                f'attachment; filename="{documents.download_name(document)}"'
            )
            response["Cache-Control"] = "no-store"
            return response
        body = MeetingDocumentProgressSerializer(
            {
                "status": document.status,
                "progress": document.progress,
                "status_url": request.build_absolute_uri(request.path),
            }
        ).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Retry-After": "2"})


PDF = OpenApiResponse(
    OpenApiTypes.BINARY,
    description="The reader's copy, stamped with their name and the time on every page.",
)
MAKING = OpenApiResponse(
    MeetingDocumentProgressSerializer, description="Being made: ask the status URL again shortly."
)


class PackViewSet(DocumentViewSet):
    kind = DocumentKind.PACK

    @extend_schema(
        summary="The reader's meeting pack (PDF)",
        responses={(200, "application/pdf"): PDF, 202: MAKING},
    )
    def list(self, request: Request, meeting_pk: str) -> HttpResponse | Response:
        """The meeting pack as the reader may see it: the cases they may see, any other case
        on the agenda as "1 other case". 202 while it is being made (and queued if need be)."""
        return super().list(request, meeting_pk)


class MinutesPdfViewSet(DocumentViewSet):
    kind = DocumentKind.MINUTES

    @extend_schema(
        summary="The reader's approved minutes (PDF)",
        responses={
            (200, "application/pdf"): PDF,
            202: MAKING,
            409: OpenApiResponse(ConflictSerializer, description="The minutes are not approved."),
        },
    )
    def list(self, request: Request, meeting_pk: str) -> HttpResponse | Response:
        """The approved minutes as the reader may see them, with addenda. 202 while being
        made; 409 until the minutes are approved."""
        return super().list(request, meeting_pk)

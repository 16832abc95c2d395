"""Meetings' reference data in the admin: each area's quorum (which agency kinds must be
present). Nothing that carries case data (meetings, agendas, decisions, minutes) is
registered here; standing membership is kept by the area's coordinators on its page.
Changes are audited (panel.admin.AuditedAdmin)."""

from django.contrib import admin

from audit.models import AuditEvent
from audit.services import record
from meetings.models import QuorumKind
from panel.admin import AuditedAdmin


@admin.register(QuorumKind)
class QuorumKindAdmin(AuditedAdmin):
    list_display = ["area", "kind"]
    list_filter = ["area"]
    ordering = ["area__name", "kind"]

    def delete_queryset(self, request, queryset):
        # "Delete selected" leaves one audit event per row, as deleting one does.
        for row in queryset:
            record(
                actor=request.user, verb=AuditEvent.Verb.UPDATED, obj=row, changes={"deleted": True}
            )
        super().delete_queryset(request, queryset)

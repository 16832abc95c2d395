"""Meetings' reference data in the admin: each area's quorum (which agency kinds must be
present). Nothing that carries case data (meetings, agendas, decisions, minutes) is
registered here; standing membership is kept by the area's coordinators on its page.
Changes are audited (panel.admin.AuditedAdmin)."""

from django.contrib import admin

from meetings.models import QuorumKind
from panel.admin import AuditedAdmin


@admin.register(QuorumKind)
class QuorumKindAdmin(AuditedAdmin):
    list_display = ["area", "kind"]
    list_filter = ["area"]
    ordering = ["area__name", "kind"]

"""Panel meeting reference data in the admin: which agency kinds make an area's panel
quorate. Nothing that carries case data (meetings, agendas, decisions, minutes) is
registered here; standing membership is kept by the area's coordinators on its page."""

from django.contrib import admin

from meetings.models import QuorumKind
from panel.admin import AuditedAdmin


@admin.register(QuorumKind)
class QuorumKindAdmin(AuditedAdmin):
    list_display = ["area", "kind"]
    list_filter = ["area"]

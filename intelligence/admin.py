"""Which agencies' agency leads see an area's intelligence, besides its coordinators: the
``IntelligenceGrant`` rows, the one part of the intelligence app in the admin (no person,
location, vehicle, link, disruption or episode is registered here: they are read and
changed through the scoped pages and services).

A grant is added or revoked, never edited: who granted it and when stay true of the row.
Every grant and revocation is an audit event in the admin's own transaction
(panel.admin.AuditedAdmin); a revocation names the area and agency, since the row is gone.
"""

from django.contrib import admin

from intelligence.models import IntelligenceGrant
from panel.admin import AuditedAdmin


@admin.register(IntelligenceGrant)
class IntelligenceGrantAdmin(AuditedAdmin):
    list_display = ["area", "agency", "granted_at", "granted_by"]
    list_filter = ["area"]
    list_select_related = ["area", "agency", "granted_by"]
    search_fields = ["agency__name"]
    fields = ["area", "agency", "granted_at", "granted_by"]
    readonly_fields = ["granted_at", "granted_by"]

    def get_readonly_fields(self, request, obj=None):
        # Nothing of a grant changes in place: revoke it and grant again.
        return [*self.fields] if obj is not None else self.readonly_fields

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)

    def deleted(self, obj: IntelligenceGrant) -> dict:
        return {"area": obj.area_id, "agency": obj.agency_id, "deleted": True}

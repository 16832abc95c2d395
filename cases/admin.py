"""Risk tools are reference data: shown read-only so that a tool version already used in
assessments can never change under them. A new version is added by a data migration."""

from django.contrib import admin

from cases.models import RiskIndicator, RiskTool


class RiskIndicatorInline(admin.TabularInline):
    model = RiskIndicator
    fields = ["order", "band", "label", "is_disclosure", "minimum_level"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RiskTool)
class RiskToolAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "scoring", "is_active", "published_on"]
    readonly_fields = ["slug", "version", "name", "description", "scoring", "rules", "is_active"]
    inlines = [RiskIndicatorInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

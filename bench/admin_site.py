"""A bench-only admin site with one model, Case, whose changelist shows the same columns as
the case list page (reference, child, area, status, risk, lead agency, next review, open
actions), in the same order (newest opened first), 50 to a page.

It is the "Django admin changelist" baseline of issue 11: what a stock Django list of the
same rows costs on the same data. Mounted only by bench/urls.py (bench/settings.py); the real
admin (``django.contrib.admin.site``) never registers case data.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from cases.models import Action, Case, Review


class BenchAdminSite(admin.AdminSite):
    site_header = "Benchmark baseline (not production)"
    site_title = "Benchmark baseline"

    def has_permission(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_staff)


class CaseChangelist(admin.ModelAdmin):
    list_display = [
        "reference",
        "child_name",
        "area",
        "status",
        "risk_level",
        "lead_agency",
        "next_review",
        "open_actions",
    ]
    list_select_related = ["child", "area", "lead_agency"]
    list_per_page = 50
    ordering = ["-opened_at", "-pk"]

    def get_queryset(self, request):
        # Both per-row values as correlated subqueries, computed for the 50 rows shown
        # only (what one would write for an admin column), not a GROUP BY over every case.
        upcoming = Review.objects.filter(case=OuterRef("pk"), status=Review.Status.UPCOMING)
        open_actions = (
            Action.objects.filter(case=OuterRef("pk"), status__in=Action.OPEN_STATUSES)
            .order_by()
            .values("case")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                next_review=Subquery(upcoming.values("due_date")[:1]),
                open_actions=Coalesce(Subquery(open_actions, output_field=IntegerField()), 0),
            )
        )

    @admin.display(description="Child")
    def child_name(self, case: Case) -> str:
        return f"{case.child.first_name} {case.child.last_name}"

    @admin.display(description="Next review")
    def next_review(self, case: Case):
        return case.next_review

    @admin.display(description="Open actions")
    def open_actions(self, case: Case) -> int:
        return case.open_actions

    # Read-only: the baseline only lists.
    def has_view_permission(self, request, obj=None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


bench_admin = BenchAdminSite(name="bench_admin")
bench_admin.register(Case, CaseChangelist)

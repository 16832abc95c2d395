from django.urls import path

from reports import export_views, views

app_name = "reports"

urlpatterns = [
    path("", views.partnership, name="partnership"),
    # Exports of the partnership report (reports/export_views.py).
    path("exports/", export_views.export_list, name="export-list"),
    path("exports/new/", export_views.export_new, name="export-new"),
    path("exports/csv/<slug:slug>/", export_views.export_csv, name="export-csv"),
    path("exports/<int:pk>/", export_views.export_detail, name="export-detail"),
    path("exports/<int:pk>/status/", export_views.export_status, name="export-status"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export-download"),
]

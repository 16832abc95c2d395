from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.event_search, name="search"),
    path("export.csv", views.export_csv, name="export"),
    path("cases/<int:pk>/", views.case_history, name="case-history"),
    path("children/<int:pk>/viewers/", views.child_viewers, name="child-viewers"),
]

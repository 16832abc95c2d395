from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from audit.api import AuditEventViewSet
from cases.api.urls import router as cases_router
from panel import api, views
from panel.forms import SignInForm

# Every 403 on a page goes through here, so each refusal by role is recorded once.
handler403 = "panel.views.permission_denied"
handler404 = "panel.views.page_not_found"

admin.site.site_header = "Safeguard Panel administration"
admin.site.site_title = "Safeguard Panel administration"
admin.site.index_title = "Reference data and people"

# One router, so the API root at /api/v1/ lists every collection.
router = DefaultRouter()
router.register("areas", api.AreaViewSet)
router.registry.extend(cases_router.registry)
router.register("audit-events", AuditEventViewSet, basename="audit-event")

api_v1 = [
    path("me/", api.me, name="me"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            authentication_form=SignInForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("cases.urls")),
    path("notifications/", include("notifications.urls")),
    path("audit/", include("audit.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api.ApiDocsView.as_view(url_name="schema"), name="api-docs"),
]

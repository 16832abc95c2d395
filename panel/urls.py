from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from audit.api import AuditEventViewSet
from cases.api.urls import router as cases_router
from intelligence.api.urls import router as intelligence_router
from meetings.api.urls import router as meetings_router
from panel import account_views, api, mfa_views, sessions, views

# Every 403 on a page goes through here, so each refusal by role is recorded once.
handler403 = "panel.views.permission_denied"
handler404 = "panel.views.page_not_found"

admin.site.site_header = "Safeguard Panel administration"
admin.site.site_title = "Safeguard Panel administration"
admin.site.index_title = "Reference data and people"
# The admin's own login asks for a password only: staff sign in through the app's sign-in,
# second factor included (panel/mfa_views.py).
admin.site.login = mfa_views.admin_sign_in

# One router, so the API root at /api/v1/ lists every collection.
router = DefaultRouter()
router.register("areas", api.AreaViewSet)
router.registry.extend(cases_router.registry)
router.registry.extend(meetings_router.registry)
router.registry.extend(intelligence_router.registry)
router.register("audit-events", AuditEventViewSet, basename="audit-event")

api_v1 = [
    path("me/", api.me, name="me"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", mfa_views.SignInView.as_view(), name="login"),
    path("sign-in/code/", mfa_views.sign_in_code, name="sign-in-code"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("session/keep-alive/", sessions.keep_alive, name="session-keep-alive"),
    path("healthz", views.healthz, name="healthz"),
    # Your account: every signed-in person, their own account only.
    path("account/", account_views.overview, name="account"),
    path("account/password/", account_views.password, name="account-password"),
    path("account/tokens/", account_views.tokens, name="account-tokens"),
    path("account/tokens/new/", account_views.token_new, name="account-token-new"),
    path(
        "account/tokens/<int:pk>/revoke/",
        account_views.token_revoke,
        name="account-token-revoke",
    ),
    path("account/two-factor/", mfa_views.overview, name="account-mfa"),
    path("account/two-factor/set-up/", mfa_views.setup, name="account-mfa-setup"),
    path(
        "account/two-factor/recovery-codes/",
        mfa_views.recovery_codes,
        name="account-mfa-recovery-codes",
    ),
    path("", include("cases.urls")),
    path("meetings/", include("meetings.urls")),
    path("notifications/", include("notifications.urls")),
    path("audit/", include("audit.urls")),
    path("reports/", include("reports.urls")),
    path("", include("intelligence.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api.ApiDocsView.as_view(url_name="schema"), name="api-docs"),
]

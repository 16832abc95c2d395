from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from panel import views
from panel.forms import SignInForm

admin.site.site_header = "Safeguard Panel administration"
admin.site.site_title = "Safeguard Panel administration"
admin.site.index_title = "Reference data and people"

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
    path("admin/", admin.site.urls),
]

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from tracker import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("proposals/", include("proposals.urls")),
    path("responses/", include("responses.urls")),
    path("public/", include("responses.public_urls")),
]

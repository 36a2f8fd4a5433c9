from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from responses import views as responses_views
from tracker import mfa_views, views
from tracker.api import token_views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/mfa/", mfa_views.mfa_settings, name="mfa_settings"),
    path("accounts/mfa/verify/", mfa_views.mfa_verify, name="mfa_verify"),
    path("accounts/mfa/enrol/", mfa_views.mfa_enrol, name="mfa_enrol"),
    path("accounts/mfa/recovery-codes/", mfa_views.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("accounts/mfa/reset/", mfa_views.mfa_reset, name="mfa_reset"),
    path("accounts/reminders/", views.reminder_settings, name="reminder_settings"),
    path("accounts/session/", views.session_status, name="session_status"),
    path("accounts/api-token/", token_views.api_token, name="api_token"),
    path("accounts/api-token/create/", token_views.api_token_create, name="api_token_create"),
    path("accounts/api-token/revoke/", token_views.api_token_revoke, name="api_token_revoke"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.inbox_open, name="inbox_open"),
    path("inbox/read/", views.inbox_mark_read, name="inbox_mark_read"),
    # Pages that do not extend base.html (the admin, the API docs) still get an icon.
    path("favicon.ico", views.favicon, name="favicon"),
    path("health/", responses_views.health, name="health"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("proposals/", include("proposals.urls")),
    path("responses/", include("responses.urls")),
    path("supervision/", include("responses.supervision_urls")),
    path("public/", include("responses.public_urls")),
    path("statistics/", include("proposals.stats_urls")),
    path("search/", include("proposals.search_urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("tracker.api.urls")),
]

handler400 = "tracker.errors.bad_request"
handler403 = "tracker.errors.permission_denied"
handler404 = "tracker.errors.page_not_found"
handler500 = "tracker.errors.server_error"

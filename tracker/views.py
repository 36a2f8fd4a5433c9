from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tracker import notices, security
from tracker.forms import ReminderSettingsForm
from tracker.http import AuthenticatedHttpRequest
from tracker.mfa import mfa_required
from tracker.middleware import EXPIRED, IDLE, LAST_ACTIVE_AT, SIGNED_OUT_BECAUSE, seconds_left
from tracker.models import Notification
from tracker.paging import paginate


def home(request: HttpRequest) -> HttpResponse:
    """Send each role to the page it works from."""
    user = request.user
    if not user.is_authenticated:
        return redirect("public:reply_list")
    if user.supervised_themes.exists():  # a supervising leader starts from their themes
        return redirect("supervision:board")
    if user.is_congress_staff:
        return redirect("proposals:list")
    if user.is_department_user:
        return redirect("proposals:queue")
    if user.deputy_profile is not None:
        return redirect("proposals:todo")
    return redirect("public:reply_list")


class LoginView(auth_views.LoginView):
    """The password step; a user who must use a second factor is then taken to it by
    tracker.mfa.MfaRequiredMiddleware. Failures are counted by django-axes, whose lockout
    answer is tracker.security.lockout_response."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Why the last session ended (tracker/middleware.py), said once.
        reason = self.request.session.pop(SIGNED_OUT_BECAUSE, None)
        context["signed_out_message"] = SIGNED_OUT_MESSAGES.get(reason, "")
        context["demo_hint"] = settings.DEBUG
        if settings.DEBUG:
            from proposals.demo import demo_accounts

            context["demo_accounts"] = demo_accounts()
        return context


SIGNED_OUT_MESSAGES = {
    IDLE: gettext_lazy(
        "You were signed out because the site was not used for a while. Log in again to go on."
    ),
    EXPIRED: gettext_lazy(
        "You were signed out because your session reached its time limit. Log in again to go on."
    ),
}


@require_http_methods(["GET", "HEAD", "POST"])
def session_status(request: HttpRequest) -> JsonResponse:
    """Seconds until the session is signed out. GET with ``X-Session-Passive`` only asks
    (the page's countdown); POST ("stay signed in") counts as activity and restarts the
    idle time. Anonymous: signed_in false (the session may just have timed out)."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "seconds_left": 0})
    if request.method == "POST":
        request.session[LAST_ACTIVE_AT] = int(time.time())
    return JsonResponse({"signed_in": True, "seconds_left": seconds_left(request)})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (this session stays signed in, every other one ends), which
    also revokes the user's API tokens."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        revoked = security.password_changed(form.user, by=form.user)
        if revoked:
            messages.info(
                self.request,
                _("Your API token was revoked with the old password; create a new one if needed."),
            )
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password from a reset mail; revokes the user's API tokens too."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        security.password_changed(form.user, by=form.user)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Password-reset mail, limited per client address and per email address in the cache
    every process shares."""

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"].strip().lower()
        ip = security.client_ip(self.request)
        over_ip = security.too_many(
            f"pwreset-ip:{ip}", limit=settings.PASSWORD_RESET_IP_LIMIT, window=settings.PASSWORD_RESET_WINDOW
        )
        over_email = security.too_many(
            f"pwreset-email:{email}",
            limit=settings.PASSWORD_RESET_EMAIL_LIMIT,
            window=settings.PASSWORD_RESET_WINDOW,
        )
        if over_ip or over_email:
            security.log.warning("Password reset refused (rate limit): ip=%s", ip)
            form.add_error(
                None,
                _("Too many password-reset requests; try again in %(minutes)d minutes.")
                % {"minutes": settings.PASSWORD_RESET_WINDOW // 60},
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


# -- inbox ----------------------------------------------------------------------


@login_required
@require_safe
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in user's reminders and notices, newest first; ?unread=1 shows only unread ones."""
    notifications = Notification.objects.filter(recipient=request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        notifications = notifications.unread()
    context: dict[str, Any] = {"unread_only": unread_only}
    context.update(paginate(request, notifications, per_page=30))
    # Handover notices are rendered now, in the reader's language (tracker.notices).
    notices.prepare_inbox(list(context["page_obj"]))
    return render(request, "tracker/inbox.html", context)


@login_required
@require_safe
def inbox_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Open a notification: mark it read and go to the item it is about."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification.mark_read()
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("inbox")


@login_required
@require_POST
def inbox_mark_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mark one notification (``id``) or all of them read."""
    notifications = Notification.objects.filter(recipient=request.user).unread()
    if request.POST.get("id"):
        notifications = notifications.filter(pk=request.POST["id"])
    count = notifications.update(read_at=timezone.now())
    messages.success(request, _("Marked %(count)d as read.") % {"count": count})
    return redirect("inbox")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reminder_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A user's channel choices and stand-in while away."""
    form = ReminderSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your reminder settings are saved."))
        return redirect("reminder_settings")
    context = {"form": form, "mfa_required": mfa_required(request.user)}
    return render(request, "tracker/reminder_settings.html", context)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages without an icon link (the admin, API docs)."""
    return HttpResponsePermanentRedirect(static("img/favicon.ico"))

"""Two-step verification pages: the sign-in step, enrolment, the recovery codes shown
once, the user's own settings, and the security administrator's reset."""

from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from tracker import mfa
from tracker.forms import CurrentPasswordForm, MfaCodeForm, MfaResetForm
from tracker.http import AuthenticatedHttpRequest
from tracker.models import MfaReset

# New recovery codes wait in the session for the one page view that shows them.
NEW_CODES = "mfa_new_recovery_codes"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


def _no_store(response: HttpResponse) -> HttpResponse:
    # These pages may show a secret: no browser or proxy may keep a copy.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mfa_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The sign-in step after the password: a 6-digit code or a recovery code."""
    if not mfa.needs_verification(request):
        return redirect(_next_url(request))
    if not mfa.is_enrolled(request.user):
        return redirect("mfa_enrol")
    form = MfaCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = mfa.verify(request, form.cleaned_data["code"])
        if device is not None:
            if device.name == mfa.RECOVERY_NAME:
                left = mfa.recovery_codes_left(request.user)
                messages.warning(
                    request,
                    _(
                        "You used a recovery code; %(count)d left. "
                        "Replace your authenticator or make new codes."
                    )
                    % {"count": left},
                )
            return redirect(_next_url(request))
        form.add_error(
            "code", _("That code is not correct or has expired. Check your phone's clock and try again.")
        )
    return render(request, "tracker/mfa_verify.html", {"form": form, "next": _next_url(request)}, status=200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mfa_enrol(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set up the authenticator app: scan the QR code, then type the first code. Replacing
    an existing authenticator needs a verified session."""
    user = request.user
    if not mfa.mfa_required(user):
        messages.info(request, _("Your role does not use two-step verification."))
        return redirect("home")
    if mfa.is_enrolled(user) and not user.is_verified():  # type: ignore[attr-defined]
        return redirect("mfa_verify")
    device = mfa.pending_totp(user)
    form = MfaCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.confirm_enrolment(request, device, form.cleaned_data["code"])
        if codes is not None:
            request.session[NEW_CODES] = codes
            messages.success(request, _("Two-step verification is on for your account."))
            return redirect("mfa_recovery_codes")
        form.add_error(
            "code", _("That code is not correct. Scan the QR code again and type the code now shown.")
        )
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": mfa.qr_svg(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "replacing": mfa.is_enrolled(user),
    }
    return _no_store(render(request, "tracker/mfa_enrol.html", context))


@login_required
@require_safe
def mfa_recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """New recovery codes, shown this once."""
    codes = request.session.pop(NEW_CODES, None)
    if not codes:
        return redirect("mfa_settings")
    return _no_store(render(request, "tracker/mfa_recovery_codes.html", {"codes": codes}))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mfa_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own two-step verification: status, new recovery codes (password asked)."""
    user = request.user
    form = CurrentPasswordForm(request.POST or None, user=user)
    if request.method == "POST":
        if not mfa.is_enrolled(user):
            return redirect("mfa_enrol")
        if form.is_valid():
            request.session[NEW_CODES] = mfa.new_recovery_codes(user)
            mfa.log.info("MFA recovery codes replaced: user=%s", user.username)
            messages.success(request, _("New recovery codes are made; the old ones no longer work."))
            return redirect("mfa_recovery_codes")
    device = mfa.confirmed_totp(user)
    context = {
        "form": form,
        "required": mfa.mfa_required(user),
        "device": device,
        "codes_left": mfa.recovery_codes_left(user) if device else 0,
    }
    return render(request, "tracker/mfa_settings.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mfa_reset(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A security administrator removes someone's authenticator and recovery codes (a lost
    phone); they enrol again at their next sign-in. Recorded with the reason."""
    if not request.user.has_perm("tracker.reset_mfa"):
        raise PermissionDenied
    form = MfaResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["username"]
        if target == request.user:
            form.add_error("username", _("You cannot reset your own; ask another security administrator."))
        else:
            mfa.reset_devices(target, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(
                request,
                _("Two-step verification of %(name)s is reset: they set it up again at their next sign-in.")
                % {"name": target.username},
            )
            return redirect("mfa_reset")
    recent = MfaReset.objects.select_related("user", "reset_by")[:20]
    return render(request, "tracker/mfa_reset.html", {"form": form, "recent": recent})

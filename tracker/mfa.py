"""Two-step verification (django-otp): who must use it, enrolment, recovery codes, the
security administrator's reset, and the middleware that holds an unverified session at
the door.

A user signs in with their password, then with a 6-digit code from an authenticator app
(TOTP) or one of ten single-use recovery codes. Congress staff, department leaders and
every user of the admin site must; department clerks too when a congress says so.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from urllib.parse import urlencode

import segno
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tracker.models import MfaReset, Role, User

log = logging.getLogger("tracker.security")

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are read off paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"
# Cached for a minute: the admin's switch reaches every clerk within that time, and a
# clerk's page view does not pay a query for it.
_CLERKS_CACHE_KEY = "mfa:required-for-clerks"


def clerks_must_verify() -> bool:
    """Whether any congress requires a second factor of department clerks."""
    required = cache.get(_CLERKS_CACHE_KEY)
    if required is None:
        # proposals sits above tracker: looked up by name, not imported.
        congress = apps.get_model("proposals", "Congress")
        required = congress.objects.filter(require_mfa_for_clerks=True).exists()
        cache.set(_CLERKS_CACHE_KEY, required, 60)
    return bool(required)


def forget_clerk_rule() -> None:
    """Drop the cached congress switch (after it changes)."""
    cache.delete(_CLERKS_CACHE_KEY)


def mfa_required(user: User) -> bool:
    """Whether ``user`` must sign in with a second factor."""
    if not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    if user.has_role(Role.CONGRESS_STAFF) or user.has_role(Role.DEPT_LEADER):
        return True
    return user.has_role(Role.DEPT_CLERK) and clerks_must_verify()


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def is_enrolled(user: User) -> bool:
    """Whether the user has a confirmed authenticator (recovery codes alone do not count)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def pending_totp(user: User) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled, created on first call; its secret is
    kept across page views so the QR code the user scanned stays valid."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def qr_svg(data: str) -> str:
    """An inline <svg> of ``data``: no image request, nothing from outside."""
    return segno.make(data, error="m").svg_inline(scale=4, dark="#1f2937", light="#ffffff")


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones; returns them
    (they are shown once)."""
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _i in range(10)) for _n in range(RECOVERY_CODE_COUNT)
    ]
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def confirm_enrolment(request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Check the first code from the new authenticator; on success the device is
    confirmed (replacing any older one), the session verified and new recovery codes
    returned. None when the code is wrong."""
    user = request.user
    assert isinstance(user, User)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if not device.verify_token(normalise_code(code)):
            return None
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_recovery_codes(user)
    otp_login(request, device)
    log.info("MFA enrolled: user=%s", user.username)
    return codes


def verify(request: HttpRequest, code: str) -> TOTPDevice | StaticDevice | None:
    """Check a 6-digit code or a recovery code against the signed-in user's devices and
    mark the session verified. Each device throttles its own failures (django-otp)."""
    user = request.user
    assert isinstance(user, User)
    code = normalise_code(code)
    # A 6-digit code is for the authenticator, anything else a recovery code: trying one
    # kind against the other would count a failure against a device that was not meant.
    model: type[TOTPDevice] | type[StaticDevice] = (
        TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    )
    with transaction.atomic():
        devices = model.objects.devices_for_user(user, confirmed=True).select_for_update()
        matched = next((device for device in devices if device.verify_token(code)), None)
    if matched is None:
        log.warning("MFA code refused: user=%s", user.username)
        return None
    otp_login(request, matched)
    log.info("MFA verified: user=%s device=%s", user.username, matched.persistent_id)
    return matched


def reset_devices(user: User, *, by: User, reason: str) -> MfaReset:
    """Remove every second-factor device of ``user``; they enrol again at their next
    sign-in (a session verified by a removed device stops being verified at once)."""
    with transaction.atomic():
        removed = 0
        for model in (TOTPDevice, StaticDevice):
            devices = model.objects.filter(user=user)
            removed += devices.count()
            devices.delete()
        reset = MfaReset.objects.create(user=user, reset_by=by, reason=reason, devices_removed=removed)
    log.warning("MFA reset: user=%s by=%s reason=%s", user.username, by.username, reason)
    return reset


def needs_verification(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    assert isinstance(user, User)
    return mfa_required(user) and not user.is_verified()  # type: ignore[attr-defined]


class MfaRequiredMiddleware:
    """A user who must use a second factor and has not passed it in this session reaches
    only the enrolment and verification pages, sign-out and the language switch; every
    other page sends them there (the API answers 403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if needs_verification(request) and not self._is_exempt(request.path_info):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": _("Two-step verification is required.")}, status=403)
            user = request.user
            assert isinstance(user, User)
            target = "mfa_verify" if is_enrolled(user) else "mfa_enrol"
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            return redirect(reverse(target) + (f"?{query}" if query else ""))
        return self.get_response(request)

    @staticmethod
    def _is_exempt(path: str) -> bool:
        exempt = [reverse(name) for name in ("mfa_verify", "mfa_enrol", "logout", "set_language")]
        return path in exempt or path.startswith(
            settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
        )


def session_device_id(request: HttpRequest) -> str | None:
    return request.session.get(DEVICE_ID_SESSION_KEY)

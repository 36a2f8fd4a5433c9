"""Sign-in protection: the client's address behind a proxy, login lockout (django-axes),
rate limits shared by every process (Django's cache: Redis or the database), and what a
password change takes with it."""

from __future__ import annotations

import logging
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tracker.models import ApiToken, User

log = logging.getLogger("tracker.security")


def client_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The username an attempt names, as axes records and counts it: what was typed, cut
    to the length a username may have (150), so that a very long one is one more failure,
    not a database error (axes' columns hold 255)."""
    typed = (credentials or {}).get("username")
    if typed is None:
        typed = request.POST.get("username", "") if request.method == "POST" else ""
    return str(typed or "")[:150]


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or with CLIENT_IP_HEADER set (a header the
    reverse proxy writes, e.g. X-Real-IP or X-Forwarded-For), the address that header
    names. For X-Forwarded-For the entry TRUSTED_PROXY_COUNT places from the right is
    used: entries further left were written by the client and can be forged."""
    header = settings.CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        if entries:
            index = max(len(entries) - settings.TRUSTED_PROXY_COUNT, 0)
            return entries[index][:45]
    return str(request.META.get("REMOTE_ADDR") or "")[:45]


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with two limits: a username is locked after
    AXES_FAILURE_LIMIT failures from anywhere; an address after AXES_IP_FAILURE_LIMIT
    failures across any usernames (password spraying), high enough that one office
    behind a shared address is not locked out by a colleague's typos."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        by_parameter = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        # Lockout parameters are ["username", "ip_address"], in that order. An address's
        # count is scaled so that reaching its own limit reaches the username limit.
        user_failures, ip_failures = (by_parameter + [0, 0])[:2]
        scaled = ip_failures * settings.AXES_FAILURE_LIMIT // settings.AXES_IP_FAILURE_LIMIT
        return max(user_failures, scaled)

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """After a successful sign-in, forget that username's failures only: axes would also
        clear the address's, letting one valid account reset a password-spraying count."""
        username = get_client_username(request, credentials)
        count, _rows = AccessAttempt.objects.filter(username=username).delete()
        return int(count)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The login page again, with a message saying the account is locked and for how long
    (429, not a bare 403)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = AuthenticationForm(request, initial={"username": get_client_username(request, credentials) or ""})
    context = {"form": form, "locked_out": True, "cooloff_minutes": minutes, "demo_hint": False}
    return render(request, "registration/login.html", context, status=429)


def too_many(key: str, *, limit: int, window: int) -> bool:
    """Count one hit against ``key`` in a fixed window of ``window`` seconds; True when it
    goes over ``limit``. The count lives in Django's cache, which every process shares
    (Redis, or the database table of the embedded default)."""
    cache_key = f"rl:{key}"
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        count = 1
    return count > limit


def is_over(key: str, *, limit: int) -> bool:
    """Whether ``key`` is already over ``limit`` in its window, without counting a hit."""
    return int(cache.get(f"rl:{key}") or 0) >= limit


def password_changed(user: User, *, by: User) -> int:
    """What a password change takes with it: the user's API tokens are revoked (other
    sessions end by themselves, their stored password hash no longer matching)."""
    revoked = ApiToken.objects.revoke_all(user, by=by)
    log.info("Password changed: user=%s by=%s api_tokens_revoked=%d", user.username, by.username, revoked)
    return revoked

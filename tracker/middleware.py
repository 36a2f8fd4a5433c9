"""Request guards that apply to every page: NUL bytes refused, sessions that time out,
statements cut off by the statement timeout answered with a page."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import auth
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from tracker.params import InvalidParameter

logger = logging.getLogger(__name__)

# Session keys: when the user signed in and when they were last active (Unix seconds).
SIGNED_IN_AT = "tracker_signed_in_at"
LAST_ACTIVE_AT = "tracker_last_active_at"
# Why the last session ended, kept in the new anonymous session for the login page.
SIGNED_OUT_BECAUSE = "tracker_signed_out_because"
IDLE = "idle"
EXPIRED = "expired"
# Requests that do not count as activity: the page's own countdown asks how long is left.
PASSIVE_HEADER = "X-Session-Passive"
# Activity is recorded at most this often (seconds), so that not every request writes the session.
ACTIVITY_RESOLUTION = 10


class RejectNulBytesMiddleware:
    """400 for a request whose path or query string holds a NUL byte (%00): no address or
    search term of this site contains one, and PostgreSQL refuses them in any query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            raise InvalidParameter(
                gettext("The address contains a NUL character (%00), which is not allowed.")
            )
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """Signs a browser session out after SESSION_IDLE_TIMEOUT seconds without a request and
    SESSION_ABSOLUTE_LIFETIME seconds after sign-in, checked on the server at each request.

    API requests authenticated by token carry no session and are not affected. A request
    with the ``X-Session-Passive`` header (the page's countdown) is checked but does not
    count as activity.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            signed_in_at = session.setdefault(SIGNED_IN_AT, now)
            last_active_at = session.get(LAST_ACTIVE_AT, now)
            reason = None
            if now - signed_in_at >= settings.SESSION_ABSOLUTE_LIFETIME:
                reason = EXPIRED
            elif now - last_active_at >= settings.SESSION_IDLE_TIMEOUT:
                reason = IDLE
            if reason:
                auth.logout(request)
                request.session[SIGNED_OUT_BECAUSE] = reason
            else:
                session.pop(SIGNED_OUT_BECAUSE, None)
                if PASSIVE_HEADER not in request.headers and now - last_active_at >= ACTIVITY_RESOLUTION:
                    session[LAST_ACTIVE_AT] = now
                session.setdefault(LAST_ACTIVE_AT, now)
        return self.get_response(request)


def start_session_clock(sender: type, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    """On sign-in: the absolute lifetime and the idle time start now."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_ACTIVE_AT] = now
        request.session.pop(SIGNED_OUT_BECAUSE, None)


def seconds_left(request: HttpRequest) -> int:
    """Seconds until this session is signed out (idle or absolute limit, whichever is first)."""
    now = int(time.time())
    session = getattr(request, "session", None)
    if session is None:  # a request that never went through the session middleware
        return settings.SESSION_IDLE_TIMEOUT
    idle_end = session.get(LAST_ACTIVE_AT, now) + settings.SESSION_IDLE_TIMEOUT
    absolute_end = session.get(SIGNED_IN_AT, now) + settings.SESSION_ABSOLUTE_LIFETIME
    return max(0, min(idle_end, absolute_end) - now)


def is_query_timeout(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL cancelling a statement at ``statement_timeout``."""
    if not isinstance(exc, OperationalError):
        return False
    try:
        from psycopg import errors
    except ImportError:  # pragma: no cover - psycopg is installed wherever PostgreSQL is used
        return False
    return isinstance(exc.__cause__, errors.QueryCanceled)


class QueryTimeoutMiddleware:
    """A statement cut off by DB_STATEMENT_TIMEOUT_MS answers 503 with a page asking the
    user to narrow the filters or the search, instead of a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_query_timeout(exception):
            return None
        logger.warning("Statement timeout on %s %s", request.method, request.get_full_path())
        seconds = max(1, round(settings.DB_STATEMENT_TIMEOUT_MS / 1000))
        response = render(request, "tracker/query_timeout.html", {"seconds": seconds}, status=503)
        response["Retry-After"] = "10"
        return response
